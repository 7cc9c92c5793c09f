import SondeCore

/// From a group's flush to the notifications it causes: one per integration of the route's
/// receiver (`webhook_configs[0]`, `sns_configs[1]`, …) whose notification log says it is news.
/// Alerts muted downstream of grouping (silences, inhibition) are taken out by the caller first.
public struct NotificationPlanner: Sendable {
    /// One integration of one receiver.
    public struct Integration: Sendable, Equatable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case webhook, slack, sns
        }
        public var receiver: String
        public var kind: Kind
        public var index: Int
        /// `ops/webhook/0`, as self-metrics and logs name it.
        public var name: String { "\(receiver)/\(kind.rawValue)/\(index)" }
    }

    /// A notification to deliver.
    public struct Planned: Sendable, Equatable {
        public var integration: Integration
        public var groupKey: String
        public var groupLabels: Labels
        /// What the message carries: the firing alerts, and the resolved ones if the integration
        /// sends resolved notifications.
        public var alerts: [NotifyAlert]
        public var firing: Set<UInt64>
        public var resolved: Set<UInt64>
    }

    public let config: AlertmanagerConfig

    public init(config: AlertmanagerConfig) { self.config = config }

    public func integrations(of receiver: AlertmanagerConfig.Receiver) -> [(Integration, sendResolved: Bool)] {
        receiver.webhooks.indices.map { (Integration(receiver: receiver.name, kind: .webhook, index: $0), receiver.webhooks[$0].sendResolved) }
            + receiver.slack.indices.map { (Integration(receiver: receiver.name, kind: .slack, index: $0), receiver.slack[$0].sendResolved) }
            + receiver.sns.indices.map { (Integration(receiver: receiver.name, kind: .sns, index: $0), receiver.sns[$0].sendResolved) }
    }

    /// The notifications `flush` causes (`alerts` are its alerts less the muted ones), recorded in `log` as they are planned: the caller hands
    /// them to the durable outbox at once, which from then on owns their delivery.
    public func plan(_ flush: AggregationGroups.Flush, alerts: [NotifyAlert], log: inout NotificationLog, now: Int64) -> [Planned] {
        guard let receiver = config.receiver(named: flush.receiver) else { return [] }
        // A muted route says nothing and leaves the log as it is: what it missed is news later.
        if config.isMuted(muteTimeIntervals: flush.muteTimeIntervals, activeTimeIntervals: flush.activeTimeIntervals, at: now) { return [] }
        let firingAlerts = alerts.filter { !$0.isResolved(at: now) }
        let resolvedAlerts = alerts.filter { $0.isResolved(at: now) }
        let firing = Set(firingAlerts.map(\.fingerprint.value))
        let resolved = Set(resolvedAlerts.map(\.fingerprint.value))
        var planned: [Planned] = []
        for (integration, sendResolved) in integrations(of: receiver) {
            let key = NotificationLog.key(receiver: receiver.name, integration: "\(integration.kind.rawValue)/\(integration.index)", groupKey: flush.groupKey)
            guard log.needsUpdate(key: key, firing: firing, resolved: resolved, sendResolved: sendResolved, repeatInterval: flush.repeatInterval, now: now) else {
                continue
            }
            log.record(key: key, firing: firing, resolved: resolved, now: now)
            let carried = sendResolved ? alerts : firingAlerts
            // Everything resolved and the integration does not send resolved news: the log is
            // cleared (above), and there is nothing to say.
            if carried.isEmpty { continue }
            planned.append(Planned(
                integration: integration, groupKey: flush.groupKey, groupLabels: flush.groupLabels, alerts: carried, firing: firing, resolved: resolved))
        }
        return planned
    }
}
