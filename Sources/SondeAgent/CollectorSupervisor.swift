import Logging
import ServiceLifecycle
import SondeCollectors
import SondeCore
import SondeStore
import Synchronization

/// Runs every collector's `CollectorRunner` (and the `run()` loop of listening collectors) and swaps
/// them when the configuration is reloaded: a collector whose settings changed restarts, one that
/// is gone stops, a new one starts, the others (and the store) keep running.
final class CollectorSupervisor: Service, Sendable {
    private let store: Store
    private let clock: any SondeClock
    private let logger: Logger
    private let updates: AsyncStream<[CollectorSchedule]>
    private let updatesInput: AsyncStream<[CollectorSchedule]>.Continuation
    private let initial: [CollectorSchedule]
    private let board: AgentStatusBoard

    init(store: Store, schedules: [CollectorSchedule], board: AgentStatusBoard = AgentStatusBoard(), clock: any SondeClock, logger: Logger) {
        self.board = board
        self.store = store
        self.clock = clock
        self.logger = logger
        self.initial = schedules
        (updates, updatesInput) = AsyncStream.makeStream(of: [CollectorSchedule].self)
    }

    /// Applies a new set of collectors (after a successful reload).
    func apply(_ schedules: [CollectorSchedule]) {
        updatesInput.yield(schedules)
    }

    private struct Running {
        var schedule: CollectorSchedule
        var tasks: [Task<Void, Never>]
    }

    /// The names of the running collectors to stop when `wanted` replaces `running`: those gone
    /// from `wanted`, and those whose settings, interval or timeout changed (they start again).
    static func collectorsToStop(running: [CollectorSchedule], wanted: [CollectorSchedule]) -> [String] {
        let wantedByName = Dictionary(wanted.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return running.filter { schedule in !(wantedByName[schedule.name].map(schedule.runsLike) ?? false) }.map(\.name).sorted()
    }

    func run() async throws {
        let store = self.store
        let clock = self.clock
        let logger = self.logger
        let updates = self.updates
        let initial = self.initial
        let board = self.board
        await cancelWhenGracefulShutdown {
            var running: [String: Running] = [:]
            func start(_ schedule: CollectorSchedule) {
                let runner = CollectorRunner(schedule: schedule, store: store, board: board, clock: clock, logger: logger)
                board.collectorStarted(schedule.name)
                var tasks = [Task { await runner.run() }]
                if let listening = schedule.collector as? any ListeningCollector {
                    tasks.append(Task {
                        do {
                            try await listening.run()
                        } catch {
                            if !Task.isCancelled {
                                logger.error("collector listener stopped", metadata: ["collector.name": "\(schedule.name)", "error": "\(error)"])
                            }
                        }
                    })
                }
                running[schedule.name] = Running(schedule: schedule, tasks: tasks)
                logger.info("collector started", metadata: ["collector.name": "\(schedule.name)", "interval.ms": "\(schedule.interval.inMilliseconds)"])
            }
            func stop(_ name: String) async {
                guard let entry = running.removeValue(forKey: name) else { return }
                for task in entry.tasks { task.cancel() }
                for task in entry.tasks { await task.value }
                await entry.schedule.collector.shutdown()
                board.collectorRemoved(name)
                logger.info("collector stopped", metadata: ["collector.name": "\(name)"])
            }
            for schedule in initial { start(schedule) }
            board.started("collectors")
            for await schedules in updates {
                for name in Self.collectorsToStop(running: running.values.map(\.schedule), wanted: schedules) {
                    await stop(name)
                }
                for schedule in schedules where running[schedule.name] == nil { start(schedule) }
            }
            // Cancelled (graceful shutdown): stop everything before the store closes.
            for name in running.keys.sorted() { await stop(name) }
        }
    }
}
