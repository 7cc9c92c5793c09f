import CZlib
import SondeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a whole log file front to back, plain or gzip-compressed (zlib detects which), in blocks.
/// Used for rotated files the tailer must finish (`app.log.1.gz`) and by `sonde logs import`.
///
/// Not `Sendable`: one owner at a time.
public final class LogFileReader {
    public let path: String
    /// Size on disk (compressed size for `.gz`), for a progress bar.
    public let fileSize: UInt64
    private var file: gzFile?

    /// Opens `path`; `SondeError` `.notFound` when it does not exist, `.io` otherwise.
    public init(path: String) throws(SondeError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw SondeError(code == ENOENT ? .notFound : .io, "cannot open \(path): \(String(cString: strerror(code)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SondeError(.invalidArgument, "\(path) is not a regular file") }
        fileSize = UInt64(info.st_size)
        guard let file = gzopen(path, "rbe") else {
            throw SondeError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        _ = gzbuffer(file, 256 * 1024)
        self.file = file
    }

    deinit { close() }

    public func close() {
        if let file { gzclose(file) }
        file = nil
    }

    /// Compressed bytes consumed so far (for progress).
    public var bytesConsumed: UInt64 {
        guard let file else { return fileSize }
        return UInt64(max(0, gzoffset(file)))
    }

    /// Fills `buffer` with the next decompressed bytes; returns how many (0 at the end), or -1 when
    /// the data is damaged or truncated (`failure` says how; what came before was good).
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let file, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return Int(gzread(file, base, UInt32(min(buffer.count, Int(Int32.max)))))
    }

    /// Why the last `read` returned -1.
    public var failure: SondeError {
        guard let file else { return SondeError(.io, "cannot read \(path): closed") }
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
        return SondeError(code == Z_ERRNO ? .io : .corrupt, "cannot read \(path): \(message)")
    }

    /// Reads into `buffer` (its whole capacity) and throws on damage; returns the count read.
    public func read(into buffer: inout [UInt8]) throws(SondeError) -> Int {
        let count = buffer.withUnsafeMutableBytes { read(into: $0) }
        guard count >= 0 else { throw failure }
        return count
    }

    /// Skips `count` decompressed bytes; returns how many were there to skip.
    public func skip(_ count: UInt64) throws(SondeError) -> UInt64 {
        var left = count
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while left > 0 {
            let wanted = Int(min(UInt64(scratch.count), left))
            let got = scratch.withUnsafeMutableBytes { read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted])) }
            guard got >= 0 else { throw failure }
            if got == 0 { break }
            left -= UInt64(got)
        }
        return count - left
    }

    /// The first `count` decompressed bytes of `path` (fewer if the file is shorter), or nil when it
    /// cannot be read.
    public static func prefix(of path: String, count: Int) -> [UInt8]? {
        guard let reader = try? LogFileReader(path: path) else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { reader.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if got <= 0 { break }
            filled += got
        }
        return Array(bytes[0..<filled])
    }
}
