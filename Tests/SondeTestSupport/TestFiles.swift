#if canImport(Glibc)
import Glibc
#endif

/// File operations for tests that act out what writers and logrotate do to log files.
public enum TestFiles {
    /// A fresh directory under /tmp (see `TemporaryDirectory`).
    public static func makeDirectory(_ prefix: String = "sonde-test") -> String {
        TemporaryDirectory.create(prefix)
    }

    /// Appends `text` (creating the file).
    public static func append(_ path: String, _ text: String) {
        append(path, Array(text.utf8))
    }

    public static func append(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        precondition(fd >= 0, "cannot open \(path)")
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    public static func read(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    /// Runs a program to completion (argv[0] searched in PATH); returns its exit status.
    @discardableResult
    public static func run(_ arguments: [String]) -> Int32 {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, arguments[0], nil, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Removes a directory tree (see `TemporaryDirectory`).
    public static func removeTree(_ path: String) {
        TemporaryDirectory.removeTree(path)
    }
}

/// A child process (found in PATH) running in the background, its output in a file.
///
/// The test runner's threads block some signals, and a spawned child inherits that mask: the child
/// gets a clear mask and default handlers, so it receives SIGTERM and SIGUSR1 (reopen your log) as a
/// real service does.
public final class ChildProcess {
    public let pid: pid_t
    private var finished = false

    public init(_ arguments: [String], output: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGUSR1, SIGHUP, SIGINT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawnp(&child, arguments[0], &actions, &attributes, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        precondition(result == 0, "cannot start \(arguments[0]): \(result)")
        pid = child
    }

    /// Waits for the child to end by itself.
    public func wait() {
        guard !finished else { return }
        finished = true
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Sends SIGTERM and waits.
    public func stop() {
        guard !finished else { return }
        kill(pid, SIGTERM)
        wait()
    }

    deinit { stop() }
}
