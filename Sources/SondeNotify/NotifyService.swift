#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import SondeAWS
import SondeCore
import SondeNet
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Alerts in, notifications out: the dispatcher, silences, inhibition, the notification log, the
/// durable outbox and one delivery loop per receiver integration, as Alertmanager takes them in
/// order. The rules service hands it every firing and recently resolved alert after each round.
///
/// Each notification is rendered once, when it is made (webhook JSON, Slack JSON, an SNS message
/// and its parameters), and the outbox keeps the result until a send succeeds.
public final class NotifyService: Sendable {
    public let config: AlertmanagerConfig
    public let externalURL: String
    public let templates: NotificationTemplates
    private let outbox: NotificationOutbox
    let silenceFile: SilenceFile
    private let clock: any SondeClock
    private let logger: Logger
    private let deliveries: [String: OutboxDelivery]
    private let planner: NotificationPlanner
    let inhibitor: Inhibitor
    private let state: Mutex<State>
    private let wakeup = Wakeup()
    private let logPath: String

    struct State {
        var groups: AggregationGroups
        var log = NotificationLog()
        var incoming: [NotifyAlert] = []
        var dropped: [String: Int] = [:]
        var templateFailures: [String: Int] = [:]
    }

    public init(
        config: AlertmanagerConfig, dataDirectory: String, externalURL: String, maxAge: Duration = .seconds(24 * 3600),
        outboxMaxBytes: Int = 64 << 20, templates: NotificationTemplates = .defaults, client: HTTPClient = HTTPClient(),
        awsCredentials: any AWSCredentialsProvider = AWSCredentialsChain.standard(environment: ProcessEnvironment.current(), instanceRole: nil),
        environment: [String: String] = ProcessEnvironment.current(), instanceRegion: String? = nil, backoff: RetryBackoff = RetryBackoff(),
        clock: any SondeClock, logger: Logger
    ) throws(SondeError) {
        self.config = config
        self.externalURL = externalURL
        self.templates = templates
        self.clock = clock
        self.logger = logger
        if mkdir(dataDirectory, 0o750) != 0, errno != EEXIST {
            throw SondeError(.io, "cannot create \(dataDirectory): \(String(cString: strerror(errno)))")
        }
        outbox = try NotificationOutbox(directory: dataDirectory + "/notify-outbox", maxBytes: outboxMaxBytes, maxAge: maxAge)
        for name in outbox.openReport.unreadable {
            logger.error("unreadable outbox entry set aside", metadata: ["notify.file": "\(name)"])
        }
        silenceFile = SilenceFile(directory: dataDirectory)
        logPath = dataDirectory + "/notify-log.json"
        planner = NotificationPlanner(config: config)
        inhibitor = Inhibitor(rules: config.inhibitRules)
        var deliveries: [String: OutboxDelivery] = [:]
        let outbox = self.outbox
        for receiver in config.receivers {
            for (integration, _) in planner.integrations(of: receiver) {
                let send = try IntegrationSender.make(
                    integration, of: receiver, client: client, awsCredentials: awsCredentials, environment: environment, instanceRegion: instanceRegion)
                deliveries[integration.name] = OutboxDelivery(
                    integration: integration.name, outbox: outbox, backoff: backoff, clock: clock, logger: logger, send: send)
            }
        }
        self.deliveries = deliveries
        var initial = State(groups: AggregationGroups(tree: RouteTree(config.route), resolveTimeout: config.global.resolveTimeout))
        if let bytes = try? TextFile.readBytes(logPath) {
            if let entries = try? JSONDecoder().decode([String: NotificationLog.Entry].self, from: Data(bytes)) {
                initial.log = NotificationLog(entries: entries)
            } else {
                logger.error("notification log unreadable; starting afresh (alerts may be announced again)", metadata: ["notify.file": "\(logPath)"])
            }
        }
        state = Mutex(initial)
    }

    /// Alerts from a rules round (firing ones, and resolved ones with their end).
    public func receive(_ alerts: [NotifyAlert]) {
        guard !alerts.isEmpty else { return }
        state.withLock { $0.incoming += alerts }
        wakeup.signal()
    }

