#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SondeCollectors
import SondeCore
import SondeTestSupport

/// Locates and reads the host collector's fixtures without Foundation: the fixture tree is found by
/// walking up from this source file to `Tests/SondeCollectorsTests/Fixtures/host`.
enum HostFixtures {
    static let root = FixtureFiles.directory("host", containing: "proc/stat", above: #filePath)

    static var proc: String { root + "/proc" }
    static var sys: String { root + "/sys" }

    /// The text of `relative` (under `Fixtures/host`).
    static func text(_ relative: String) throws -> String {
        try readFile(root + "/" + relative)
    }

    static func readFile(_ path: String) throws -> String { try FixtureFiles.text(path) }
}

typealias HostTempTree = ScratchTree

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
