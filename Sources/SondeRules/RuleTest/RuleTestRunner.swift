import SondeCore
import Synchronization

/// Runs promtool unit-test files (`sonde rules test`) with promtool 2.42's procedure, so a file
/// passes here exactly when it passes there:
/// - each test group gets fresh in-memory storage; input points lie at `i × interval` from 0;
/// - rule groups are evaluated at 0, `evaluation_interval`, … up to the largest `eval_time`, in
///   `group_eval_order` (else file order), each seeing the input samples up to that time and the
///   results of the rules before it; a rule that fails fails the test group;
/// - an `alert_rule_test` compares, exactly, the firing alerts (labels and annotations) of the
///   last evaluation at or before its `eval_time`;
/// - a `promql_expr_test` queries everything at its `eval_time` once all evaluations ran, and
///   compares label sets and values exactly (NaN never equals NaN, as Go's `reflect.DeepEqual`).
public enum RuleTestRunner {
    public struct Outcome: Sendable {
        public var file: String
        /// What failed, in promtool's wording; empty when the file passed.
        public var failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    public static func run(_ file: RuleTestFile) -> Outcome {
        let name = file.path ?? "-"
        let groups: [RuleSet.LoadedGroup]
        do {
            groups = try RuleSet.load(file.ruleFilePatterns)
        } catch {
            return Outcome(file: name, failures: error.errors.map { "  \($0)" })
        }
        var ordered = groups
        if !file.groupEvalOrder.isEmpty {
            var byName: [String: RuleSet.LoadedGroup] = [:]
            for group in groups { byName[group.group.name] = group }
            var failures: [String] = []
            ordered = []
            for groupName in file.groupEvalOrder {
                if let group = byName[groupName] { ordered.append(group) } else { failures.append("    group \"\(groupName)\" is not defined in the rule files") }
            }
            if ordered.count != groups.count && failures.isEmpty {
                failures.append("    number of groups in group_eval_order does not match the groups in the rule files")
            }
            if !failures.isEmpty { return Outcome(file: name, failures: failures) }
        }
        var failures: [String] = []
        for test in file.tests {
            failures += run(test, groups: ordered.map(\.group), evaluationInterval: file.evaluationIntervalMilliseconds)
        }
        return Outcome(file: name, failures: failures)
    }

    static func run(_ test: RuleTestGroup, groups: [RuleGroup], evaluationInterval: Int64) -> [String] {
        let storage = MemorySeries()
        var engine = PromQLEngine(source: storage)
        // promtool gives a subquery without a step the file's evaluation interval.
        engine.defaultSubqueryStepMilliseconds = evaluationInterval
        let expand = AlertTemplateExpansion.expander(externalLabels: test.externalLabels, externalURL: test.externalURL)
        var evaluators = groups.map { RuleGroupEvaluator(group: $0) }
        let input = InputSamples(test)
        let testName = test.name.map { "    name: \($0),\n" } ?? ""

        let alertTimes = Set(test.alertRuleTests.map(\.evalTimeMilliseconds)).sorted()
        let maximumTime = (test.alertRuleTests.map(\.evalTimeMilliseconds) + test.promqlExprTests.map(\.evalTimeMilliseconds)).max() ?? 0
        var failures: [String] = []
        var nextAlertTime = 0
        var time: Int64 = 0
        while time <= maximumTime {
            input.load(until: time, into: storage)
            var evaluationErrors: [String] = []
            for index in evaluators.indices {
                let round = evaluators[index].evaluate(at: time, engine: engine, sink: storage, expand: expand)
                for failure in round.failures {
                    evaluationErrors.append("    rule: \(failure.rule), time: \(DurationParser.format(time)), err: \(failure.message)")
                }
            }
            if !evaluationErrors.isEmpty { return failures + evaluationErrors }
            // Alert checks due between this evaluation and the next.
            while nextAlertTime < alertTimes.count, alertTimes[nextAlertTime] >= time, alertTimes[nextAlertTime] < time + evaluationInterval {
                let checkTime = alertTimes[nextAlertTime]
                for check in test.alertRuleTests where check.evalTimeMilliseconds == checkTime {
                    var got: [AlertText] = []
                    for evaluator in evaluators {
                        for (index, rule) in evaluator.group.rules.enumerated() where rule.name == check.alertname {
                            guard case .alerting = rule.kind, let state = evaluator.alertStates[index] else { continue }
                            got += state.activeAlerts.filter { $0.state == .firing }.map { AlertText(labels: $0.labels, annotations: $0.annotations) }
                        }
                    }
                    let expected = check.expectedAlerts.map { alert in
                        var labels = alert.labels
                        labels["alertname"] = check.alertname
                        return AlertText(labels: Labels(labels.map { Label($0.key, $0.value) }), annotations: alert.annotations)
                    }
                    if got.sorted() != expected.sorted() {
                        failures.append("""
                            \(testName)    alertname: \(check.alertname), time: \(DurationParser.format(checkTime)), 
                                    exp:\(AlertText.list(expected.sorted())), 
                                    got:\(AlertText.list(got.sorted()))
                            """)
                    }
                }
                nextAlertTime += 1
            }
            time += evaluationInterval
        }

        for check in test.promqlExprTests {
            let got: [SampleText]
            do throws(SondeError) {
                switch try engine.instantQuery(check.expr, at: check.evalTimeMilliseconds) {
                case .vector(let samples): got = samples.map { SampleText(labels: $0.labels, value: $0.value) }
                case .scalar(let value): got = [SampleText(labels: Labels([]), value: value)]
                case .matrix, .string: throw SondeError(.invalidArgument, "rule result is not a vector or scalar")
                }
            } catch {
                failures.append("    expr: \(GoFormat.quote(check.exprText)), time: \(DurationParser.format(check.evalTimeMilliseconds)), err: \(error.message)")
                continue
            }
            let expected = check.expectedSamples.map { SampleText(labels: Labels($0.labels.map { Label($0.key, $0.value) }), value: $0.value) }
            let sortedGot = got.sorted { $0.labels.description < $1.labels.description }
            let sortedExpected = expected.sorted { $0.labels.description < $1.labels.description }
            let equal = sortedGot.count == sortedExpected.count
                && zip(sortedGot, sortedExpected).allSatisfy { $0.labels == $1.labels && $0.value == $1.value }
            if !equal {
                failures.append("""
                    \(testName)    expr: \(GoFormat.quote(check.exprText)), time: \(DurationParser.format(check.evalTimeMilliseconds)),
                            exp: \(SampleText.list(sortedExpected))
                            got: \(SampleText.list(sortedGot))
                    """)
            }
        }
        return failures
    }

