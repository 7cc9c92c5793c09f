import Logging
import ServiceLifecycle
import SondeCore
import SondeNotify
import SondeRules
import SondeStore
import Synchronization

/// Evaluates the rule groups against the store, each at its own interval (aligned to multiples of
/// it), writes recording rules' results and `ALERTS`/`ALERTS_FOR_STATE` back into the store, logs
/// every alert transition, and saves all alert states to `DATA/rules/alerts.state` after each round.
///
/// At start it restores the saved states (unless older than the outage tolerance), so a pending
/// alert keeps its start and a firing alert that was already announced is not announced again. A
/// failing rule is logged and counted and the rest go on; a failing state save is logged and retried
/// next round. It records `sonde_rule_*` self-metrics per group.
public final class RuleEvaluationService: Service, Sendable {
    private struct Scheduled {
        var file: String
        var evaluator: RuleGroupEvaluator
        var interval: Int64
        var next: Int64
        var evaluations: Double = 0
        var failures: Double = 0
        var missed: Double = 0
        var lastEvaluation: Int64?
        var lastDurationSeconds: Double = 0
    }

    private let store: Store
    private let clock: any SondeClock
    private let statePath: String
    private let globalInterval: Int64
    private let outageTolerance: Int64
    private let expand: AlertTemplateExpander
    private let logger: Logger
    private let initialGroups: [RuleSet.LoadedGroup]
    /// Where firing and resolved alerts go after each round; nil without `notify:`.
    private let notify: NotifyService?
    /// What each rule's query may load and how long it may run (the API's `max_samples` and
    /// `query_timeout`): a subquery written with a 1 ms step over 30 days fails that rule, and the
    /// other rules go on.
    private let queryLimits: PromQLLimits?
    /// Groups handed over by a reload, taken up at the next wake-up.
    private let replacement = Mutex<[RuleSet.LoadedGroup]?>(nil)
    /// The groups as their last rounds left them, for the HTTP API.
    private let published = Mutex<[RuleGroupSnapshot]>([])

    /// Every group's rules, alerts and last round.
    public var groups: [RuleGroupSnapshot] { published.withLock { $0 } }

    public init(
        store: Store, groups: [RuleSet.LoadedGroup], evaluationInterval: Duration, stateDirectory: String,
        outageTolerance: Duration = .milliseconds(AlertStateFile.defaultOutageTolerance), expand: @escaping AlertTemplateExpander,
        queryLimits: PromQLLimits? = nil, notify: NotifyService? = nil, clock: any SondeClock, logger: Logger
    ) {
        self.queryLimits = queryLimits
        self.notify = notify
        self.store = store
        self.clock = clock
        self.initialGroups = groups
        // The grid and the saved states are in the store's unit, milliseconds.
        self.globalInterval = evaluationInterval.inMilliseconds
        self.statePath = stateDirectory + "/" + AlertStateFile.fileName
        self.outageTolerance = outageTolerance.inMilliseconds
        self.expand = expand
        self.logger = logger
    }

    /// Replaces the rule groups (SIGHUP); alert states carry over for rules whose group, name and
    /// expression did not change.
    public func reload(_ groups: [RuleSet.LoadedGroup]) {
        replacement.withLock { $0 = groups }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var restored: [String: [ActiveAlert]] = [:]
        switch AlertStateFile.load(from: statePath, now: clock.wallMilliseconds, outageTolerance: outageTolerance) {
        case .none: break
        case .restored(let alerts, let savedAt):
            restored = alerts
            logger.info("alert states restored", metadata: [
                "rules.state_file": "\(statePath)", "alerts.count": "\(alerts.values.reduce(0) { $0 + $1.count })",
                "rules.saved_at": "\(TimestampFormat.rfc3339(milliseconds: savedAt))",
            ])
        case .tooOld(let savedAt):
            logger.notice("alert states are older than the outage tolerance; starting afresh", metadata: [
                "rules.state_file": "\(statePath)", "rules.saved_at": "\(TimestampFormat.rfc3339(milliseconds: savedAt))",
            ])
        case .damaged(let why):
            logger.error("alert state file unreadable; starting afresh", metadata: ["error": "\(why)"])
        }
        var scheduled = schedule(initialGroups, restoring: restored, now: clock.wallMilliseconds)
        publish(scheduled)
        logger.info("rules loaded", metadata: [
            "rules.groups": "\(scheduled.count)", "rules.count": "\(scheduled.reduce(0) { $0 + $1.evaluator.group.rules.count })",
        ])
        var engine = PromQLEngine(source: StoreSampleSource(store: store, tier: .tier(.raw)))
        engine.defaultSubqueryStepMilliseconds = globalInterval
        engine.limits = queryLimits
        let sink = StoreRuleSink(store: store)
        var saveFailing = false
        while !Task.isCancelled {
            if let groups = self.replacement.withLock({ value -> [RuleSet.LoadedGroup]? in
                defer { value = nil }
                return value
            }) {
                var current: [String: [ActiveAlert]] = [:]
                for entry in scheduled { current.merge(entry.evaluator.alertsByKey) { $1 } }
                scheduled = self.schedule(groups, restoring: current, now: clock.wallMilliseconds)
                publish(scheduled)
                self.logger.info("rules reloaded", metadata: ["rules.groups": "\(scheduled.count)"])
            }
            let wake = scheduled.map(\.next).min() ?? clock.wallMilliseconds + self.globalInterval
            do {
                try await clock.sleep(untilWallMilliseconds: wake)
            } catch {
                return
            }
            let now = clock.wallMilliseconds
            var evaluated = false
            for index in scheduled.indices where scheduled[index].next <= now {
                self.evaluate(&scheduled[index], engine: engine, sink: sink)
                evaluated = true
            }
            guard evaluated else { continue }
            publish(scheduled)
            var alerts: [String: [ActiveAlert]] = [:]
            for entry in scheduled { alerts.merge(entry.evaluator.alertsByKey) { $1 } }
            if let notify {
                var intervals: [String: Int64] = [:]
                for entry in scheduled { for key in entry.evaluator.alertsByKey.keys { intervals[key] = entry.interval } }
                notify.receive(NotifyWiring.alerts(alerts, interval: intervals, now: now))
            }
            do {
                try AlertStateFile.save(alerts, at: clock.wallMilliseconds, to: self.statePath)
                if saveFailing { self.logger.info("alert state saves again") }
                saveFailing = false
            } catch {
                if !saveFailing { self.logger.error("cannot save alert state", metadata: ["error": "\(error)"]) }
                saveFailing = true
            }
            sink.write(Labels(name: "sonde_rule_state_save_success"), timestamp: now, value: saveFailing ? 0 : 1)
        }
    }

