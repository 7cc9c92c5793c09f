#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory tree under /tmp for fixtures a test writes itself; `remove()` deletes it.
public final class ScratchTree {
    public let path: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(prefix: String = "sonde-test") throws {
        path = TemporaryDirectory.create(prefix)
    }

    /// Writes `contents` to `relative`, creating parent directories.
    public func write(_ relative: String, _ contents: String) throws {
        var directory = path
        for component in relative.split(separator: "/").dropLast() {
            directory += "/" + component
            mkdir(directory, 0o755)
        }
        let full = path + "/" + relative
        guard let file = fopen(full, "w") else { throw Failure(description: "cannot create \(full)") }
        let bytes = Array(contents.utf8)
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
        fclose(file)
    }

    public func remove() { TemporaryDirectory.removeTree(path) }
}

/// Committed fixtures, found without Foundation by walking up from a test's source file.
public enum FixtureFiles {
    /// The folder `Fixtures/<name>` above `filePath` that contains `marker`.
    public static func directory(_ name: String, containing marker: String, above filePath: String) -> String {
        var directory = filePath
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            let candidate = directory + "/Fixtures/" + name
            if access(candidate + "/" + marker, R_OK) == 0 { return candidate }
        }
        preconditionFailure("Fixtures/\(name) not found above \(filePath)")
    }

    public static func text(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw ScratchTree.Failure(description: "cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 4096, file) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
