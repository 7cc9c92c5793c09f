import SondeCore
import SondeRules

/// An alert as Alertmanager holds it: labels (its identity), annotations, when it started and
/// when it ends. A firing alert from sonde's rules carries an end a few evaluation intervals ahead,
/// renewed at each evaluation, as Prometheus sends them; a resolved one ends when it resolved.
public struct NotifyAlert: Sendable, Equatable {
    public var labels: Labels
    public var annotations: [String: String]
    /// Milliseconds since the epoch.
    public var startsAt: Int64
    /// Milliseconds since the epoch; nil when unknown (the alert then resolves `resolve_timeout`
    /// after its last update).
    public var endsAt: Int64?
    public var updatedAt: Int64
    /// A link back to the rule's expression.
    public var generatorURL: String

    public init(labels: Labels, annotations: [String: String], startsAt: Int64, endsAt: Int64?, updatedAt: Int64, generatorURL: String = "") {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.updatedAt = updatedAt
        self.generatorURL = generatorURL
    }

    public var fingerprint: AlertFingerprint { AlertFingerprint(labels) }

    /// Resolved once its end time has passed.
    public func isResolved(at now: Int64) -> Bool { endsAt.map { $0 <= now } ?? false }
}

/// Prometheus' label-set fingerprint (`model.LabelSet.Fingerprint`): FNV-1a over the sorted names
/// and values, each followed by the byte 0xFF; written as 16 hex digits. Alertmanager keys alerts
/// and the webhook payload's `fingerprint` on it, so receivers can match sonde's to Alertmanager's.
public struct AlertFingerprint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: UInt64

    public init(_ labels: Labels) {
        var hash = FNV1a()
        for pair in labels.pairs.sorted(by: { $0.name < $1.name }) {
            hash.add(pair.name)
            hash.add(0xFF)
            hash.add(pair.value)
            hash.add(0xFF)
        }
        value = hash.value
    }

    public var description: String { Hex.padded(value, width: 16) }

    public static func < (lhs: AlertFingerprint, rhs: AlertFingerprint) -> Bool { lhs.value < rhs.value }
}

extension Labels {
    /// Go's `model.LabelSet.String()`: `{alertname="HighCPU", instance="web-1"}`, sorted, values
    /// quoted as Go's `%q` quotes them. Alertmanager's group keys are built from it.
    public var goLabelSetString: String {
        "{" + pairs.map { $0.name + "=" + GoFormat.quote($0.value) }.joined(separator: ", ") + "}"
    }
}
