import SondeCore
import SondeRules
import Testing

@Suite("Rule files")
struct RuleFileTests {
    @Test("a Prometheus rule file: groups, recording and alerting rules, durations, labels, annotations")
    func valid() throws {
        let file = try RuleFile.parse("""
            groups:
              - name: host
                interval: 30s
                rules:
                  - record: instance:cpu:rate5m
                    expr: sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))
                  - alert: HighCPU
                    expr: host_cpu_utilization_percent > 80
                    for: 5m
                    keep_firing_for: 1m
                    labels: {severity: warning}
                    annotations:
                      summary: 'CPU at {{ $value }}% on {{ $labels.instance }}'
              - name: empty
                rules: []
            """, path: "host.yaml")
        #expect(file.groups.map(\.name) == ["host", "empty"])
        #expect(file.groups[0].intervalMilliseconds == 30_000)
        let rules = file.groups[0].rules
        #expect(rules.map(\.name) == ["instance:cpu:rate5m", "HighCPU"])
        guard case .alerting(_, let forDuration, let keepFiring, let annotations) = rules[1].kind else {
            Issue.record("not an alert")
            return
        }
        #expect(forDuration == 300_000 && keepFiring == 60_000)
        #expect(annotations["summary"] == "CPU at {{ $value }}% on {{ $labels.instance }}")
        #expect(rules[1].labels == ["severity": "warning"])
        #expect(rules[1].position.line == 7)
    }

    @Test("every problem is reported with file, line, column and rule")
    func problems() {
        let text = """
            groups:
              - name: a
                rules:
                  - alert: Broken
                    expr: rate(http_requests_total) > 1
                  - record: bad-name
                    expr: up
                    for: 5m
                  - expr: up
                  - alert: X
                    record: y
                    expr: up
                  - alert: Dur
                    expr: up == 0
                    for: soon
                    labels: {1bad: x}
                    severity: high
              - name: a
            """
        do {
            _ = try RuleFile.parse(text, path: "r.yaml")
            Issue.record("accepted a broken file")
        } catch {
            let messages = error.errors.map(\.description)
            let expected = [
                #"r.yaml:5:20: group "a", rule 1 (Broken): expr: expected type range vector in call to function "rate", got instant vector"#,
                "r.yaml:6:17: group \"a\", rule 2 (bad-name): invalid recording rule name: bad-name",
                "r.yaml:8:14: group \"a\", rule 2 (bad-name): invalid field 'for' in recording rule",
                "r.yaml:9:9: group \"a\", rule 3: one of 'record' or 'alert' must be set",
                "r.yaml:10:9: group \"a\", rule 4 (y): only one of 'record' and 'alert' must be set",
                "r.yaml:17:9: a rule: unknown field \"severity\"",
                "r.yaml:15:14: group \"a\", rule 5 (Dur): for: invalid duration \"soon\"",
                "r.yaml:16:18: group \"a\", rule 5 (Dur): labels: invalid label name \"1bad\"",
                "r.yaml:18:5: groupname: \"a\" is repeated in the same file",
            ]
            for message in expected {
                #expect(messages.contains { $0.hasPrefix(message) }, "missing: \(message)\nin:\n\(messages.joined(separator: "\n"))")
            }
        }
    }

    @Test("a problem inside a quoted value with escaped line breaks is put at the value's start, inside the file")
    func quotedMultiLineValue() {
        // The value's text has five lines (from `\n` escapes) on one line of the file; found by the
        // `rulefiles` fuzz harness, which saw an error placed past the file's last line.
        let text = #"""
            groups:
              - name: a
                rules:
                  - alert: Quoted
                    expr: up == 0
                    annotations:
                      summary: "one\ntwo\nthree\nfour\n{{ if }}"
            """#
        do {
            _ = try RuleFile.parse(text, path: "q.yaml")
            Issue.record("accepted a broken template")
        } catch {
            #expect(error.errors.map(\.line) == [7], "\(error)")
            #expect(error.errors.first?.column == 20, "\(error)")
        }
    }

    @Test("a multi-line expression's error names the line inside the block")
    func blockScalar() {
        let text = """
            groups:
              - name: a
                rules:
                  - alert: Multi
                    expr: |
                      sum(rate(x[5m]))
                        / sum(rate(y))
            """
        do {
            _ = try RuleFile.parse(text, path: "m.yaml")
            Issue.record("accepted a broken expression")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors.first?.line == 7, "\(error)")
        }
    }

    @Test("not a rule file: a clear error, no crash")
    func garbage() {
        for text in ["groups: 5", "[1, 2]", "groups:\n  - rules: {a: b}", ": : :", "groups:\n  - name: x\n    rules:\n      - 7"] {
            #expect(throws: RuleFileErrors.self, "\(text)") { try RuleFile.parse(text) }
        }
    }
}

@Suite("Rule files: templates")
struct RuleFileTemplateTests {
    @Test("label and annotation templates of alerting rules are checked, with the value's position")
    func templateErrors() {
        let text = """
            groups:
              - name: t
                rules:
                  - alert: Q
                    expr: up == 0
                    labels:
                      team: '{{ $labels.team | nosuch }}'
                    annotations:
                      summary: "{{ query \\"up\\" }}"
                      description: |
                        fine {{ $value }}
                        broken {{ if }}
                  - record: r
                    expr: up
                    labels:
                      x: '{{ not checked for recording rules'
            """
        do {
            _ = try RuleFile.parse(text, path: "t.yaml")
            Issue.record("accepted broken templates")
        } catch {
            let messages = error.errors.map(\.description)
            #expect(messages.count == 3, "\(messages)")
            let expected = [
                #"t.yaml:7:36: group "t", rule 1 (Q): label "team": template: function "nosuch" not defined"#,
                #"t.yaml:9:24: group "t", rule 1 (Q): annotation "summary": template: function "query" is not supported"#,
                // A block scalar: columns within its text, without the indentation (as for expressions).
                #"t.yaml:12:14: group "t", rule 1 (Q): annotation "description": template: missing value for if"#,
            ]
            for message in expected {
                #expect(messages.contains { $0.hasPrefix(message) }, "missing: \(message)\nin:\n\(messages.joined(separator: "\n"))")
            }
        }
    }
}
