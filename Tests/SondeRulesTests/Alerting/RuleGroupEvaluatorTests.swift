import SondeCore
import SondeRules
import SondeTestSupport
import Synchronization
import Testing

/// Collects what a rule group writes, and serves it back to the evaluator.
final class RecordingSink: RuleSampleSink, PromQLSampleSource, Sendable {
    private let storage = Mutex(InMemorySampleSource())
    private let writes = Mutex<[(Labels, Int64, Double)]>([])

    init(_ series: [PromQLSeries]) {
        storage.withLock { $0 = InMemorySampleSource(series) }
    }

    func write(_ labels: Labels, timestamp: Int64, value: Double) {
        storage.withLock { $0.append(labels, timestamp, value) }
        writes.withLock { $0.append((labels, timestamp, value)) }
    }

    func series(matching matchers: [LabelMatcher], start: Int64, end: Int64, step: Int64?) throws(SondeError) -> [PromQLSeries] {
        let snapshot = storage.withLock { $0 }
        return try snapshot.series(matching: matchers, start: start, end: end, step: step)
    }

    func written(at time: Int64) -> [String: Double] {
        var result: [String: Double] = [:]
        for (labels, timestamp, value) in writes.withLock({ $0 }) where timestamp == time {
            result[labels.description] = value
        }
        return result
    }
}

@Suite("Rule groups")
struct RuleGroupEvaluatorTests {
    static func group(_ yaml: String) throws -> RuleGroup {
        try RuleFile.parse(yaml, path: "test.yaml").groups[0]
    }

    static func up(_ values: [(String, [Double])]) -> [PromQLSeries] {
        values.map { instance, points in
            PromQLSeries(labels: Labels(name: "up", ["instance": instance]), timestamps: points.indices.map { Int64($0) * 60_000 }, values: points)
        }
    }

    @Test("recording rules write under their name with their labels; later rules read them at once")
    func recording() throws {
        let group = try Self.group("""
            groups:
              - name: g
                rules:
                  - record: instance:up:doubled
                    expr: up * 2
                    labels: {source: rule}
                  - record: total:up:doubled
                    expr: sum(instance:up:doubled)
            """)
        let sink = RecordingSink(Self.up([("a", [1, 1]), ("b", [0, 1])]))
        var evaluator = RuleGroupEvaluator(group: group)
        let round = evaluator.evaluate(at: 0, engine: PromQLEngine(source: sink), sink: sink, expand: AlertTemplateExpansion.expander())
        #expect(round.failures.isEmpty)
        let written = sink.written(at: 0)
        #expect(written[#"instance:up:doubled{instance="a",source="rule"}"#] == 2)
        #expect(written[#"instance:up:doubled{instance="b",source="rule"}"#] == 0)
        #expect(written["total:up:doubled"] == 2)
    }

    @Test("under the engine's limits a rule over them fails alone; each rule has its own time")
    func limitsBoundEachRule() throws {
        let group = try Self.group("""
            groups:
              - name: g
                rules:
                  - record: too:many:samples
                    expr: count_over_time(up[100d])
                  - record: too:slow
                    expr: max_over_time(max_over_time(no_such_series[7d:1s])[7d:1s])
                  - record: instance:up:doubled
                    expr: up * 2
            """)
        // 100,000 samples a minute apart: about 69 days.
        let sink = RecordingSink(Self.up([("a", [Double](repeating: 1, count: 100_000))]))
        var engine = PromQLEngine(source: sink)
        engine.limits = PromQLLimits(maxSamples: 50_000, timeout: .milliseconds(200))
        var evaluator = RuleGroupEvaluator(group: group)
        // A second round: had the first round used up the deadline, every rule would time out now.
        for time: Int64 in [99_999 * 60_000, 100_000 * 60_000] {
            let round = evaluator.evaluate(at: time, engine: engine, sink: sink, expand: AlertTemplateExpansion.expander())
            #expect(round.failures.map(\.0) == ["too:many:samples", "too:slow"], "\(round.failures)")
            #expect(round.failures.first?.1 == "query processing would load too many samples into memory in query execution")
            #expect(round.failures.last?.1 == "query timed out in expression evaluation")
            #expect(sink.written(at: time)[#"instance:up:doubled{instance="a"}"#] == 2)
        }
    }

