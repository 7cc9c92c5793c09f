import SondeCore

/// Alertmanager's inhibition: an alert matching a rule's target matchers is muted while an alert
/// matching its source matchers fires with the same values of the rule's `equal` labels (a label
/// both lack counts as equal). An alert that matches both sides is muted only by a source that
/// does not match the target side too, so such alerts never mute each other.
public struct Inhibitor: Sendable {
    public let rules: [AlertmanagerConfig.InhibitRule]

    public init(rules: [AlertmanagerConfig.InhibitRule]) { self.rules = rules }

    /// Whether `labels` is muted, given every alert the dispatcher holds.
    public func mutes(_ labels: Labels, among alerts: [NotifyAlert], now: Int64) -> Bool {
        !inhibitors(of: labels, among: alerts, now: now).isEmpty
    }

    /// The fingerprints of the firing alerts that mute `labels` (Alertmanager's `inhibitedBy`).
    public func inhibitors(of labels: Labels, among alerts: [NotifyAlert], now: Int64) -> [AlertFingerprint] {
        var sources: Set<AlertFingerprint> = []
        for rule in rules where Self.matches(rule.targetMatchers, labels) {
            let targetAlsoSource = Self.matches(rule.sourceMatchers, labels)
            for source in alerts where !source.isResolved(at: now) && Self.matches(rule.sourceMatchers, source.labels) {
                guard rule.equal.allSatisfy({ source.labels[$0] == labels[$0] }) else { continue }
                if targetAlsoSource, Self.matches(rule.targetMatchers, source.labels) { continue }
                sources.insert(source.fingerprint)
            }
        }
        return sources.sorted()
    }

    static func matches(_ matchers: [LabelMatcher], _ labels: Labels) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }
}
