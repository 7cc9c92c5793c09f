import SondeCore
import SondeNotify
import Testing

@Suite("Inhibition")
struct InhibitorTests {
    static let now: Int64 = 1_800_000_000_000

    func alert(_ labels: [String: String], resolved: Bool = false) -> NotifyAlert {
        NotifyAlert(labels: Labels(labels.map { Label($0.key, $0.value) }), annotations: [:], startsAt: Self.now - 60_000,
                    endsAt: resolved ? Self.now - 1 : Self.now + 60_000, updatedAt: Self.now)
    }

    @Test("a firing critical mutes the warnings with the same alertname and instance, and nothing else")
    func criticalMutesWarning() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r}
            receivers: [{name: r}]
            inhibit_rules:
              - source_matchers: [severity=critical]
                target_matchers: [severity=warning]
                equal: [alertname, instance]
            """)
        let inhibitor = Inhibitor(rules: config.inhibitRules)
        let critical = alert(["alertname": "Disk", "instance": "db-1", "severity": "critical"])
        let warning = alert(["alertname": "Disk", "instance": "db-1", "severity": "warning"])
        let otherHost = alert(["alertname": "Disk", "instance": "db-2", "severity": "warning"])
        let all = [critical, warning, otherHost]
        #expect(inhibitor.mutes(warning.labels, among: all, now: Self.now))
        #expect(!inhibitor.mutes(otherHost.labels, among: all, now: Self.now), "instance differs")
        #expect(!inhibitor.mutes(critical.labels, among: all, now: Self.now), "not a target")
        let resolvedCritical = alert(["alertname": "Disk", "instance": "db-1", "severity": "critical"], resolved: true)
        #expect(!inhibitor.mutes(warning.labels, among: [resolvedCritical, warning], now: Self.now), "a resolved source mutes nothing")
        // A label both lack is equal.
        let bare = alert(["alertname": "Disk", "severity": "warning"])
        #expect(inhibitor.mutes(bare.labels, among: [alert(["alertname": "Disk", "severity": "critical"]), bare], now: Self.now))
    }

    @Test("alerts matching both sides do not mute each other; a source matching only the source side does")
    func twoSided() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r}
            receivers: [{name: r}]
            inhibit_rules: [{source_match: {team: db}, target_match_re: {alertname: '.+'}, equal: [cluster]}]
            """)
        let inhibitor = Inhibitor(rules: config.inhibitRules)
        let first = alert(["alertname": "A", "team": "db", "cluster": "c1"])
        let second = alert(["alertname": "B", "team": "db", "cluster": "c1"])
        #expect(!inhibitor.mutes(first.labels, among: [first, second], now: Self.now))
        #expect(!inhibitor.mutes(second.labels, among: [first, second], now: Self.now))
        let sourceOnly = alert(["team": "db", "cluster": "c1"])  // no alertname: not a target
        #expect(inhibitor.mutes(first.labels, among: [first, second, sourceOnly], now: Self.now))
    }
}