    @Test("a series a rule stops returning gets a staleness marker; ALERTS follow the alert's state")
    func stalenessAndAlerts() throws {
        let group = try Self.group("""
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 1m
                    annotations: {summary: "{{ $labels.instance }} is down ({{ $value }})"}
            """)
        let sink = RecordingSink(Self.up([("a", [0, 0, 1])]))
        let engine = PromQLEngine(source: sink)
        var evaluator = RuleGroupEvaluator(group: group)
        let expand = AlertTemplateExpansion.expander()
        let first = evaluator.evaluate(at: 0, engine: engine, sink: sink, expand: expand)
        #expect(first.transitions.map(\.transition.alert.state) == [.pending])
        #expect(sink.written(at: 0)[#"ALERTS{alertname="Down",alertstate="pending",instance="a"}"#] == 1)
        #expect(sink.written(at: 0)[#"ALERTS_FOR_STATE{alertname="Down",instance="a"}"#] == 0)
        let second = evaluator.evaluate(at: 60_000, engine: engine, sink: sink, expand: expand)
        #expect(second.transitions.first?.transition.alert.annotations["summary"] == "a is down (0)")
        let atFiring = sink.written(at: 60_000)
        #expect(atFiring[#"ALERTS{alertname="Down",alertstate="firing",instance="a"}"#] == 1)
        #expect(atFiring[#"ALERTS{alertname="Down",alertstate="pending",instance="a"}"#].map { StaleMarker.isStale($0) } == true)
        _ = evaluator.evaluate(at: 120_000, engine: engine, sink: sink, expand: expand)
        #expect(sink.written(at: 120_000)[#"ALERTS{alertname="Down",alertstate="firing",instance="a"}"#].map { StaleMarker.isStale($0) } == true)
    }

    @Test("a failing rule is reported and the others still run; limit is enforced")
    func failuresAndLimit() throws {
        let group = try Self.group("""
            groups:
              - name: g
                limit: 1
                rules:
                  - record: broken
                    expr: up / on() up
                  - record: fine
                    expr: count(up)
                  - record: too_many
                    expr: up
            """)
        let sink = RecordingSink(Self.up([("a", [1]), ("b", [1])]))
        var evaluator = RuleGroupEvaluator(group: group)
        let round = evaluator.evaluate(at: 0, engine: PromQLEngine(source: sink), sink: sink, expand: AlertTemplateExpansion.expander())
        #expect(round.failures.map(\.rule) == ["broken", "too_many"])
        #expect(round.failures.last?.message == "exceeded limit of 1 with 2 series")
        #expect(sink.written(at: 0)["fine"] == 2)
    }
}

@Suite("Alert state file")
struct AlertStateFileTests {
    @Test("saved states load back; too old or damaged files are reported, not trusted")
    func roundTrip() throws {
        let directory = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(directory) }
        let path = directory + "/alerts.state"
        let alert = ActiveAlert(
            labels: Labels([Label("alertname", "Down"), Label("instance", "a")]), annotations: ["summary": "down"],
            state: .firing, value: .infinity, activeAt: 1_000, firedAt: 61_000, firingAnnounced: true)
        try AlertStateFile.save(["g\u{1F}Down\u{1F}up == 0": [alert]], at: 100_000, to: path)
        guard case .restored(let alerts, let savedAt) = AlertStateFile.load(from: path, now: 200_000) else {
            Issue.record("expected the states back")
            return
        }
        #expect(savedAt == 100_000)
        #expect(alerts["g\u{1F}Down\u{1F}up == 0"] == [alert])
        guard case .tooOld = AlertStateFile.load(from: path, now: 100_000 + AlertStateFile.defaultOutageTolerance + 1) else {
            Issue.record("a state older than the outage tolerance must not be restored")
            return
        }
        TestFiles.append(path, "garbage")
        guard case .damaged = AlertStateFile.load(from: path, now: 200_000) else {
            Issue.record("a damaged file must be reported")
            return
        }
        guard case .none = AlertStateFile.load(from: directory + "/missing", now: 0) else {
            Issue.record("no file is no state")
            return
        }
    }
}
