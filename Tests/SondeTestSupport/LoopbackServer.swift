#if canImport(Glibc)
import Glibc
#endif

/// A Python HTTP server on 127.0.0.1 (a free port), spawned for one test and killed after it.
///
/// The script is passed with `python3 -c` (a `.py` file in the test folder would be an undeclared
/// resource to SwiftPM). The server prints its port, then serves until the test ends: it also exits
/// by itself when its stdin closes (the test process died) or after two minutes, so it can never
/// outlive a test run.
public final class LoopbackServer {
    public let pid: pid_t
    public let port: Int
    private let stdinWrite: Int32

    public var base: String { "http://127.0.0.1:\(port)" }

    /// The end of a script that defines a `Handler` class (and imports os, sys, threading and
    /// ThreadingHTTPServer): serve it on a free loopback port, print the port, and exit when stdin
    /// closes or after two minutes, as `with` expects.
    public static let serveHandler = """
        def watch_stdin():
            sys.stdin.buffer.read()
            os._exit(0)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=watch_stdin, daemon=True).start()
        threading.Timer(120, lambda: os._exit(0)).start()
        print(server.server_address[1], flush=True)
        server.serve_forever()

        """

    /// Runs `body` with a server running `script` (which must print its port on its first line).
    public static func with<T>(script: String, arguments: [String] = [], _ body: (LoopbackServer) async throws -> T) async throws -> T {
        let server = try await start(script: script, arguments: arguments)
        defer { server.stop() }
        return try await body(server)
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private init(pid: pid_t, port: Int, stdinWrite: Int32) {
        self.pid = pid
        self.port = port
        self.stdinWrite = stdinWrite
    }

    private static func start(script: String, arguments: [String]) async throws -> LoopbackServer {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        // Close-on-exec, so servers started by tests running in parallel do not hold each other's
        // pipes (Glibc's pipe2 is not imported; the short window before fcntl is harmless here).
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw StartError(description: "pipe: errno \(errno)") }
        for descriptor in input + output { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["/usr/bin/env", "python3", "-u", "-c", script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/usr/bin/env", &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(input[0])
        close(output[1])
        guard spawned == 0 else {
            close(input[1])
            close(output[0])
            throw StartError(description: "cannot start python3: error \(spawned)")
        }
        // The first line is the port; EOF before it means Python failed to start. Polled, so that
        // tests starting servers in parallel do not block the cooperative threads while Python starts.
        _ = fcntl(output[0], F_SETFL, O_NONBLOCK)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        for _ in 0..<4_000 {
            let count = read(output[0], &byte, 1)
            if count == 1 && byte != 10 { line.append(byte); continue }
            if count == -1 && errno == EAGAIN { try? await Task.sleep(for: .milliseconds(5)); continue }
            break
        }
        close(output[0])
        guard let port = Int(String(decoding: line, as: UTF8.self)), port > 0 else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            close(input[1])
            throw StartError(description: "the test server did not report a port (got \"\(String(decoding: line, as: UTF8.self))\"): is python3 installed?")
        }
        return LoopbackServer(pid: child, port: port, stdinWrite: input[1])
    }

    private func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(stdinWrite)
    }

    /// A TCP port on 127.0.0.1 that refuses connections: bound (so nobody else takes it) but not
    /// listening, for as long as `body` runs.
    public static func withClosedPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw StartError(description: "socket: errno \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketFD, generic, length) == 0 && getsockname(socketFD, generic, &length) == 0
            }
        }
        guard bound else { throw StartError(description: "bind: errno \(errno)") }
        return try await body(Int(UInt16(bigEndian: address.sin_port)))
    }
}