    /// Dispatches and delivers until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for delivery in deliveries.values { group.addTask { await delivery.run() } }
            group.addTask { await self.dispatchLoop() }
            await group.waitForAll()
        }
    }

    private func dispatchLoop() async {
        while !Task.isCancelled {
            let next = dispatch(now: clock.wallMilliseconds)
            let wait = next.map { Duration.milliseconds(max(1, $0 - clock.wallMilliseconds)) } ?? .seconds(60)
            await wakeup.wait(upTo: min(wait, .seconds(60)), clock: clock)
        }
    }

    /// Takes in what arrived, flushes the groups that are due and hands their notifications to the
    /// outbox; returns when the next group is due. Public for tests that drive time by hand.
    @discardableResult
    public func dispatch(now: Int64) -> Int64? {
        let activeSilences = (try? silenceFile.load()) ?? []
        var enqueue: [NotificationOutbox.NewEntry] = []
        var logToSave: NotificationLog?
        var logBefore = NotificationLog()
        let next = state.withLock { state -> Int64? in
            logBefore = state.log
            for alert in state.incoming { state.groups.insert(alert, now: now) }
            state.incoming = []
            let flushes = state.groups.due(now: now)
            let everything = state.groups.allAlerts
            for flush in flushes {
                let unmuted = flush.alerts.filter { alert in
                    !activeSilences.contains { $0.silences(alert.labels, at: now) } && !inhibitor.mutes(alert.labels, among: everything, now: now)
                }
                for planned in planner.plan(flush, alerts: unmuted, log: &state.log, now: now) {
                    if let entry = render(planned, now: now, templateFailures: &state.templateFailures) { enqueue.append(entry) }
                }
                state.groups.flushed(flush, now: now)
            }
            if !flushes.isEmpty {
                state.log.prune(olderThan: .seconds(120 * 3600), now: now)
                logToSave = state.log
            }
            return state.groups.nextFlushAt
        }
        if !enqueue.isEmpty {
            do {
                let (_, dropped) = try outbox.enqueue(enqueue, now: now)
                for entry in dropped {
                    logger.error("outbox full; oldest notification dropped", metadata: ["notify.integration": "\(entry.integration)"])
                    state.withLock { $0.dropped[entry.integration, default: 0] += 1 }
                }
            } catch {
                // Not handed over: the log forgets them too, so the next flush tries again.
                logger.error("cannot write notifications to the outbox; retrying at the next flush", metadata: ["error": "\(error)"])
                state.withLock { $0.log = logBefore }
                logToSave = nil
            }
            for entry in enqueue { deliveries[entry.integration]?.wake() }
        }
        // After the outbox has the notifications: a crash in between sends one again, never none.
        if let logToSave, let bytes = try? JSONEncoder().encode(logToSave.entries) {
            do {
                try AtomicFile.replace(logPath, with: Array(bytes))
            } catch {
                logger.error("cannot save the notification log", metadata: ["error": "\(error)"])
            }
        }
        for entry in outbox.expire(now: now) {
            logger.error("notification older than max_age dropped", metadata: ["notify.integration": "\(entry.integration)", "notify.group_key": "\(entry.groupKey)"])
            state.withLock { $0.dropped[entry.integration, default: 0] += 1 }
        }
        return next
    }

    /// The outbox entry for a planned notification; a template that fails counts in `templateFailures`.
    func render(_ planned: NotificationPlanner.Planned, now: Int64, templateFailures: inout [String: Int]) -> NotificationOutbox.NewEntry? {
        guard let receiver = config.receiver(named: planned.integration.receiver) else { return nil }
        let (entry, failures) = NotificationRendering.entry(
            planned.integration, of: receiver, groupKey: planned.groupKey, groupLabels: planned.groupLabels, alerts: planned.alerts,
            externalURL: externalURL, templates: templates, now: now)
        for failure in failures {
            logger.error("notification template failed; that field uses Alertmanager's default", metadata: [
                "notify.integration": "\(planned.integration.name)", "error": "\(failure)",
            ])
        }
        if !failures.isEmpty { templateFailures[planned.integration.name, default: 0] += failures.count }
        return entry
    }

    /// Reads the dispatcher's state under its lock.
    func withDispatcherState<Result: Sendable>(_ read: (State) -> Result) -> Result {
        state.withLock { read($0) }
    }

    /// `sonde_*` self-metrics, for the agent to store.
    public func selfMetrics(now: Int64) -> [(Labels, Double)] {
        var samples: [(Labels, Double)] = []
        for (name, delivery) in deliveries.sorted(by: { $0.key < $1.key }) {
            let parts = name.split(separator: "/")
            let labels = [Label("receiver", String(parts.first ?? "")), Label("integration", parts.count > 1 ? String(parts[1]) : "")]
            let statistics = delivery.statistics
            samples.append((Labels([Label(Labels.metricNameLabel, "sonde_notifications_total")] + labels), Double(statistics.delivered)))
            var failed = statistics.failed
            failed["dropped"] = state.withLock { $0.dropped[name] } ?? 0
            for (reason, count) in failed.sorted(by: { $0.key < $1.key }) {
                samples.append((Labels([Label(Labels.metricNameLabel, "sonde_notifications_failed_total"), Label("reason", reason)] + labels), Double(count)))
            }
            let templateFailures = state.withLock { $0.templateFailures[name] } ?? 0
            samples.append((Labels([Label(Labels.metricNameLabel, "sonde_notify_template_errors_total")] + labels), Double(templateFailures)))
        }
        let statistics = outbox.statistics
        samples.append((Labels(name: "sonde_notify_outbox_entries"), Double(statistics.entries)))
        samples.append((Labels(name: "sonde_notify_outbox_oldest_seconds"), statistics.oldestCreatedAt.map { Double(now - $0) / 1000 } ?? 0))
        let silences = (try? silenceFile.load()) ?? []
        for silenceState in Silence.State.allCases {
            samples.append((Labels(name: "sonde_silences", ["state": silenceState.rawValue]), Double(silences.filter { $0.state(at: now) == silenceState }.count)))
        }
        return samples
    }
}
