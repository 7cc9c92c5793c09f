#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SondeCore

/// A file of the store, opened once and accessed with positioned reads and writes, so readers and
/// the writer never share a file offset. Every failure becomes a `SondeError` naming the path.
final class StoreFile: Sendable {
    let path: String
    private let descriptor: Int32

    enum Mode { case readOnly, readWrite }

    init(path: String, mode: Mode, create: Bool = false) throws(SondeError) {
        self.path = path
        var flags: Int32 = mode == .readOnly ? O_RDONLY : O_RDWR
        if create { flags |= O_CREAT }
        flags |= O_CLOEXEC
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw StoreFile.error("cannot open", path) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    var size: Int {
        get throws(SondeError) {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw StoreFile.error("cannot stat", path) }
            return Int(info.st_size)
        }
    }

    /// Reserves the blocks of the file up to `size` so later writes cannot fail for lack of space.
    func preallocate(size: Int) throws(SondeError) {
        let result = posix_fallocate(descriptor, 0, off_t(size))
        if result == 0 { return }
        // Some file systems (tmpfs on old kernels, overlay) lack fallocate: fall back to ftruncate,
        // which at least fixes the size.
        if result == EOPNOTSUPP || result == EINVAL, ftruncate(descriptor, off_t(size)) == 0 { return }
        throw SondeError(.io, "cannot preallocate \(size) bytes for \(path): \(String(cString: strerror(result)))")
    }

    func truncate(size: Int) throws(SondeError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw StoreFile.error("cannot truncate", path) }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at end of file.
    func read(at offset: Int, count: Int) throws(SondeError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let result = buffer.withUnsafeMutableBytes { raw in Result { () throws(SondeError) in try read(into: raw, at: offset) } }
        let got = try result.get()
        if got < count { buffer.removeLast(count - got) }
        return buffer
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SondeError) -> Int {
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if result < 0 {
                if errno == EINTR { continue }
                throw StoreFile.error("cannot read", path)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Reads from `offset` up to `limit` in windows, stopping after the first window that is all
    /// zeros: the unwritten rest of a preallocated file, which is then not read (or held in memory)
    /// at all. Files whose unused part holds stale data are read to `limit`.
    func readUsedPrefix(from offset: Int, limit: Int, window: Int = 1 << 20) throws(SondeError) -> [UInt8] {
        var bytes: [UInt8] = []
        var position = offset
        while position < limit {
            let chunk = try read(at: position, count: min(window, limit - position))
            if chunk.isEmpty { break }
            let allZero = chunk.withUnsafeBytes { raw -> Bool in
                var index = 0
                while index + 8 <= raw.count {
                    if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) != 0 { return false }
                    index += 8
                }
                while index < raw.count {
                    if raw[index] != 0 { return false }
                    index += 1
                }
                return true
            }
            if allZero && position > offset { break }
            bytes.append(contentsOf: chunk)
            position += chunk.count
            if chunk.count < window { break }
        }
        return bytes
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SondeError) {
        var done = 0
        while done < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if result < 0 {
                if errno == EINTR { continue }
                throw StoreFile.error("cannot write", path)
            }
            done += result
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(SondeError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(SondeError) in try write(raw, at: offset) } }.get()
    }

    /// Makes written data durable (not the metadata that does not matter for reading it back).
    func sync() throws(SondeError) {
        guard fdatasync(descriptor) == 0 else { throw StoreFile.error("cannot sync", path) }
    }

    static func error(_ what: String, _ path: String) -> SondeError {
        SondeError(.io, "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Syncs a directory so that files created or renamed in it survive a power loss.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func makeDirectory(_ path: String) throws(SondeError) {
        var components: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            components.append(String(part))
            let prefix = components.joined(separator: "/")
            if prefix.isEmpty { continue }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StoreFile.error("cannot create directory", prefix)
            }
        }
    }

    /// Writes a small file atomically: temporary file, sync, rename, sync the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(SondeError) {
        let temporary = path + ".tmp"
        do {
            let file = try StoreFile(path: temporary, mode: .readWrite, create: true)
            try file.truncate(size: 0)
            try file.write(bytes, at: 0)
            try file.sync()
        }
        guard rename(temporary, path) == 0 else { throw StoreFile.error("cannot rename to", path) }
        syncDirectory(directory)
    }
}
