#if canImport(Glibc)
import Glibc
#endif
import Logging
import SondeCollectors
import SondeCore
import SondeStore
import Synchronization
import SondeTestSupport
import Testing
@testable import SondeAgent

/// Collectors written for these tests: they exercise the scheduler, they do not stand in for a real one.
private final class SteadyCollector: Collector {
    let name: String
    init(name: String) { self.name = name }
    func collect(into batch: inout MetricBatch) async throws {
        batch.add("steady_value", 1, [("source", name)])
    }
}

private final class SlowCollector: Collector {
    let name = "slow"
    func collect(into batch: inout MetricBatch) async throws {
        // Blocks its thread like a hung statvfs would, ignoring cancellation.
        usleep(2_500_000)
        batch.add("slow_value", 1)
    }
}

private final class FailingCollector: Collector {
    let name = "failing"
    struct Broken: Error, CustomStringConvertible { var description: String { "the source is broken" } }
    func collect(into batch: inout MetricBatch) async throws {
        batch.add("partial_value", 7)
        throw Broken()
    }
}

final class TemporaryStore {
    private let directory: TemporaryDirectory
    var path: String { directory.path }
    let store: Store
    init() throws {
        directory = TemporaryDirectory("sonde-agent-test")
        var options = StoreOptions()
        options.maxBytes = 4 << 20
        store = try Store.open(directory: directory.path + "/store", options: options)
    }

    func values(_ name: String, _ labels: [String: String] = [:]) throws -> (timestamps: [Int64], values: [Double]) {
        var matchers = [LabelMatcher.equal("__name__", name)]
        for (key, value) in labels { matchers.append(.equal(key, value)) }
        let data = try store.select(matchers, start: 0, end: .max).first
        return (data?.timestamps ?? [], data?.values ?? [])
    }
}

@Suite("Scheduler")
struct CollectorRunnerTests {
    let logger = Logger(label: "test")

    @Test("samples sit exactly on the interval grid")
    func gridTimestamps() async throws {
        let fixture = try TemporaryStore()
        let runner = CollectorRunner(schedule: CollectorSchedule(collector: SteadyCollector(name: "a"), intervalMilliseconds: 1_000, fingerprint: ""), store: fixture.store, logger: logger)
        let task = Task { await runner.run() }
        try await Task.sleep(for: .milliseconds(3_300))
        task.cancel()
        await task.value
        let (timestamps, _) = try fixture.values("steady_value")
        #expect(timestamps.count >= 2)
        #expect(timestamps.allSatisfy { $0 % 1_000 == 0 })
        let success = try fixture.values("sonde_collector_success", ["collector": "a"])
        #expect(success.values.allSatisfy { $0 == 1 })
        #expect(success.timestamps == timestamps)
    }

    @Test("a slow collector times out and is counted, and never delays another")
    func slowCollectorIsolated() async throws {
        let fixture = try TemporaryStore()
        let slow = CollectorRunner(
            schedule: CollectorSchedule(collector: SlowCollector(), intervalMilliseconds: 1_000, timeoutMilliseconds: 500, fingerprint: ""),
            store: fixture.store, logger: logger)
        let fast = CollectorRunner(schedule: CollectorSchedule(collector: SteadyCollector(name: "fast"), intervalMilliseconds: 1_000, fingerprint: ""), store: fixture.store, logger: logger)
        let tasks = [Task { await slow.run() }, Task { await fast.run() }]
        try await Task.sleep(for: .milliseconds(4_300))
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        let fastSamples = try fixture.values("steady_value", ["source": "fast"])
        #expect(fastSamples.timestamps.count >= 3, "the fast collector kept its schedule")
        let timeouts = try fixture.values("sonde_collector_timeouts_total", ["collector": "slow"])
        #expect((timeouts.values.last ?? 0) >= 2)
        let success = try fixture.values("sonde_collector_success", ["collector": "slow"])
        #expect(success.values.allSatisfy { $0 == 0 })
        #expect(try fixture.values("slow_value").timestamps.isEmpty, "a timed-out run's batch is not written")
    }

    @Test("a failing collector is counted; what it gathered before failing is kept")
    func failures() async throws {
        let fixture = try TemporaryStore()
        let runner = CollectorRunner(schedule: CollectorSchedule(collector: FailingCollector(), intervalMilliseconds: 1_000, fingerprint: ""), store: fixture.store, logger: logger)
        let task = Task { await runner.run() }
        try await Task.sleep(for: .milliseconds(2_300))
        task.cancel()
        await task.value
        let errors = try fixture.values("sonde_collector_errors_total", ["collector": "failing"])
        #expect((errors.values.last ?? 0) >= 1)
        #expect(errors.values == errors.values.sorted(), "a counter")
        #expect(try fixture.values("sonde_collector_success", ["collector": "failing"]).values.allSatisfy { $0 == 0 })
        #expect(try fixture.values("partial_value").values.first == 7)
    }

    @Test("the grid: the next instant is the wall clock rounded up to the interval")
    func nextInstant() {
        let schedule = CollectorSchedule(collector: SteadyCollector(name: "x"), intervalMilliseconds: 10_000, fingerprint: "")
        #expect(schedule.nextInstant(after: 1_795_335_501_234) == 1_795_335_510_000)
        #expect(schedule.nextInstant(after: 1_795_335_510_000) == 1_795_335_520_000)
        #expect(schedule.timeoutMilliseconds == 9_000)
    }
}
