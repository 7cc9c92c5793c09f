import SondeCore
import SondeNotify
import Testing

@Suite("Time intervals")
struct TimeIntervalTests {
    /// Milliseconds of a UTC time.
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) -> Int64 {
        CivilDate.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)) * 86_400_000 + Int64(hour * 3600 + minute * 60) * 1000
    }

    static let config = try! AlertmanagerConfig.parse("""
        route: {receiver: r, routes: [{receiver: r, active_time_intervals: [office]}, {receiver: r, mute_time_intervals: [month-end]}]}
        receivers: [{name: r}]
        time_intervals:
          - name: office
            time_intervals: [{times: [{start_time: "09:00", end_time: "17:00"}], weekdays: ["monday:friday"], location: Europe/Berlin}]
          - name: month-end
            time_intervals: [{days_of_month: ["-1"]}, {months: [december], days_of_month: ["24:26"], years: ["2026:2027"]}]
        """)

    @Test("office hours in Berlin, winter and summer time")
    func berlin() throws {
        let office = try #require(Self.config.timeIntervals["office"]?.first)
        #expect(office.contains(Self.utc(2026, 12, 7, 8, 0)), "Monday 09:00 CET")
        #expect(!office.contains(Self.utc(2026, 12, 7, 7, 59)), "Monday 08:59 CET")
        #expect(!office.contains(Self.utc(2026, 12, 7, 16, 0)), "Monday 17:00 CET: the end is exclusive")
        #expect(office.contains(Self.utc(2026, 7, 6, 7, 30)), "Monday 09:30 CEST")
        #expect(!office.contains(Self.utc(2026, 7, 6, 15, 30)), "Monday 17:30 CEST")
        #expect(!office.contains(Self.utc(2026, 12, 6, 10, 0)), "a Sunday")
        #expect(office.contains(Self.utc(2026, 12, 11, 15, 59)) && !office.contains(Self.utc(2026, 12, 12, 10, 0)), "Friday yes, Saturday no")
        #expect(office.contains(Self.utc(2026, 3, 30, 7, 0)), "the Monday after the spring change, 09:00 CEST")
    }

    @Test("days counted from the month's end, leap years, months and years")
    func calendar() throws {
        let intervals = try #require(Self.config.timeIntervals["month-end"])
        func inside(_ time: Int64) -> Bool { intervals.contains { $0.contains(time) } }
        #expect(inside(Self.utc(2026, 2, 28, 12, 0)) && !inside(Self.utc(2028, 2, 28, 12, 0)) && inside(Self.utc(2028, 2, 29, 0, 0)))
        #expect(inside(Self.utc(2026, 12, 31, 23, 59)) && !inside(Self.utc(2026, 12, 30, 12, 0)))
        #expect(inside(Self.utc(2026, 12, 25, 0, 0)) && inside(Self.utc(2027, 12, 26, 23, 0)) && !inside(Self.utc(2028, 12, 25, 0, 0)))
        #expect(!inside(Self.utc(2026, 11, 25, 0, 0)))
    }

    @Test("active intervals silence a route outside them, mute intervals inside them; the log waits")
    func routes() {
        let config = Self.config
        let office = config.route.routes[0], monthEnd = config.route.routes[1]
        let monday = Self.utc(2026, 12, 7, 10, 0), sunday = Self.utc(2026, 12, 6, 10, 0)
        #expect(!config.isMuted(muteTimeIntervals: office.muteTimeIntervals, activeTimeIntervals: office.activeTimeIntervals, at: monday))
        #expect(config.isMuted(muteTimeIntervals: office.muteTimeIntervals, activeTimeIntervals: office.activeTimeIntervals, at: sunday))
        #expect(config.isMuted(muteTimeIntervals: monthEnd.muteTimeIntervals, activeTimeIntervals: [], at: Self.utc(2026, 12, 31, 10, 0)))
        #expect(!config.isMuted(muteTimeIntervals: monthEnd.muteTimeIntervals, activeTimeIntervals: [], at: monday))
    }
}

@Suite("Time intervals in the planner")
struct MutedPlanningTests {
    @Test("a muted route sends nothing and records nothing; once the mute ends the news goes out")
    func mutedThenNews() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r, routes: [{receiver: r, matchers: [team=db], active_time_intervals: [office], group_wait: 0s}]}
            receivers: [{name: r, webhook_configs: [{url: 'http://127.0.0.1:1/'}]}]
            time_intervals: [{name: office, time_intervals: [{times: [{start_time: "09:00", end_time: "17:00"}]}]}]
            """)
        var groups = AggregationGroups(tree: RouteTree(config.route), resolveTimeout: .seconds(300))
        var log = NotificationLog()
        let planner = NotificationPlanner(config: config)
        let night = TimeIntervalTests.utc(2026, 12, 7, 3, 0), morning = TimeIntervalTests.utc(2026, 12, 7, 9, 0)
        groups.insert(NotifyAlert(labels: Labels([Label("alertname", "A"), Label("team", "db")]), annotations: [:], startsAt: night,
                                  endsAt: morning + 3_600_000, updatedAt: night), now: night)
        let atNight = groups.due(now: night).flatMap { planner.plan($0, alerts: $0.alerts, log: &log, now: night) }
        #expect(atNight.isEmpty && log.entries.isEmpty)
        let inTheMorning = groups.due(now: morning).flatMap { planner.plan($0, alerts: $0.alerts, log: &log, now: morning) }
        #expect(inTheMorning.count == 1 && log.entries.count == 1)
    }
}
