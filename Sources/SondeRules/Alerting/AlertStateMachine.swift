import SondeCore

/// Where one alert (one label set of one alerting rule) stands.
public enum AlertState: String, Sendable, Codable {
    case inactive
    case pending
    case firing
}

/// One alert of an alerting rule: what Prometheus keeps per label set in `AlertingRule.active`,
/// plus whether its firing was already handed on for notification, so that a restart never
/// announces the same firing twice.
public struct ActiveAlert: Sendable, Equatable {
    public var labels: Labels
    public var annotations: [String: String]
    public var state: AlertState
    public var value: Double
    /// When the expression first returned this label set in the current run of true evaluations.
    public var activeAt: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    /// Set while a firing alert is held by `keep_firing_for` after its expression went false.
    public var keepFiringSince: Int64?
    /// True once `.firing` was emitted for this alert; a `.resolved` is emitted only then.
    public var firingAnnounced: Bool

    public init(
        labels: Labels, annotations: [String: String], state: AlertState, value: Double, activeAt: Int64,
        firedAt: Int64? = nil, resolvedAt: Int64? = nil, keepFiringSince: Int64? = nil, firingAnnounced: Bool = false
    ) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.keepFiringSince = keepFiringSince
        self.firingAnnounced = firingAnnounced
    }
}

/// A change worth telling someone about.
public enum AlertTransition: Sendable, Equatable {
    case pending(ActiveAlert)
    case firing(ActiveAlert)
    case resolved(ActiveAlert)

    public var alert: ActiveAlert {
        switch self {
        case .pending(let alert), .firing(let alert), .resolved(let alert): alert
        }
    }
}

/// The states of one alerting rule's alerts, advanced by each evaluation's results exactly as
/// Prometheus 2.42's `AlertingRule.Eval` does:
/// - a new label set becomes pending, and fires once it has been true for `for` (at once when `for`
///   is 0); any evaluation without it resets a pending alert;
/// - a firing alert whose label set disappears resolves, unless `keep_firing_for` holds it;
/// - a resolved alert is kept 15 minutes (so a notifier can still see it), then forgotten.
///
/// Pure: it does no I/O and reads no clock; the rule group feeds it results and timestamps.
public struct AlertingRuleState: Sendable, Equatable {
    /// Resolved alerts are kept this long after resolving, as Prometheus' `resolvedRetention`.
    public static let resolvedRetention: Int64 = 15 * 60 * 1000

    public var holdMilliseconds: Int64
    public var keepFiringForMilliseconds: Int64
    public private(set) var alerts: [Labels: ActiveAlert] = [:]

    public init(holdMilliseconds: Int64, keepFiringForMilliseconds: Int64, alerts: [ActiveAlert] = []) {
        self.holdMilliseconds = holdMilliseconds
        self.keepFiringForMilliseconds = keepFiringForMilliseconds
        for alert in alerts { self.alerts[alert.labels] = alert }
    }

    /// One evaluation's result: the label sets the expression returned (labels already with the
    /// rule's labels and `alertname`), their annotations and values.
    public struct Result: Sendable, Equatable {
        public var labels: Labels
        public var annotations: [String: String]
        public var value: Double

        public init(labels: Labels, annotations: [String: String], value: Double) {
            self.labels = labels
            self.annotations = annotations
            self.value = value
        }
    }

    /// Advances every alert to time `now`; returns the transitions in label order (transitions are
    /// few; the alerts themselves are not sorted, which would cost every round).
    public mutating func advance(_ results: [Result], at now: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        var present = Set<Labels>(minimumCapacity: results.count)
        for result in results {
            present.insert(result.labels)
            if var existing = alerts[result.labels], existing.state != .inactive {
                existing.value = result.value
                existing.annotations = result.annotations
                alerts[result.labels] = existing
            } else {
                let alert = ActiveAlert(labels: result.labels, annotations: result.annotations, state: .pending, value: result.value, activeAt: now)
                alerts[result.labels] = alert
                transitions.append(.pending(alert))
            }
        }
        for labels in Array(alerts.keys) {
            guard var alert = alerts[labels] else { continue }
            if !present.contains(labels) {
                var keepFiring = false
                if alert.state == .firing && keepFiringForMilliseconds > 0 {
                    let since = alert.keepFiringSince ?? now
                    alert.keepFiringSince = since
                    keepFiring = now - since < keepFiringForMilliseconds
                }
                if alert.state == .pending || (alert.resolvedAt.map { now - $0 > Self.resolvedRetention } ?? false) {
                    alerts[labels] = nil
                    if alert.state == .pending || alert.state == .inactive { continue }
                }
                if alert.state != .inactive && !keepFiring {
                    let wasFiring = alert.state == .firing
                    alert.state = .inactive
                    alert.resolvedAt = now
                    alert.keepFiringSince = nil
                    if alerts[labels] != nil { alerts[labels] = alert }
                    if wasFiring && alert.firingAnnounced { transitions.append(.resolved(alert)) }
                    continue
                }
                if !keepFiring {
                    continue
                }
            } else {
                alert.keepFiringSince = nil
            }
            if alert.state == .pending && now - alert.activeAt >= holdMilliseconds {
                alert.state = .firing
                alert.firedAt = now
                if !alert.firingAnnounced {
                    alert.firingAnnounced = true
                    transitions.append(.firing(alert))
                }
            }
            alerts[labels] = alert
        }
        guard !transitions.isEmpty else { return [] }
        // An alert that fired in the round it appeared (`for: 0`) was never pending to anyone.
        let fired = Set(transitions.compactMap { transition -> Labels? in
            if case .firing(let alert) = transition { return alert.labels }
            return nil
        })
        return transitions.filter { transition in
            if case .pending(let alert) = transition { return !fired.contains(alert.labels) }
            return true
        }.sorted { $0.alert.labels.description < $1.alert.labels.description }
    }

    /// Pending and firing alerts (what `ALERTS` shows), in no particular order.
    public var activeAlerts: [ActiveAlert] {
        alerts.values.filter { $0.state != .inactive }
    }

    /// Every alert kept, including resolved ones within their retention (what is persisted).
    public var allAlerts: [ActiveAlert] { Array(alerts.values) }
}
