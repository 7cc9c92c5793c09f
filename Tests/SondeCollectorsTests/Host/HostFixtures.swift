#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SondeCollectors
import SondeCore

/// Locates and reads the host collector's fixtures without Foundation: the fixture tree is found by
/// walking up from this source file to `Tests/SondeCollectorsTests/Fixtures/host`.
enum HostFixtures {
    static let root: String = {
        var directory = String(#filePath)
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            let candidate = directory + "/Fixtures/host"
            if access(candidate + "/proc/stat", R_OK) == 0 { return candidate }
        }
        preconditionFailure("Fixtures/host not found above \(#filePath)")
    }()

    static var proc: String { root + "/proc" }
    static var sys: String { root + "/sys" }

    /// The text of `relative` (under `Fixtures/host`).
    static func text(_ relative: String) throws -> String {
        try readFile(root + "/" + relative)
    }

    static func readFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw SondeError(.notFound, "cannot open \(path)") }
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

/// A scratch directory tree under /tmp, removed by `remove()`.
final class HostTempTree {
    let path: String
    private var files: [String] = []
    private var directories: [String] = []

    init() throws {
        var template = Array("/tmp/sonde-host-test-XXXXXX".utf8CString)
        let created: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let created else { throw SondeError(.io, "mkdtemp failed") }
        path = created
    }

    /// Writes `contents` to `relative`, creating parent directories.
    func write(_ relative: String, _ contents: String) throws {
        var directory = path
        for component in relative.split(separator: "/").dropLast() {
            directory += "/" + component
            if mkdir(directory, 0o755) == 0 { directories.append(directory) }
        }
        let full = path + "/" + relative
        guard let file = fopen(full, "w") else { throw SondeError(.io, "cannot create \(full)") }
        let bytes = Array(contents.utf8)
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
        fclose(file)
        if !files.contains(full) { files.append(full) }
    }

    func remove() {
        for file in files { unlink(file) }
        for directory in directories.reversed() { rmdir(directory) }
        rmdir(path)
    }
}

extension MetricBatch {
    /// The value of the sample with exactly this name and label set.
    func hostValue(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let wanted = Labels(name: name, labels)
        return samples.first { $0.labels == wanted }?.value
    }

    /// All samples of one metric.
    func hostSamples(named name: String) -> [MetricSample] {
        samples.filter { $0.labels.metricName == name }
    }

    var hostMetricNames: Set<String> { Set(samples.map(\.labels.metricName)) }
}
