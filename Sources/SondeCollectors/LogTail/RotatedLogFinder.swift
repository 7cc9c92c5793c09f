#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds where a log's earlier file went after a rotation the tailer did not watch happen (the agent
/// was stopped) or could not follow by descriptor (copytruncate).
///
/// Candidates are the siblings named like rotations of the log (`app.log.1`, `app.log.2.gz`,
/// `app.log-20261122`, `app.log-20261122.gz`: the name, `.` or `-`, a digit, digits and `._-`, maybe
/// `.gz`), never the log itself. A plain sibling with the remembered identity wins; otherwise the
/// newest whose decompressed start equals the remembered fingerprint and that is long enough to hold
/// the remembered offset. An empty fingerprint matches nothing, so an unknown file is never read
/// twice. Rotation into another directory (logrotate's `olddir`) is not searched.
public enum RotatedLogFinder {
    /// The rotated file to finish, then the rotations made after it (oldest first), which were
    /// never read: two rotations while the agent was stopped leave one file between. Empty when the
    /// remembered file is not found.
    public static func find(logPath: String, identity: FileIdentity, offset: UInt64, fingerprint: [UInt8]) -> [String] {
        let candidates = rotations(of: logPath).sorted { $0.modified > $1.modified }
        var found: (path: String, modified: Int64)?
        if let byIdentity = candidates.first(where: { $0.identity == identity }) {
            found = (byIdentity.path, byIdentity.modified)
        } else if !fingerprint.isEmpty {
            for candidate in candidates {
                guard let start = LogFileReader.prefix(of: candidate.path, count: fingerprint.count), start == fingerprint else { continue }
                guard let reader = try? LogFileReader(path: candidate.path), (try? reader.skip(offset)) == offset else { continue }
                found = (candidate.path, candidate.modified)
                break
            }
        }
        guard let found else { return [] }
        let newer = candidates.filter { $0.modified > found.modified }.sorted { $0.modified < $1.modified }.map(\.path)
        return [found.path] + newer
    }

    /// The siblings of `logPath` named like its rotations.
    static func rotations(of logPath: String) -> [(path: String, identity: FileIdentity, modified: Int64)] {
        let (directory, name) = split(logPath)
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var found: [(path: String, identity: FileIdentity, modified: Int64)] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard entryName.hasPrefix(name), isRotationSuffix(entryName.utf8.dropFirst(name.utf8.count)) else { continue }
            let path = directory == "/" ? "/" + entryName : directory + "/" + entryName
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            found.append((
                path, FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)),
                Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            ))
        }
        return found
    }

    /// `.1`, `.2.gz`, `-20261122`, `-2026-11-22.gz`: a separator, a digit, then digits and `._-`.
    static func isRotationSuffix(_ suffix: Substring.UTF8View) -> Bool {
        var bytes = Array(suffix)
        if bytes.count > 3, bytes.suffix(3) == Array(".gz".utf8) { bytes.removeLast(3) }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: ".") || bytes[0] == UInt8(ascii: "-"),
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[1])
        else { return false }
        return bytes.dropFirst(2).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
