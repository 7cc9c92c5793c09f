#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces small state files (checkpoints, alert state) so that a crash at any moment leaves
/// either the old content or the new one, never a torn mix: write a temporary file beside it,
/// `fdatasync` it, then `rename` it over the old one.
public enum AtomicFile {
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o640) throws(SondeError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SondeError(.io, "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + written, raw.count - written)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let message = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw SondeError(.io, "cannot write \(temporary): \(message)")
            }
            written += n
        }
        let synced = fdatasync(fd) == 0
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw SondeError(.io, "cannot save \(path): \(message)")
        }
    }

    /// Makes the renames and removals in `directory` durable (after `replace`, a crash could
    /// otherwise lose the new name even though the data was synced).
    public static func syncDirectory(_ directory: String) throws(SondeError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SondeError(.io, "cannot open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SondeError(.io, "cannot fsync \(directory): \(String(cString: strerror(errno)))") }
    }
}
