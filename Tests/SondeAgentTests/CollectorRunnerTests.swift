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
/// They have nothing to configure.
struct NothingToConfigure: CollectorSettings {}

private final class SteadyCollector: Collector {
    let name: String
    init(name: String) { self.name = name }
    func collect(into batch: inout MetricBatch) async throws {
        batch.add("steady_value", 1, [("source", name)])
    }
}

private final class SlowCollector: Collector {
    let name = "slow"
    /// Held by the test; `collect` waits for it as a hung statvfs would.
    let release = BlockingGate()
    func collect(into batch: inout MetricBatch) async throws {
        // Blocks its thread, ignoring cancellation, until the test lets it go.
        release.wait()
        batch.add("slow_value", 1)
    }
}

/// A gate a thread blocks on until another opens it (a real blocking wait, as a system call's).
final class BlockingGate: @unchecked Sendable {
    // @unchecked: the pthread objects are allocated once and only used under their own mutex.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var isOpen = false

    init() {
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func wait() {
        pthread_mutex_lock(mutex)
        while !isOpen { pthread_cond_wait(condition, mutex) }
        pthread_mutex_unlock(mutex)
    }

    func open() {
        pthread_mutex_lock(mutex)
        isOpen = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
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

/// Runs `rounds` instants of a 1 s grid on a test clock: each round moves the clock to the next
/// instant once every runner sleeps on it, then waits (in real time) until every collector has
/// recorded that round, so no round is skipped and no run is timed out by a clock that ran ahead.
func runRounds(_ rounds: Int, clock: TestClock, of collectors: [String], in fixture: TemporaryStore) async throws {
    for round in 1...rounds {
        #expect(await clock.waitForSleepers(atLeast: collectors.count), "every runner waits for the next instant")
        clock.advance(by: .seconds(1))
        let recorded = await waitUntil(interval: .milliseconds(1)) {
            collectors.allSatisfy { ((try? fixture.values("sonde_collector_success", ["collector": $0]))?.timestamps.count ?? 0) >= round }
        }
        #expect(recorded, "round \(round) was recorded")
    }
}

@Suite("Scheduler")
struct CollectorRunnerTests {
    let logger = Logger(label: "test")

    @Test("samples sit exactly on the interval grid")
    func gridTimestamps() async throws {
        let fixture = try TemporaryStore()
        let clock = TestClock()
        let runner = CollectorRunner(
            schedule: CollectorSchedule(collector: SteadyCollector(name: "a"), settings: NothingToConfigure(), interval: .seconds(1)), store: fixture.store, clock: clock, logger: logger)
        let task = Task { await runner.run() }
        try await runRounds(3, clock: clock, of: ["a"], in: fixture)
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
        let clock = TestClock()
        let slowCollector = SlowCollector()
        let slow = CollectorRunner(
            schedule: CollectorSchedule(collector: slowCollector, settings: NothingToConfigure(), interval: .seconds(1), timeout: .milliseconds(500)),
            store: fixture.store, clock: clock, logger: logger)
        let fast = CollectorRunner(
            schedule: CollectorSchedule(collector: SteadyCollector(name: "fast"), settings: NothingToConfigure(), interval: .seconds(1)), store: fixture.store, clock: clock, logger: logger)
        let tasks = [Task { await slow.run() }, Task { await fast.run() }]
        try await clock.advance(by: .milliseconds(100)) {
            try fixture.values("steady_value", ["source": "fast"]).timestamps.count >= 4
                && (fixture.values("sonde_collector_timeouts_total", ["collector": "slow"]).values.last ?? 0) >= 3
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        // The hung run returns only now; what it gathered must not be written.
        slowCollector.release.open()
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
        let clock = TestClock()
        let runner = CollectorRunner(
            schedule: CollectorSchedule(collector: FailingCollector(), settings: NothingToConfigure(), interval: .seconds(1)), store: fixture.store, clock: clock, logger: logger)
        let task = Task { await runner.run() }
        try await runRounds(2, clock: clock, of: ["failing"], in: fixture)
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
        let schedule = CollectorSchedule(collector: SteadyCollector(name: "x"), settings: NothingToConfigure(), interval: .seconds(10))
        #expect(schedule.nextInstant(after: 1_795_335_501_234) == 1_795_335_510_000)
        #expect(schedule.nextInstant(after: 1_795_335_510_000) == 1_795_335_520_000)
        #expect(schedule.timeout == .seconds(9))
    }
}
