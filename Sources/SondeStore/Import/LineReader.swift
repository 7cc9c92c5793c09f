import CZlib
import SondeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a text file line by line, plain or gzip-compressed (zlib's `gzread` detects which), in big
/// blocks, handing out each line as bytes that are valid only during the callback.
///
/// Lines end at `\n`; a trailing `\r` is stripped (CRLF files read like LF files), and a last line
/// without a newline is still delivered. A line longer than `maxLineLength` (1 MiB by default) is an
/// error rather than a reason to buffer without bound. Progress for a progress bar is the compressed
/// bytes consumed (`bytesConsumed`, zlib's `gzoffset`) out of the file size (`fileSize`).
///
/// It does not decode text: lines are bytes, and validating them is the parser's job. It is not
/// `Sendable`; use it from one task.
public final class LineReader {
    public static let defaultBlockSize = 1 << 20
    public static let defaultMaxLineLength = 1 << 20

    public let path: String
    /// Size of the file on disk (compressed size for `.gz`), for progress reporting.
    public let fileSize: Int64
    public let maxLineLength: Int
    private let blockSize: Int
    private var file: gzFile?
    private var finalOffset: Int64 = 0

    /// Opens `path`. Throws `SondeError` with code `.notFound` for a missing file, `.invalidArgument`
    /// for a directory and `.io` for other failures, the message naming the path.
    public init(path: String, blockSize: Int = defaultBlockSize, maxLineLength: Int = defaultMaxLineLength) throws(SondeError) {
        precondition(blockSize > 0 && maxLineLength > 0, "block size and maximum line length must be positive")
        self.path = path
        self.blockSize = blockSize
        self.maxLineLength = maxLineLength
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw SondeError(code == ENOENT ? .notFound : .io, "cannot open \(path): \(Self.describeErrno(code))")
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw SondeError(.invalidArgument, "cannot read \(path): it is a directory")
        }
        self.fileSize = Int64(info.st_size)
        errno = 0
        guard let file = gzopen(path, "rbe") else {
            let code = errno
            throw SondeError(code == ENOENT ? .notFound : .io, "cannot open \(path): \(Self.describeErrno(code))")
        }
        // zlib's input buffer (default 8 KiB); bigger means fewer read(2) calls for compressed files.
        _ = gzbuffer(file, 256 * 1024)
        self.file = file
    }

    deinit {
        if let file { gzclose(file) }
    }

    /// Bytes of the file consumed so far (compressed bytes for `.gz`); equals `fileSize` at the end.
    public var bytesConsumed: Int64 {
        guard let file else { return finalOffset }
        return Int64(gzoffset(file))
    }

    /// `bytesConsumed / fileSize` in 0...1 (1 for an empty file).
    public var fractionConsumed: Double {
        fileSize > 0 ? min(1, Double(bytesConsumed) / Double(fileSize)) : 1
    }

    /// Calls `body` with each line (without `\n` or a trailing `\r`) and its 1-based number. The
    /// buffer is only valid during the call. Errors from `body` stop the reading and are rethrown;
    /// read errors are `SondeError`s (`.io`, or `.corrupt` for damaged or truncated gzip data); an
    /// over-long line is a `ParseError` at that line. The file is closed when this returns; a reader
    /// reads its file once.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        guard let file else { throw SondeError(.invalidArgument, "\(path) has already been read") }
        defer {
            finalOffset = Int64(gzoffset(file))
            gzclose(file)
            self.file = nil
        }
        let capacity = blockSize + maxLineLength + 1
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate() }
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        var carry = 0  // bytes of an unfinished line at the start of the buffer
        var lineNumber = 0

        func deliver(_ start: Int, _ end: Int) throws {
            lineNumber += 1
            var length = end - start
            if length > maxLineLength { throw tooLong(lineNumber) }
            if length > 0, bytes[start + length - 1] == UInt8(ascii: "\r") { length -= 1 }
            try body(UnsafeRawBufferPointer(start: bytes + start, count: length), lineNumber)
        }

        while true {
            let wanted = min(capacity - carry, Int(Int32.max))
            let read = Int(gzread(file, buffer + carry, UInt32(wanted)))
            if read < 0 { throw readError(file) }
            if read == 0 {
                var errnum: Int32 = 0
                _ = gzerror(file, &errnum)
                if errnum == Z_BUF_ERROR {
                    throw SondeError(.corrupt, "cannot read \(path): truncated gzip data (unexpected end of file)")
                }
                if errnum != Z_OK { throw readError(file) }
                if carry > 0 { try deliver(0, carry) }
                return
            }
            let end = carry + read
            var start = 0
            var searchFrom = carry  // the carried bytes hold no newline
            while searchFrom < end, let found = memchr(buffer + searchFrom, 0x0A, end - searchFrom) {
                let newline = buffer.distance(to: found)
                try deliver(start, newline)
                start = newline + 1
                searchFrom = start
            }
            carry = end - start
            if carry > maxLineLength { throw tooLong(lineNumber + 1) }
            if carry > 0, start > 0 { memmove(buffer, buffer + start, carry) }
        }
    }

    private func tooLong(_ lineNumber: Int) -> ParseError {
        ParseError(
            file: path, line: lineNumber, column: maxLineLength + 1,
            message: "line is longer than the maximum of \(maxLineLength) bytes")
    }

    private func readError(_ file: gzFile) -> SondeError {
        var errnum: Int32 = 0
        let message = gzerror(file, &errnum).map { String(cString: $0) } ?? "unknown error"
        if errnum == Z_ERRNO {
            return SondeError(.io, "cannot read \(path): \(Self.describeErrno(errno))")
        }
        return SondeError(.corrupt, "cannot read \(path): corrupt gzip data (\(message))")
    }

    private static func describeErrno(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
