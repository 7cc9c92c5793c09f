import SondeCore
import SondeRules
import Testing

@Suite("promtool test files")
struct RuleTestFileTests {
    private func expand(_ text: String) throws(ParseError) -> [SeriesPoint] { try SeriesNotation.expand(text) }

    private func same(_ a: [SeriesPoint], _ b: [SeriesPoint]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
    }

    @Test("expanding notation as Prometheus 2.42 reads it", arguments: [
        ("1 2 3", [SeriesPoint.value(1), .value(2), .value(3)]),
        ("  1\t2  ", [.value(1), .value(2)]),
        ("-2+4x3", [.value(-2), .value(2), .value(6), .value(10)]),
        ("1-2x4", [.value(1), .value(-1), .value(-3), .value(-5), .value(-7)]),
        ("5x2", [.value(5), .value(5), .value(5)]),
        ("1x0", [.value(1)]),
        ("_", [.missing]),
        ("_x3 7", [.missing, .missing, .missing, .value(7)]),
        ("_x0 1", [.value(1)]),
        ("stale", [.stale]),
        ("1 stale _ 2", [.value(1), .stale, .missing, .value(2)]),
        ("stalex1", nil),
        ("1e3 -1.5e-1 .5 +3", [.value(1000), .value(-0.15), .value(0.5), .value(3)]),
        ("Inf -Inf +inf", [.value(.infinity), .value(-.infinity), .value(.infinity)]),
        ("0x2", [.value(0), .value(0), .value(0)]),
        ("010 08 -07", [.value(8), .value(8), .value(-7)]),
        ("1+0.1x2", [.value(1), .value(1.1), .value(1.2000000000000002)]),
        ("stale+1x1", [.stale, .value(.nan)]),
        ("", []),
    ] as [(String, [SeriesPoint]?)])
    func notation(_ text: String, _ expected: [SeriesPoint]?) throws {
        if let expected {
            let points = try expand(text)
            #expect(same(points, expected), "\(text): \(points)")
        } else {
            #expect(throws: ParseError.self) { try expand(text) }
        }
    }

    @Test("NaN expands to a NaN sample")
    func nan() throws {
        let points = try expand("NaN nan")
        #expect(points.count == 2)
        for point in points {
            guard case .value(let value) = point else { Issue.record("not a value"); continue }
            #expect(value.isNaN)
        }
    }

    @Test("notation errors name the column and what was expected", arguments: [
        ("1 2x", 5, "repetition count"),
        ("1 2x1.5", 5, "invalid repetition"),
        ("1_000", 1, "bad number"),
        ("1+2", 4, "expected \"x\""),
        ("abc", 1, "unexpected identifier \"abc\""),
        ("1 _1", 4, "expected a space"),
        ("1 , 2", 3, "expected a number"),
        ("+stale", 2, "unexpected identifier"),
        ("1x99999999999", 3, "invalid repetition"),
    ])
    func notationErrors(_ text: String, _ column: Int, _ message: String) {
        do {
            let points = try expand(text)
            Issue.record("accepted \(text): \(points)")
        } catch {
            #expect(error.column == column && error.message.contains(message), "\(text): \(error)")
        }
    }

    @Test("a complete test file")
    func complete() throws {
        let file = try RuleTestFile.parse("""
            rule_files:
              - ../rules/*.yaml
              - /etc/sonde/alerts/host.yaml
            evaluation_interval: 30s
            group_eval_order: [recording, alerts]
            tests:
              - name: cpu high
                interval: 1m
                external_labels: {cluster: eu1}
                external_url: https://sonde.example
                input_series:
                  - series: 'host_cpu_utilization_percent{instance="web-1"}'
                    values: '50 90x10 _ stale'
                  - series: up
                    values: 1
                alert_rule_test:
                  - eval_time: 10m
                    alertname: HostCPUHigh
                    exp_alerts:
                      - exp_labels: {severity: warning, instance: web-1, code: 500}
                        exp_annotations:
                          summary: "CPU at 90%"
                  - eval_time: 1m
                    alertname: HostCPUHigh
                promql_expr_test:
                  - expr: host_cpu_utilization_percent > 80
                    eval_time: 5m
                    exp_samples:
                      - labels: 'host_cpu_utilization_percent{instance="web-1"}'
                        value: 90
                      - labels: '{}'
                        value: .inf
                      - value: 1e3
              - input_series: []
            """, path: "alerts/tests/host.test.yaml")
        #expect(file.ruleFilePatterns == ["alerts/rules/*.yaml", "/etc/sonde/alerts/host.yaml"])
        #expect(file.evaluationIntervalMilliseconds == 30_000)
        #expect(file.groupEvalOrder == ["recording", "alerts"])
        #expect(file.tests.count == 2)
        let group = file.tests[0]
        #expect(group.name == "cpu high" && group.intervalMilliseconds == 60_000)
        #expect(group.externalLabels == ["cluster": "eu1"] && group.externalURL == "https://sonde.example")
        #expect(group.inputSeries[0].labels == ["__name__": "host_cpu_utilization_percent", "instance": "web-1"])
        #expect(group.inputSeries[0].points.count == 14)
        #expect(group.inputSeries[0].points.last == .stale)
        #expect(group.inputSeries[1].points == [.value(1)])
        #expect(group.alertRuleTests.map(\.evalTimeMilliseconds) == [600_000, 60_000])
        #expect(group.alertRuleTests[0].expectedAlerts[0].labels == ["severity": "warning", "instance": "web-1", "code": "500"])
        #expect(group.alertRuleTests[0].expectedAlerts[0].annotations == ["summary": "CPU at 90%"])
        #expect(group.alertRuleTests[1].expectedAlerts.isEmpty)
        let expr = group.promqlExprTests[0]
        #expect(expr.exprText == "host_cpu_utilization_percent > 80" && expr.evalTimeMilliseconds == 300_000)
        #expect(expr.expectedSamples.map(\.value) == [90, .infinity, 1000])
        #expect(expr.expectedSamples[1].labels.isEmpty && expr.expectedSamples[2].labels.isEmpty)
        // promtool 2.42: no `interval` means every point at time 0.
        #expect(file.tests[1].intervalMilliseconds == nil && file.tests[1].sampleIntervalMilliseconds == 0)
    }

