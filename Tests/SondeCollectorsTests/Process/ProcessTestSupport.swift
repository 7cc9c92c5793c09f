#if canImport(Glibc)
import Glibc
#endif
@testable import SondeCollectors
import SondeCore

/// Paths and helpers shared by the process collector's tests.
enum ProcessFixtures {
    /// `Tests/SondeCollectorsTests/Fixtures/process`: real captures from a Linux 6.18 host, taken with
    /// `cat /proc/PID/…` while a fake Gunicorn tree (a python3 `venv/bin/gunicorn` master forking two
    /// workers, PIDs 24690/24737/24738), a process named `(a) b)` (24692), a shell that left a zombie
    /// child (24695 → 24700), init (1, io unreadable) and kthreadd (2) were running.
    static var directory: String {
        var path = #filePath
        for _ in 0..<2 {
            if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
        }
        return path + "/Fixtures/process"
    }

    static var proc: String { directory + "/proc" }

    static func text(_ relative: String) throws -> String {
        guard let text = ProcFS.readText(proc + "/" + relative) else {
            throw SondeError(.notFound, "fixture \(relative) is missing")
        }
        return text
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        var buffer: [UInt8] = []
        guard let count = ProcFS.readFile(proc + "/" + relative, into: &buffer) else {
            throw SondeError(.notFound, "fixture \(relative) is missing")
        }
        return Array(buffer[0..<count])
    }
}

extension MetricBatch {
    /// The value of `name{group=…, extra…}`, if the batch has it.
    func value(_ name: String, group: String, _ extra: [String: String] = [:]) -> Double? {
        var labels = extra
        labels["group"] = group
        let wanted = Labels(name: name, labels)
        return samples.first { $0.labels == wanted }?.value
    }
}

/// Facts given up front, for rule tests.
struct FixedFacts: ProcessFacts {
    var pid: Int32 = 100
    var comm: String = "x"
    var commandLine: String?
    var exePath: String?
    var uid: UInt32?
    var unit: String?
    var reads: [String] = []

    mutating func cmdline() -> String? { reads.append("cmdline"); return commandLine }
    mutating func exe() -> String? { reads.append("exe"); return exePath }
    mutating func effectiveUID() -> UInt32? { reads.append("uid"); return uid }
    mutating func systemdUnit() -> String? { reads.append("unit"); return unit }
}
