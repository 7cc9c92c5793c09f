#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SondeCore

/// Reads whole small files (`/proc`, `/sys`) into one reusable buffer, with plain `open`/`read`.
///
/// procfs files report size 0, so it reads until end of file, growing the buffer as needed (up to
/// `maximumSize`). A file that does not exist is `nil`, not an error: that is how a kernel or a
/// container says a feature is absent.
struct HostFileReader {
    private var buffer: [UInt8]
    static let maximumSize = 64 << 20

    init(initialCapacity: Int = 16 << 10) {
        buffer = [UInt8](repeating: 0, count: initialCapacity)
    }

    /// Runs `body` on the contents of `path`; nil when the file is absent (ENOENT, ENOTDIR) or its
    /// feature is switched off (EOPNOTSUPP: /proc/pressure with `psi=0`).
    mutating func withContents<R>(of path: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if Self.meansAbsent(code) { return nil }
            throw SondeError(.io, "cannot open \(path)", cause: HostErrno(code))
        }
        defer { _ = close(descriptor) }
        var count = 0
        while true {
            if count == buffer.count {
                guard buffer.count < Self.maximumSize else {
                    throw SondeError(.limit, "\(path) is larger than \(Self.maximumSize) bytes")
                }
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let capacity = buffer.count - count
            let got = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress.map { $0 + count }, capacity)
            }
            if got < 0 {
                let code = errno
                if code == EINTR { continue }
                if Self.meansAbsent(code) { return nil }
                throw SondeError(.io, "cannot read \(path)", cause: HostErrno(code))
            }
            if got == 0 { break }
            count += got
        }
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    private static func meansAbsent(_ code: Int32) -> Bool {
        code == ENOENT || code == ENOTDIR || code == EOPNOTSUPP
    }
}

/// A C `errno` with its `strerror` text.
struct HostErrno: Error, Sendable, CustomStringConvertible {
    var code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }
}
