import SondeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Splits the bytes read from a log into complete lines, keeping a partial last line until its
/// newline arrives and skipping lines longer than `limit` (never handing on half a line).
///
/// Its `carriedBytes` and the too-long count of each `feed` are what `LogTailEvent.readCompleted` expects.
public struct LogTailLineFramer: Sendable {
    public static let defaultLimit = 64 * 1024

    /// The longest line (without its newline) handed on.
    public let limit: Int
    private var carry: [UInt8] = []
    private var skipping = false
    /// Bytes after the last newline seen, including those of a too-long line being skipped.
    public private(set) var carriedBytes: UInt64 = 0

    public init(limit: Int = LogTailLineFramer.defaultLimit) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Feeds a chunk; calls `line` for each complete line (without `\n`); returns the number of
    /// too-long lines this chunk completed.
    @discardableResult
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, line: (UnsafeRawBufferPointer) -> Void) -> Int {
        var tooLong = 0
        var start = 0
        let n = chunk.count
        guard let base = chunk.baseAddress else { return 0 }
        while start < n {
            // memchr scans for the newline far faster than a byte loop.
            guard let found = memchr(base + start, 0x0A, n - start) else { break }
            let i = base.distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<i])
            if skipping {
                tooLong += 1
                skipping = false
            } else if carry.count + piece.count > limit {
                tooLong += 1
            } else if carry.isEmpty {
                line(piece)
            } else {
                carry.append(contentsOf: piece)
                carry.withUnsafeBytes { line($0) }
            }
            carry.removeAll(keepingCapacity: true)
            carriedBytes = 0
            start = i + 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: chunk[start..<n])
        carriedBytes += UInt64(rest.count)
        if !skipping {
            if carry.count + rest.count > limit {
                skipping = true
                carry.removeAll()
            } else {
                carry.append(contentsOf: rest)
            }
        }
        return tooLong
    }

    /// For `.flushCarried`: hands on the unterminated last line (or counts it too long); returns that count.
    @discardableResult
    public mutating func flush(line: (UnsafeRawBufferPointer) -> Void) -> Int {
        defer { reset() }
        if skipping { return 1 }
        if !carry.isEmpty { carry.withUnsafeBytes { line($0) } }
        return 0
    }

    /// For `.seekStart` and after `.reopen`: forgets the carried bytes.
    public mutating func reset() {
        carry.removeAll()
        skipping = false
        carriedBytes = 0
    }
}