    private func publish(_ scheduled: [Scheduled]) {
        let snapshots = scheduled.map {
            RuleGroupSnapshot(
                file: $0.file, evaluator: $0.evaluator, intervalMilliseconds: $0.interval, lastEvaluation: $0.lastEvaluation,
                lastDurationSeconds: $0.lastDurationSeconds)
        }
        published.withLock { $0 = snapshots }
    }

    private func schedule(_ groups: [RuleSet.LoadedGroup], restoring alerts: [String: [ActiveAlert]], now: Int64) -> [Scheduled] {
        groups.map { loaded in
            let interval = loaded.group.intervalMilliseconds ?? globalInterval
            return Scheduled(
                file: loaded.file, evaluator: RuleGroupEvaluator(group: loaded.group, restoring: alerts), interval: interval,
                next: (now / interval + 1) * interval)
        }
    }

    private func evaluate(_ entry: inout Scheduled, engine: PromQLEngine, sink: StoreRuleSink) {
        let time = entry.next
        let started = clock.monotonic
        let round = entry.evaluator.evaluate(at: time, engine: engine, sink: sink, expand: expand)
        let seconds = (clock.monotonic - started).inSeconds
        let group = entry.evaluator.group.name
        for failure in round.failures {
            logger.warning("rule evaluation failed", metadata: [
                "rules.group": "\(group)", "rules.rule": "\(failure.rule)", "rules.file": "\(entry.file)", "error": "\(failure.message)",
            ])
        }
        for change in round.transitions { log(change) }
        entry.lastEvaluation = time
        entry.lastDurationSeconds = seconds
        entry.evaluations += Double(entry.evaluator.group.rules.count)
        entry.failures += Double(round.failures.count)
        // A round that overran its interval skips the ticks it missed, as Prometheus does.
        let now = clock.wallMilliseconds
        var next = time + entry.interval
        if next <= now {
            let skipped = (now - next) / entry.interval + 1
            entry.missed += Double(skipped)
            next += skipped * entry.interval
        }
        entry.next = next
        let labels = [Label("rule_group", group)]
        sink.write(Labels([Label(Labels.metricNameLabel, "sonde_rule_group_last_duration_seconds")] + labels), timestamp: time, value: seconds)
        sink.write(Labels([Label(Labels.metricNameLabel, "sonde_rule_group_rules")] + labels), timestamp: time, value: Double(entry.evaluator.group.rules.count))
        sink.write(Labels([Label(Labels.metricNameLabel, "sonde_rule_evaluations_total")] + labels), timestamp: time, value: entry.evaluations)
        sink.write(Labels([Label(Labels.metricNameLabel, "sonde_rule_evaluation_failures_total")] + labels), timestamp: time, value: entry.failures)
        sink.write(Labels([Label(Labels.metricNameLabel, "sonde_rule_group_iterations_missed_total")] + labels), timestamp: time, value: entry.missed)
    }

    private func log(_ change: RuleGroupEvaluator.Transition) {
        let alert = change.transition.alert
        var metadata: Logger.Metadata = [
            "alert.name": "\(change.rule)", "alert.labels": "\(alert.labels)", "rules.group": "\(change.group)",
            "alert.value": "\(ValueFormat.string(alert.value))",
        ]
        if let summary = alert.annotations["summary"] { metadata["alert.summary"] = "\(summary)" }
        switch change.transition {
        case .pending: logger.info("alert pending", metadata: metadata)
        case .firing: logger.warning("alert firing", metadata: metadata)
        case .resolved: logger.notice("alert resolved", metadata: metadata)
        }
    }
}

/// Rule results into the store, at the evaluation's timestamp.
struct StoreRuleSink: RuleSampleSink {
    let store: Store

    func write(_ labels: Labels, timestamp: Int64, value: Double) {
        _ = store.append(labels, timestamp: timestamp, value: value)
    }
}
