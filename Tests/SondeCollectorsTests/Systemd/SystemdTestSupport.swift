#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import SondeCollectors
import SondeCore
import SondeTestSupport
import Synchronization

/// Locates the systemd collector's fixtures without Foundation: walks up from this source file to
/// `Tests/SondeCollectorsTests/Fixtures/systemd`.
enum SystemdFixtures {
    static let root = FixtureFiles.directory("systemd", containing: "README.md", above: #filePath)

    static var cgroup: String { root + "/cgroup" }
    static var hybrid: String { root + "/hybrid" }

    static func path(_ relative: String) -> String { root + "/" + relative }

    static func text(_ relative: String) throws -> String { try FixtureFiles.text(path(relative)) }
}

/// A bus that never answers, as on a host without systemd.
struct UnavailableBus: SystemdBusProvider {
    func open() throws(SystemdBusError) -> any SystemdBusConnection {
        throw SystemdBusError(.connectionLost, "no system bus (test)")
    }
}

/// A scripted systemd: unit statuses or errors per unit, opens counted, availability switchable.
final class FakeBus: SystemdBusProvider, Sendable {
    struct Script: Sendable {
        var available = true
        var statuses: [String: SystemdUnitStatus] = [:]
        var errors: [String: SystemdBusError] = [:]
        var opens = 0
        var queries: [String] = []
    }

    let script: Mutex<Script>

    init(_ script: Script = Script()) {
        self.script = Mutex(script)
    }

    var opens: Int { script.withLock { $0.opens } }

    func open() throws(SystemdBusError) -> any SystemdBusConnection {
        let available = script.withLock { script in
            script.opens += 1
            return script.available
        }
        guard available else { throw SystemdBusError(.connectionLost, "no system bus (fake)") }
        return Connection(bus: self)
    }

    final class Connection: SystemdBusConnection, Sendable {
        let bus: FakeBus
        init(bus: FakeBus) { self.bus = bus }
        var systemdVersion: String { "252.fake" }

        func unitStatus(_ unit: String) throws(SystemdBusError) -> SystemdUnitStatus {
            let result: Result<SystemdUnitStatus, SystemdBusError> = bus.script.withLock { script in
                script.queries.append(unit)
                if let error = script.errors[unit] { return .failure(error) }
                return .success(script.statuses[unit] ?? SystemdUnitStatus(loadState: "not-found", activeState: "inactive", subState: "dead"))
            }
            return try result.get()
        }
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    let instant = Mutex(ContinuousClock.now)
    func now() -> ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 = $0.advanced(by: duration) } }
}

extension MetricBatch {
    /// The value of the sample with exactly this name and label set.
    func systemdValue(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let wanted = Labels(name: name, labels)
        return samples.first { $0.labels == wanted }?.value
    }

    func systemdSamples(named name: String) -> [MetricSample] {
        samples.filter { $0.labels.metricName == name }
    }

    var systemdMetricNames: Set<String> { Set(samples.map(\.labels.metricName)) }
}
