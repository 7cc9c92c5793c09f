#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds where a log's earlier file went after a rotation the tailer did not watch happen (the agent
/// was stopped) or could not follow by descriptor (copytruncate).
///
/// Candidates are the siblings whose names start with the log's name (`app.log.1`, `app.log.2.gz`,
/// `app.log-20261122`, `app.log-20261122.gz`), never the log itself, newest first. A plain sibling with
/// the remembered identity wins; otherwise the first whose decompressed start equals the remembered
/// fingerprint and that is long enough to hold the remembered offset. An empty fingerprint matches
/// nothing, so an unknown file is never read twice. Rotation into another directory (logrotate's
/// `olddir`) is not searched.
public enum RotatedLogFinder {
    public static func find(logPath: String, identity: FileIdentity, offset: UInt64, fingerprint: [UInt8]) -> String? {
        let (directory, name) = split(logPath)
        var candidates: [(path: String, modified: Int64)] = []
        guard let dir = opendir(directory) else { return nil }
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard entryName != name, entryName.hasPrefix(name) else { continue }
            let path = directory == "/" ? "/" + entryName : directory + "/" + entryName
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) == identity {
                closedir(dir)
                return path
            }
            candidates.append((path, Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)))
        }
        closedir(dir)
        guard !fingerprint.isEmpty else { return nil }
        for candidate in candidates.sorted(by: { $0.modified > $1.modified }) {
            guard let start = LogFileReader.prefix(of: candidate.path, count: fingerprint.count), start == fingerprint else { continue }
            guard let reader = try? LogFileReader(path: candidate.path), (try? reader.skip(offset)) == offset else { continue }
            return candidate.path
        }
        return nil
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
