#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Raw reads of procfs files, directories and links, without Foundation.
///
/// Every function returns nil instead of throwing when the target cannot be read: under /proc that is
/// the normal case (a process exits between the listing and the read, or belongs to another user), and
/// the caller decides what a missing value means. Nothing here parses.
enum ProcFS {
    /// Reads the whole file at `path` into `buffer` (grown when needed) and returns the byte count.
    static func readFile(_ path: UnsafePointer<CChar>, into buffer: inout [UInt8]) -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: 4096) }
        var count = 0
        while true {
            if count == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let result = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return read(fd, base + count, raw.count - count)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if result == 0 { return count }
            count += result
        }
    }

    static func readFile(_ path: String, into buffer: inout [UInt8]) -> Int? {
        path.withCString { readFile($0, into: &buffer) }
    }

    /// Reads the whole file at `path` as text (invalid UTF-8 repaired).
    static func readText(_ path: String) -> String? {
        var buffer: [UInt8] = []
        guard let count = readFile(path, into: &buffer) else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// The numeric entries of a procfs root (the PIDs), in directory order; nil if it cannot be listed.
    static func listPIDs(_ root: String) -> [Int32]? {
        guard let dir = opendir(root) else { return nil }
        defer { closedir(dir) }
        var pids: [Int32] = []
        pids.reserveCapacity(512)
        while let entry = readdir(dir) {
            let pid = withUnsafeBytes(of: &entry.pointee.d_name) { raw -> Int32? in
                var value: Int32 = 0
                var digits = 0
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 9 else { return nil }
                    value = value * 10 + Int32(byte - UInt8(ascii: "0"))
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            if let pid { pids.append(pid) }
        }
        return pids
    }

    /// How many entries (other than `.` and `..`) the directory holds; nil if it cannot be opened
    /// (for `/proc/PID/fd` of another user's process without privileges, say).
    static func countEntries(_ path: UnsafePointer<CChar>) -> Int? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                raw[0] == UInt8(ascii: ".") && (raw[1] == 0 || (raw[1] == UInt8(ascii: ".") && raw[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return count
    }

    static func countEntries(_ path: String) -> Int? { path.withCString { countEntries($0) } }

    /// The number of open descriptors from `/proc/PID/fd`: on procfs since Linux 6.2 the directory's
    /// `st_size` is that number (one `stat` instead of listing it); otherwise, or when it says 0, list it.
    static func countDescriptors(_ path: UnsafePointer<CChar>, onProcfs: Bool) -> Int? {
        if onProcfs {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            if info.st_size > 0 { return Int(info.st_size) }
        }
        return countEntries(path)
    }

    /// Whether `path` looks like a procfs mount rather than, say, a fixture directory: procfs always
    /// has the `self` link (Glibc's module does not export `statfs` to check the magic number).
    static func isProcfs(_ path: String) -> Bool {
        readLink(path + "/self") != nil
    }

    /// The target of a symbolic link (for `/proc/PID/exe`, `/proc/self`), or nil.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count)
        guard count >= 0 else { return nil }
        return buffer.withUnsafeBytes { raw in String(decoding: raw[0..<count], as: UTF8.self) }
    }

}

/// Builds `ROOT/PID/FILE` NUL-terminated in one reused buffer, so the per-process hot path does not
/// allocate a `String` per file.
struct ProcPathBuilder {
    private var bytes: [UInt8]
    private let prefixCount: Int

    init(root: String) {
        bytes = Array(root.utf8)
        bytes.append(UInt8(ascii: "/"))
        prefixCount = bytes.count
        bytes.reserveCapacity(prefixCount + 64)
    }

    /// Calls `body` with the C path of `file` (e.g. `"stat"`, `"fd"`) of `pid`; nil if it cannot be built.
    mutating func withPath<Result>(
        _ pid: Int32, _ file: StaticString, _ body: (UnsafePointer<CChar>) -> Result
    ) -> Result? {
        bytes.removeSubrange(prefixCount...)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var value = UInt32(max(0, pid))
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                count += 1
            } while value > 0 && count < raw.count
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(raw[index]) }
        }
        bytes.append(UInt8(ascii: "/"))
        file.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in chars.baseAddress.map(body) }
        }
    }
}
