import SondeCore

/// An alert as Alertmanager's API v2 shows it: with the receivers its routes give it and what
/// mutes it (the ids of the silences, the fingerprints of the inhibiting alerts).
public struct AlertStatus: Sendable, Equatable {
    public var alert: NotifyAlert
    public var receivers: [String]
    public var silencedBy: [String]
    public var inhibitedBy: [String]

    /// Alertmanager's `suppressed`: a silence or an inhibition mutes it.
    public var isSuppressed: Bool { !silencedBy.isEmpty || !inhibitedBy.isEmpty }

    public init(alert: NotifyAlert, receivers: [String], silencedBy: [String], inhibitedBy: [String]) {
        self.alert = alert
        self.receivers = receivers
        self.silencedBy = silencedBy
        self.inhibitedBy = inhibitedBy
    }

    /// The ids of the active silences that cover `labels`.
    public static func silencing(_ labels: Labels, silences: [Silence], now: Int64) -> [String] {
        silences.filter { $0.silences(labels, at: now) }.map(\.id)
    }
}

/// One aggregation group as Alertmanager's `/api/v2/alerts/groups` shows it.
public struct AlertGroupStatus: Sendable, Equatable {
    public var labels: Labels
    public var receiver: String
    public var alerts: [AlertStatus]

    public init(labels: Labels, receiver: String, alerts: [AlertStatus]) {
        self.labels = labels
        self.receiver = receiver
        self.alerts = alerts
    }
}

extension NotifyService {
    /// The alerts held now, unresolved ones only, by aggregation group (an alert may be in several,
    /// for routes that `continue`). Alerts received since the last dispatch are included as the
    /// next dispatch will group them; nothing is changed.
    public func alertGroups(now: Int64) -> [AlertGroupStatus] {
        let silences = (try? silenceFile.load()) ?? []
        let (groups, everything) = withDispatcherState { state in
            var groups = state.groups
            for alert in state.incoming { groups.insert(alert, now: now) }
            return (groups.current, groups.allAlerts)
        }
        var receivers: [AlertFingerprint: [String]] = [:]
        for group in groups {
            for alert in group.alerts where !(receivers[alert.fingerprint]?.contains(group.receiver) ?? false) {
                receivers[alert.fingerprint, default: []].append(group.receiver)
            }
        }
        return groups.compactMap { group in
            let alerts = group.alerts.filter { !$0.isResolved(at: now) }.map { alert in
                AlertStatus(
                    alert: alert, receivers: receivers[alert.fingerprint] ?? [group.receiver],
                    silencedBy: AlertStatus.silencing(alert.labels, silences: silences, now: now),
                    inhibitedBy: inhibitor.inhibitors(of: alert.labels, among: everything, now: now).map(\.description))
            }
            return alerts.isEmpty ? nil : AlertGroupStatus(labels: group.labels, receiver: group.receiver, alerts: alerts)
        }
    }
}