    /// The input series' samples in time order, handed to storage as evaluation reaches them.
    final class InputSamples {
        private var samples: [(time: Int64, labels: Labels, value: Double)] = []
        private var loaded = 0

        init(_ test: RuleTestGroup) {
            let interval = test.sampleIntervalMilliseconds
            for series in test.inputSeries {
                let labels = Labels(series.labels.map { Label($0.key, $0.value) })
                for (index, point) in series.points.enumerated() {
                    let time = Int64(index) * interval
                    switch point {
                    case .value(let value): samples.append((time, labels, value))
                    case .stale: samples.append((time, labels, StaleMarker.value))
                    case .missing: break
                    }
                }
            }
            // Stable: equal times keep file order, so the first of several points at one time wins.
            samples = samples.enumerated().sorted { $0.element.time != $1.element.time ? $0.element.time < $1.element.time : $0.offset < $1.offset }.map(\.element)
        }

        func load(until time: Int64, into storage: MemorySeries) {
            while loaded < samples.count && samples[loaded].time <= time {
                storage.write(samples[loaded].labels, timestamp: samples[loaded].time, value: samples[loaded].value)
                loaded += 1
            }
        }
    }

    struct AlertText: Comparable {
        var labels: Labels
        var annotations: [String: String]

        var annotationLabels: Labels { Labels(annotations.map { Label($0.key, $0.value) }) }

        static func < (lhs: AlertText, rhs: AlertText) -> Bool {
            lhs.labels.description != rhs.labels.description
                ? lhs.labels.description < rhs.labels.description
                : lhs.annotationLabels.description < rhs.annotationLabels.description
        }

        static func == (lhs: AlertText, rhs: AlertText) -> Bool {
            lhs.labels == rhs.labels && lhs.annotationLabels == rhs.annotationLabels
        }

        static func list(_ alerts: [AlertText]) -> String {
            guard !alerts.isEmpty else { return "[]" }
            var out = "[\n"
            for (index, alert) in alerts.enumerated() {
                out += "            \(index):\n"
                out += "              Labels:\(alert.labels.braced)\n"
                out += "              Annotations:\(alert.annotationLabels.braced)\n"
            }
            return out + "            ]"
        }
    }

    struct SampleText {
        var labels: Labels
        var value: Double

        /// promtool's form: `{__name__="x", a="b"} 1.5E+00, …`.
        static func list(_ samples: [SampleText]) -> String {
            samples.map { "\($0.labels.braced) \(GoFormat.shortestExponent($0.value))" }.joined(separator: ", ")
        }
    }
}

/// Storage for one test group: readable by the evaluator, writable by rules, in one process.
final class MemorySeries: PromQLSampleSource, RuleSampleSink, Sendable {
    private let source = Mutex(InMemorySampleSource())

    func series(matching matchers: [LabelMatcher], start: Int64, end: Int64, step: Int64?) throws(SondeError) -> [PromQLSeries] {
        let snapshot = source.withLock { $0 }
        return try snapshot.series(matching: matchers, start: start, end: end, step: step)
    }

    func write(_ labels: Labels, timestamp: Int64, value: Double) {
        source.withLock { $0.append(labels, timestamp, value) }
    }
}

extension Labels {
    /// `{a="x", b="y"}`, the metric name included as `__name__`, as promtool prints label sets.
    var braced: String {
        "{" + pairs.map { "\($0.name)=\"\(Labels.escape($0.value))\"" }.joined(separator: ", ") + "}"
    }
}
