import SondeCore

/// What one notification is about: Alertmanager's `template.Data`. The webhook body carries it,
/// and notification templates see it as `.Receiver`, `.Status`, `.Alerts`, `.GroupLabels`, …
public struct NotificationData: Sendable, Equatable {
    public struct Alert: Sendable, Equatable {
        /// `firing` or `resolved`.
        public var status: String
        public var labels: Labels
        public var annotations: [String: String]
        public var startsAt: Int64
        public var endsAt: Int64?
        public var generatorURL: String
        public var fingerprint: String
    }

    public var receiver: String
    /// `firing` when any alert fires, else `resolved`.
    public var status: String
    public var alerts: [Alert]
    public var groupLabels: Labels
    /// The labels (and annotations) every alert has, with the same value.
    public var commonLabels: Labels
    public var commonAnnotations: [String: String]
    public var externalURL: String

    /// The data for `alerts` (in Alertmanager's order: by `job`, then `instance`, then all labels).
    public init(receiver: String, groupLabels: Labels, alerts: [NotifyAlert], externalURL: String, now: Int64) {
        let sorted = alerts.sorted(by: Self.alertOrder)
        self.receiver = receiver
        self.groupLabels = groupLabels
        self.externalURL = externalURL
        self.alerts = sorted.map { alert in
            Alert(
                status: alert.isResolved(at: now) ? "resolved" : "firing", labels: alert.labels, annotations: alert.annotations,
                startsAt: alert.startsAt, endsAt: alert.endsAt, generatorURL: alert.generatorURL, fingerprint: alert.fingerprint.description)
        }
        status = self.alerts.contains { $0.status == "firing" } ? "firing" : "resolved"
        if let first = sorted.first {
            commonLabels = Labels(first.labels.pairs.filter { pair in sorted.allSatisfy { $0.labels[pair.name] == pair.value } })
            commonAnnotations = first.annotations.filter { key, value in sorted.allSatisfy { $0.annotations[key] == value } }
        } else {
            commonLabels = Labels([])
            commonAnnotations = [:]
        }
    }

    public var firing: [Alert] { alerts.filter { $0.status == "firing" } }
    public var resolved: [Alert] { alerts.filter { $0.status == "resolved" } }

    /// Alertmanager's `types.AlertSlice` order.
    static func alertOrder(_ lhs: NotifyAlert, _ rhs: NotifyAlert) -> Bool {
        for key in ["job", "instance"] {
            let left = lhs.labels[key]
            let right = rhs.labels[key]
            if left == nil, right == nil { continue }
            guard let left else { return false }
            guard let right else { return true }
            if left != right { return left < right }
        }
        return labelSetBefore(lhs.labels, rhs.labels)
    }

    /// Prometheus' `LabelSet.Before`: name by name in sorted order, then the shorter set first.
    static func labelSetBefore(_ lhs: Labels, _ rhs: Labels) -> Bool {
        for (left, right) in zip(lhs.pairs, rhs.pairs) {
            if left.name != right.name { return left.name < right.name }
            if left.value != right.value { return left.value < right.value }
        }
        return lhs.pairs.count < rhs.pairs.count
    }
}
