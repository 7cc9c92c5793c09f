#if canImport(Glibc)
import Glibc
#endif

/// File operations for tests that act out what writers and logrotate do to log files.
public enum TestFiles {
    /// A fresh directory under /tmp.
    public static func makeDirectory(_ prefix: String = "sonde-test") -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        return String(cString: made!)
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

    /// Removes a directory tree.
    public static func removeTree(_ path: String) {
        precondition(path.hasPrefix("/tmp/"), "refusing to remove \(path)")
        run(["rm", "-rf", path])
    }
}
