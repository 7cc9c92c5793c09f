#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
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
/// Delivered today: `webhook_configs`. A configuration with Slack or SNS receivers is refused by
/// `init`, naming them, until their senders land.
public final class NotifyService: Sendable {
    public let config: AlertmanagerConfig
    public let externalURL: String
    private let outbox: NotificationOutbox
    private let silences: SilenceFile
    private let clock: any SondeClock
    private let logger: Logger
    private let deliveries: [String: OutboxDelivery]
    private let planner: NotificationPlanner
    private let inhibitor: Inhibitor
    private let state: Mutex<State>
    private let wakeup = Wakeup()
    private let logPath: String

    struct State {
        var groups: AggregationGroups
        var log = NotificationLog()
        var incoming: [NotifyAlert] = []
        var dropped: [String: Int] = [:]
    }

    public init(
        config: AlertmanagerConfig, dataDirectory: String, externalURL: String, maxAge: Duration = .seconds(24 * 3600),
        outboxMaxBytes: Int = 64 << 20, client: HTTPClient = HTTPClient(), backoff: RetryBackoff = RetryBackoff(),
        clock: any SondeClock, logger: Logger
    ) throws(SondeError) {
        try Self.checkDeliverable(config)
        self.config = config
        self.externalURL = externalURL
        self.clock = clock
        self.logger = logger
        if mkdir(dataDirectory, 0o750) != 0, errno != EEXIST {
            throw SondeError(.io, "cannot create \(dataDirectory): \(String(cString: strerror(errno)))")
        }
        outbox = try NotificationOutbox(directory: dataDirectory + "/notify-outbox", maxBytes: outboxMaxBytes, maxAge: maxAge)
        for name in outbox.openReport.unreadable {
            logger.error("unreadable outbox entry set aside", metadata: ["notify.file": "\(name)"])
        }
        silences = SilenceFile(directory: dataDirectory)
        logPath = dataDirectory + "/notify-log.json"
        planner = NotificationPlanner(config: config)
        inhibitor = Inhibitor(rules: config.inhibitRules)
        var deliveries: [String: OutboxDelivery] = [:]
        let outbox = self.outbox
        for receiver in config.receivers {
            for (integration, _) in planner.integrations(of: receiver) where integration.kind == .webhook {
                let sender = WebhookSender(config: receiver.webhooks[integration.index], client: client)
                deliveries[integration.name] = OutboxDelivery(
                    integration: integration.name, outbox: outbox, backoff: backoff, clock: clock, logger: logger) { await sender.send($0) }
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

    /// Refuses receivers whose integrations this version cannot deliver to.
    public static func checkDeliverable(_ config: AlertmanagerConfig) throws(SondeError) {
        for receiver in config.receivers where !receiver.slack.isEmpty || !receiver.sns.isEmpty {
            throw SondeError(.unsupported, "receiver \(receiver.name): slack_configs and sns_configs are not delivered yet; only webhook_configs")
        }
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
        let activeSilences = (try? silences.load()) ?? []
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
                    if let entry = render(planned, now: now) { enqueue.append(entry) }
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

    func render(_ planned: NotificationPlanner.Planned, now: Int64) -> NotificationOutbox.NewEntry? {
        guard planned.integration.kind == .webhook, let receiver = config.receiver(named: planned.integration.receiver) else { return nil }
        let webhook = receiver.webhooks[planned.integration.index]
        let (alerts, truncated) = WebhookMessage.truncate(planned.alerts, maxAlerts: webhook.maxAlerts)
        let data = NotificationData(receiver: receiver.name, groupLabels: planned.groupLabels, alerts: alerts, externalURL: externalURL, now: now)
        let body = WebhookMessage.json(data, groupKey: planned.groupKey, truncatedAlerts: truncated)
        let key = AlertFingerprint(Labels([Label("group", planned.groupKey), Label("at", String(now))])).description
        return .init(integration: planned.integration.name, groupKey: planned.groupKey, deduplicationKey: key, body: Array(body.utf8))
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
        }
        let statistics = outbox.statistics
        samples.append((Labels(name: "sonde_notify_outbox_entries"), Double(statistics.entries)))
        samples.append((Labels(name: "sonde_notify_outbox_oldest_seconds"), statistics.oldestCreatedAt.map { Double(now - $0) / 1000 } ?? 0))
        let silences = (try? self.silences.load()) ?? []
        for silenceState in Silence.State.allCases {
            samples.append((Labels(name: "sonde_silences", ["state": silenceState.rawValue]), Double(silences.filter { $0.state(at: now) == silenceState }.count)))
        }
        return samples
    }
}
