import Logging
import SondeCollectors
import SondeCore
import SondeStore
import Synchronization

/// Runs one collector on its grid until cancelled: waits for the next instant, runs `collect` with
/// a timeout, stamps the batch with that instant and appends it to the store, and records
/// `sonde_collector_duration_seconds`, `sonde_collector_success`, `sonde_collector_errors_total`
/// and `sonde_collector_timeouts_total` for it.
///
/// A run that overruns its timeout is abandoned (not awaited), counted, and the collector is not
/// started again until that run returns: a collector never runs concurrently with itself, and a
/// slow one never delays another, since each has its own runner.
struct CollectorRunner: Sendable {
    let schedule: CollectorSchedule
    let store: Store
    let clock: any SondeClock
    let logger: Logger
    let board: AgentStatusBoard

    /// Per-runner state shared with abandoned runs.
    private final class State: Sendable {
        let busy = Mutex(false)
        let refs = Mutex(SeriesRefCache())
        let errors = Mutex(0)
        let timeouts = Mutex(0)
        let lastError = Mutex<String?>(nil)
    }

    private let state = State()
    private let thread: CollectorThread

    init(schedule: CollectorSchedule, store: Store, board: AgentStatusBoard = AgentStatusBoard(), clock: any SondeClock, logger: Logger) {
        self.board = board
        self.schedule = schedule
        self.store = store
        self.clock = clock
        self.logger = logger
        self.thread = CollectorThread()
    }

    func run() async {
        thread.start()
        defer { thread.stop() }
        let name = schedule.name
        while !Task.isCancelled {
            let instant = schedule.nextInstant(after: clock.wallMilliseconds)
            do {
                try await clock.sleep(untilWallMilliseconds: instant)
            } catch {
                return  // cancelled
            }
            if state.busy.withLock({ $0 }) {
                // The previous (timed-out) run is still going: skip this round, it counts as a timeout.
                state.timeouts.withLock { $0 += 1 }
                record(instant: instant, seconds: schedule.timeout.inSeconds, success: false)
                board.collectorRan(name, at: instant, seconds: schedule.timeout.inSeconds, error: "the previous run has not finished (timed out)")
                continue
            }
            let started = clock.monotonic
            let outcome = await runOnce()
            let seconds = (clock.monotonic - started).inSeconds
            switch outcome {
            case .success(let batch):
                write(batch, at: instant)
                if state.lastError.withLock({ $0 }) != nil {
                    logger.info("collector recovered", metadata: ["collector.name": "\(name)"])
                    state.lastError.withLock { $0 = nil }
                }
                record(instant: instant, seconds: seconds, success: true)
                board.collectorRan(name, at: instant, seconds: seconds, error: nil)
            case .failure(let batch, let message):
                // What the collector gathered before failing is still worth keeping.
                write(batch, at: instant)
                state.errors.withLock { $0 += 1 }
                let previous = state.lastError.withLock { last in
                    defer { last = message }
                    return last
                }
                // One log line per change of error, not one per interval.
                if previous != message {
                    logger.warning("collector failed", metadata: ["collector.name": "\(name)", "error": "\(message)"])
                }
                record(instant: instant, seconds: seconds, success: false)
                board.collectorRan(name, at: instant, seconds: seconds, error: message)
            case .timedOut:
                state.timeouts.withLock { $0 += 1 }
                logger.warning("collector timed out", metadata: ["collector.name": "\(name)", "timeout.ms": "\(schedule.timeout.inMilliseconds)"])
                record(instant: instant, seconds: seconds, success: false)
                board.collectorRan(name, at: instant, seconds: seconds, error: "timed out after \(DurationParser.format(schedule.timeout.inMilliseconds))")
            }
        }
    }

    private enum Outcome: Sendable {
        case success(MetricBatch)
        case failure(MetricBatch, String)
        case timedOut
    }

    /// Runs `collect` in its own task and returns when it finishes or the timeout passes, whichever
    /// is first; a late finisher only clears the busy flag. The timeout's timer is cancelled as soon
    /// as the run is decided, so no sleeping task outlives a round.
    private func runOnce() async -> Outcome {
        state.busy.withLock { $0 = true }
        let collector = schedule.collector
        let state = self.state
        let timeout = schedule.timeout
        let clock = self.clock
        let resumed = Once()
        let thread = self.thread
        let timer = Mutex<Task<Void, Never>?>(nil)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let work = Task(executorPreference: thread) {
                var batch = MetricBatch()
                let outcome: Outcome
                do {
                    try await collector.collect(into: &batch)
                    outcome = .success(batch)
                } catch {
                    outcome = .failure(batch, "\(error)")
                }
                state.busy.withLock { $0 = false }
                if resumed.claim() { continuation.resume(returning: outcome) }
            }
            timer.withLock { timer in
                timer = Task {
                    do {
                        try await clock.sleep(for: timeout)
                    } catch {
                        return  // the run finished first
                    }
                    if resumed.claim() {
                        work.cancel()
                        continuation.resume(returning: .timedOut)
                    }
                }
            }
        }
        timer.withLock { $0?.cancel() }
        return outcome
    }

    private func write(_ batch: MetricBatch, at instant: Int64) {
        guard batch.count > 0 else { return }
        var samples = SampleBatch()
        state.refs.withLock { refs in
            for sample in batch.samples {
                // Rejected series (a limit) are counted by the store.
                guard let ref = refs.ref(for: sample.labels, in: store) else { continue }
                samples.add(ref, timestamp: sample.timestamp ?? instant, value: sample.value)
            }
        }
        store.append(samples)
    }

    private func record(instant: Int64, seconds: Double, success: Bool) {
        let labels = ["collector": schedule.name]
        var batch = MetricBatch()
        batch.add("sonde_collector_duration_seconds", seconds, Array(labels))
        batch.add("sonde_collector_success", success ? 1 : 0, Array(labels))
        batch.add("sonde_collector_errors_total", Double(state.errors.withLock { $0 }), Array(labels))
        batch.add("sonde_collector_timeouts_total", Double(state.timeouts.withLock { $0 }), Array(labels))
        write(batch, at: instant)
    }
}

/// True for the first caller of `claim()` only: whichever of "finished" and "timed out" comes first
/// resumes the waiting runner.
private final class Once: Sendable {
    private let claimed = Mutex(false)

    func claim() -> Bool {
        claimed.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
