#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test, removed with everything in it by `remove()` or when
/// the value goes away.
public final class TemporaryDirectory: Sendable {
    public let path: String

    /// Creates `/tmp/<prefix>-XXXXXX`; a test that cannot get a directory cannot run, hence the trap.
    public init(_ prefix: String = "sonde-test") {
        path = TemporaryDirectory.create(prefix)
    }

    public func remove() { TemporaryDirectory.removeTree(path) }

    deinit { remove() }

    /// A new directory `/tmp/<prefix>-XXXXXX`, for callers that manage its lifetime themselves.
    public static func create(_ prefix: String = "sonde-test") -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let created: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let created else { preconditionFailure("mkdtemp /tmp/\(prefix)-XXXXXX failed: errno \(errno)") }
        return created
    }

    /// Deletes `path` and everything below it, without following symbolic links (a test's link to
    /// /etc must not take /etc with it). Only under /tmp, so a wrong path cannot do real damage.
    public static func removeTree(_ path: String) {
        precondition(path.hasPrefix("/tmp/") && !path.contains("/../"), "refusing to remove \(path)")
        let parent = open("/", O_RDONLY | O_DIRECTORY)
        guard parent >= 0 else { return }
        defer { close(parent) }
        removeEntry(String(path.dropFirst()), in: parent)
    }

    /// Removes `name` inside the directory `parent`: a file or link directly, a directory after its contents.
    private static func removeEntry(_ name: String, in parent: Int32) {
        if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return }
        let directory = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        guard directory >= 0, let stream = fdopendir(directory) else {
            if directory >= 0 { close(directory) }
            return
        }
        var children: [String] = []
        while let entry = readdir(stream) {
            let child = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if child != "." && child != ".." { children.append(child) }
        }
        for child in children { removeEntry(child, in: directory) }
        closedir(stream)  // closes `directory` too
        unlinkat(parent, name, AT_REMOVEDIR)
    }
}