    @Test("defaults: an empty file has no tests; evaluation_interval is 1m")
    func defaults() throws {
        #expect(try RuleTestFile.parse("").tests.isEmpty)
        let file = try RuleTestFile.parse("rule_files: [a.yaml]\ntests:\n", path: "t.yaml")
        #expect(file.evaluationIntervalMilliseconds == 60_000 && file.ruleFilePatterns == ["a.yaml"])
        #expect(RuleTestFile(path: "/x/./y/t.yaml", ruleFiles: ["../r/a.yaml"], evaluationIntervalMilliseconds: 1, groupEvalOrder: [], tests: [])
            .ruleFilePatterns == ["/x/r/a.yaml"])
    }

    @Test("every problem with file, line and column, as strictly as promtool")
    func problems() {
        let text = """
            rule_files: [a.yaml]
            bogus: 1
            group_eval_order: [g, g]
            tests:
              - interval: soon
                foo: 1
                input_series:
                  - series: 'up{job="a"}'
                    values: '1 2x'
                  - series: 'up{job=~"a"'
                    values: '1'
                  - values: '1'
                alert_rule_test:
                  - eval_time: 60
                    exp_alerts: []
                promql_expr_test:
                  - expr: rate(up)
                    eval_time: 1m
                  - expr: up
                    exp_samples:
                      - labels: up
                        value: Inf
                      - value: "1"
                      - {labels: up, value: 1, histogram: x}
            """
        do {
            _ = try RuleTestFile.parse(text, path: "t.yaml")
            Issue.record("accepted a broken file")
        } catch {
            let messages = error.errors.map(\.description)
            let expected = [
                "t.yaml:2:1: the test file: unknown field \"bogus\"",
                "t.yaml:3:23: group_eval_order: group name repeated in evaluation order: g",
                "t.yaml:5:15: test group: interval: not a valid duration string: \"soon\"",
                "t.yaml:6:5: a test group: unknown field \"foo\"",
                "t.yaml:9:22: test group: values: unexpected end of input after \"x\", expected a repetition count",
                "t.yaml:10:29: test group: series: unexpected end of input",
                "t.yaml:12:9: test group: an input series needs `series`",
                "t.yaml:14:20: test group: eval_time: not a valid duration string: \"60\"",
                "t.yaml:14:9: test group: an item under alert_rule_test misses required attribute alertname",
                "t.yaml:17:20: test group: expr: expected type range vector",
                "t.yaml:22:20: test group: value: cannot unmarshal !!str `Inf` into float64",
                "t.yaml:23:20: test group: value: cannot unmarshal !!str `1` into float64",
                "t.yaml:24:36: an expected sample: unknown field \"histogram\"",
            ]
            for message in expected {
                #expect(messages.contains { $0.hasPrefix(message) }, "missing: \(message)\nin:\n\(messages.joined(separator: "\n"))")
            }
        }
    }

    @Test("YAML floats as yaml.v2 reads them for `value`")
    func yamlFloats() throws {
        let file = try RuleTestFile.parse("""
            tests:
              - promql_expr_test:
                  - expr: '1'
                    exp_samples: [{value: 0x10}, {value: -.inf}, {value: 1_000}, {value: 010}, {value: 1.}, {value: ~}]
            """)
        #expect(file.tests[0].promqlExprTests[0].expectedSamples.map(\.value) == [16, -.infinity, 1000, 8, 1, 0])
    }
}
