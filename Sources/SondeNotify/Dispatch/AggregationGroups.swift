import SondeCore

/// Alertmanager's dispatcher as a pure state machine: alerts go into aggregation groups (one per
/// route and group labels); a group flushes `group_wait` after it was created, then every
/// `group_interval`. What a flush leads to (inhibition, silences, the notification log's
/// `repeat_interval`, delivery) is decided downstream, per receiver integration.
///
/// Times are milliseconds on the wall clock, passed in; nothing here reads a clock or sleeps, so
/// the notify service drives it with a real clock and the tests with a hand-advanced one.
public struct AggregationGroups: Sendable {
    /// One group's alerts, as of a flush.
    public struct Flush: Sendable, Equatable {
        public var groupKey: String
        public var routePath: [Int]
        public var receiver: String
        public var groupLabels: Labels
        public var repeatInterval: Duration
        public var muteTimeIntervals: [String]
        public var activeTimeIntervals: [String]
        /// Every alert of the group, firing and resolved, in arrival order.
        public var alerts: [NotifyAlert]
    }

    struct Group: Sendable {
        var node: RouteTree.Node
        var labels: Labels
        var alerts: [AlertFingerprint: NotifyAlert] = [:]
        var order: [AlertFingerprint] = []
        var nextFlush: Int64
        var hasFlushed = false
    }

    public let tree: RouteTree
    private(set) var groups: [String: Group] = [:]
    /// How long an alert without an end time stays firing after its last update.
    private let resolveTimeout: Int64

    public init(tree: RouteTree, resolveTimeout: Duration) {
        self.tree = tree
        self.resolveTimeout = resolveTimeout.inMilliseconds
    }

    public var groupCount: Int { groups.count }

    /// Puts `alert` into every group its routes give it (a newer version replaces the older one).
    public mutating func insert(_ incoming: NotifyAlert, now: Int64) {
        var alert = incoming
        // Alertmanager's rule for alerts that give no end: resolve_timeout after the last update.
        if alert.endsAt == nil { alert.endsAt = alert.updatedAt + resolveTimeout }
        let fingerprint = alert.fingerprint
        for node in tree.match(alert.labels) {
            let labels = node.groupLabels(of: alert.labels)
            let key = node.groupKey(groupLabels: labels)
            var group = groups[key] ?? Group(node: node, labels: labels, nextFlush: now + node.route.groupWait.inMilliseconds)
            if group.alerts[fingerprint] == nil { group.order.append(fingerprint) }
            group.alerts[fingerprint] = alert
            // An alert that started longer than group_wait ago (after a restart, say) need not wait.
            if !group.hasFlushed, alert.startsAt + node.route.groupWait.inMilliseconds <= now {
                group.nextFlush = min(group.nextFlush, now)
            }
            groups[key] = group
        }
    }

    /// Every alert held, once each (an alert may sit in several groups), for inhibition.
    public var allAlerts: [NotifyAlert] {
        var seen: [AlertFingerprint: NotifyAlert] = [:]
        for group in groups.values { seen.merge(group.alerts) { first, _ in first } }
        return Array(seen.values)
    }

    /// Every group as it stands, by group key: its receiver, group labels and alerts in arrival order.
    public var current: [(receiver: String, labels: Labels, alerts: [NotifyAlert])] {
        groups.keys.sorted().compactMap { key in
            groups[key].map { group in (group.node.route.receiver, group.labels, group.order.compactMap { group.alerts[$0] }) }
        }
    }

    /// When the next group is due, nil with no groups.
    public var nextFlushAt: Int64? { groups.values.map(\.nextFlush).min() }

    /// The groups due at `now`, each scheduled again `group_interval` later.
    public mutating func due(now: Int64) -> [Flush] {
        var flushes: [Flush] = []
        for key in groups.keys.sorted() {
            guard var group = groups[key], group.nextFlush <= now else { continue }
            group.hasFlushed = true
            group.nextFlush = now + group.node.route.groupInterval.inMilliseconds
            groups[key] = group
            flushes.append(Flush(
                groupKey: key, routePath: group.node.path, receiver: group.node.route.receiver, groupLabels: group.labels,
                repeatInterval: group.node.route.repeatInterval, muteTimeIntervals: group.node.route.muteTimeIntervals,
                activeTimeIntervals: group.node.route.activeTimeIntervals, alerts: group.order.compactMap { group.alerts[$0] }))
        }
        return flushes
    }

    /// After a flush was handed on: the resolved alerts it carried leave the group unless they
    /// changed since, and a group left empty ends (Alertmanager's `DeleteIfNotModified`).
    public mutating func flushed(_ flush: Flush, now: Int64) {
        guard var group = groups[flush.groupKey] else { return }
        for alert in flush.alerts where alert.isResolved(at: now) {
            let fingerprint = alert.fingerprint
            guard group.alerts[fingerprint] == alert else { continue }
            group.alerts[fingerprint] = nil
            group.order.removeAll { $0 == fingerprint }
        }
        groups[flush.groupKey] = group.alerts.isEmpty ? nil : group
    }
}
