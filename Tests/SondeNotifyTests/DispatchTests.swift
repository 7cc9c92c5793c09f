import SondeCore
import SondeNotify
import Testing

/// Grouping, group_wait, group_interval, repeat_interval and resolved notifications, on times
/// passed by hand.
@Suite("Dispatch: aggregation groups and the notification log")
struct DispatchTests {
    static let config = try! AlertmanagerConfig.parse("""
        route: {receiver: hook, group_by: [alertname], group_wait: 30s, group_interval: 5m, repeat_interval: 1h}
        receivers:
          - name: hook
            webhook_configs: [{url: 'http://127.0.0.1:1/a'}, {url: 'http://127.0.0.1:1/b', send_resolved: false}]
        """)
    static let t0: Int64 = 1_800_000_000_000
    static let minute: Int64 = 60_000

    func alert(_ name: String, _ instance: String, startsAt: Int64 = t0, endsAt: Int64) -> NotifyAlert {
        NotifyAlert(labels: Labels([Label("alertname", name), Label("instance", instance)]), annotations: [:], startsAt: startsAt, endsAt: endsAt, updatedAt: startsAt)
    }

    struct Harness {
        var groups = AggregationGroups(tree: RouteTree(DispatchTests.config.route), resolveTimeout: .seconds(300))
        var log = NotificationLog()
        let planner = NotificationPlanner(config: DispatchTests.config)

        /// The notifications due at `now`, as "integration: instance=status …".
        mutating func run(at now: Int64) -> [String] {
            var result: [String] = []
            for flush in groups.due(now: now) {
                for planned in planner.plan(flush, alerts: flush.alerts, log: &log, now: now) {
                    let alerts = planned.alerts.map { "\($0.labels["instance"] ?? "")=\($0.isResolved(at: now) ? "resolved" : "firing")" }
                    result.append("\(planned.integration.name) \(planned.groupLabels.goLabelSetString): " + alerts.joined(separator: " "))
                }
                groups.flushed(flush, now: now)
            }
            return result
        }
    }

    @Test("group_wait gathers, group_interval spaces, repeat_interval repeats, resolved as configured, groups end")
    func lifecycle() {
        let t0 = Self.t0, minute = Self.minute
        var h = Harness()
        h.groups.insert(alert("A", "1", endsAt: t0 + 4 * minute), now: t0)
        #expect(h.run(at: t0) == [] && h.groups.nextFlushAt == t0 + 30_000)
        h.groups.insert(alert("A", "2", startsAt: t0 + 10_000, endsAt: t0 + 4 * minute), now: t0 + 10_000)
        h.groups.insert(alert("B", "1", startsAt: t0 + 10_000, endsAt: t0 + 600 * minute), now: t0 + 10_000)
        #expect(h.groups.groupCount == 2)
        let first = t0 + 30_000
        #expect(h.run(at: first - 1) == [])
        #expect(h.run(at: first) == [
            #"hook/webhook/0 {alertname="A"}: 1=firing 2=firing"#, #"hook/webhook/1 {alertname="A"}: 1=firing 2=firing"#,
        ], "B's group started 10 s later")
        #expect(h.run(at: first + 10_000) == [#"hook/webhook/0 {alertname="B"}: 1=firing"#, #"hook/webhook/1 {alertname="B"}: 1=firing"#])

        // Renewed by the rules every evaluation, nothing new: silence at each group_interval.
        var now = first + 5 * minute
        for instance in ["1", "2"] { h.groups.insert(alert("A", instance, endsAt: now + 4 * minute), now: now) }
        #expect(h.run(at: now) == [])
        // A new alert in the group: news for both at the next interval, not before.
        h.groups.insert(alert("A", "3", startsAt: now + minute, endsAt: now + 5 * minute), now: now + minute)
        #expect(h.run(at: now + minute) == [])
        now += 5 * minute
        for instance in ["1", "2", "3"] { h.groups.insert(alert("A", instance, endsAt: now + 4 * minute), now: now) }
        #expect(h.run(at: now) == [
            #"hook/webhook/0 {alertname="A"}: 1=firing 2=firing 3=firing"#, #"hook/webhook/1 {alertname="A"}: 1=firing 2=firing 3=firing"#,
        ])
        // 1 resolves: news only where send_resolved is on; then it leaves the group.
        now += 5 * minute
        h.groups.insert(alert("A", "1", endsAt: now - 1), now: now)
        for instance in ["2", "3"] { h.groups.insert(alert("A", instance, endsAt: now + 4 * minute), now: now) }
        #expect(h.run(at: now) == [#"hook/webhook/0 {alertname="A"}: 1=resolved 2=firing 3=firing"#])
        // Unchanged for an hour: repeated to each an hour after it was last told, without the
        // resolved one.
        var repeats: [String: (at: Int64, message: String)] = [:]
        while now < first + 80 * minute {
            now += 5 * minute
            for instance in ["2", "3"] { h.groups.insert(alert("A", instance, endsAt: now + 4 * minute), now: now) }
            for line in h.run(at: now) where line.contains(#"{alertname="A"}"#) {
                let integration = String(line.prefix { $0 != " " })
                if repeats[integration] == nil { repeats[integration] = (now, line) }
            }
        }
        #expect(repeats["hook/webhook/1"]?.at == first + 70 * minute && repeats["hook/webhook/0"]?.at == first + 75 * minute)
        #expect(repeats["hook/webhook/0"]?.message == #"hook/webhook/0 {alertname="A"}: 2=firing 3=firing"#)
        // Everything resolves: the resolved message where it is wanted, then the group ends.
        now += 5 * minute
        for instance in ["2", "3"] { h.groups.insert(alert("A", instance, endsAt: now - 1), now: now) }
        #expect(h.run(at: now).filter { $0.contains(#"{alertname="A"}"#) } == [#"hook/webhook/0 {alertname="A"}: 2=resolved 3=resolved"#])
        #expect(h.groups.groupCount == 1, "A's group is gone, B's remains")
    }

    @Test("after a restart, alerts already told are not told again, and old alerts skip group_wait")
    func restart() {
        let t0 = Self.t0, minute = Self.minute
        var h = Harness()
        for instance in ["1", "2"] { h.groups.insert(alert("A", instance, endsAt: t0 + 4 * minute), now: t0) }
        #expect(h.run(at: t0 + 30_000).count == 2)
        // The agent restarts with its notification log: a fresh dispatcher, the same alerts.
        var restarted = Harness()
        restarted.log = h.log
        let now = t0 + 2 * minute
        for instance in ["1", "2"] { restarted.groups.insert(alert("A", instance, endsAt: now + 10 * minute), now: now) }
        #expect(restarted.groups.nextFlushAt == now, "started long ago: no group_wait")
        #expect(restarted.run(at: now) == [])
        restarted.groups.insert(alert("A", "3", startsAt: now, endsAt: now + 10 * minute), now: now)
        #expect(restarted.run(at: now + 5 * minute) == [
            #"hook/webhook/0 {alertname="A"}: 1=firing 2=firing 3=firing"#, #"hook/webhook/1 {alertname="A"}: 1=firing 2=firing 3=firing"#,
        ])
    }
}
