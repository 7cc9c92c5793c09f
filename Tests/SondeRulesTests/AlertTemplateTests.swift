import SondeRules
import Testing

@Suite("Alert templates")
struct AlertTemplateTests {
    static let oracleData = AlertTemplateData(
        labels: ["__name__": "m", "instance": "db-1:5432", "job": "postgres"], value: 1,
        externalLabels: ["cluster": "eu1"], externalURL: "http://sonde.example:9090/prefix/path?x=1")

    @Test("renders every case exactly as promtool 2.42 did (AlertTemplateOracle.swift)")
    func oracle() {
        var failures: [String] = []
        for (template, valueText, expected) in alertTemplateOracle {
            var data = Self.oracleData
            guard let value = Double(valueText) else {
                Issue.record("bad value \(valueText)")
                continue
            }
            data.value = value
            let rendered: String?
            do {
                rendered = try AlertTemplate.parse(template).render(data)
            } catch {
                rendered = nil
            }
            if rendered != expected {
                failures.append("\(template.debugDescription) with \(valueText): got \(rendered.debugDescription), Prometheus \(expected.debugDescription)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(alertTemplateOracle.count) differ:\n\(failures.prefix(40).joined(separator: "\n"))")
        #expect(alertTemplateOracle.count > 700)
    }

    @Test("typical annotations from rule files")
    func typical() throws {
        let data = AlertTemplateData(labels: ["instance": "web-1", "mountpoint": "/var"], value: 0.0731)
        let cases: [(String, String)] = [
            ("Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} free",
             "Filesystem /var on web-1 has 7.31% free"),
            ("{{ printf \"%.1f\" $value }}", "0.1"),
            ("{{- if gt $value 0.05 -}}\n  high\n{{- else -}}\n  low\n{{- end }}", "high"),
            ("{{ with $labels.instance }}on {{ . }}{{ end }}", "on web-1"),
        ]
        for (template, expected) in cases {
            #expect(try AlertTemplate.parse(template).render(data) == expected, "\(template)")
        }
    }

    @Test("externalURL and pathPrefix read the configured URL")
    func externalURLFunctions() throws {
        let data = AlertTemplateData(labels: [:], value: 0, externalURL: "https://alerts.example/sonde%20x/?q=1")
        #expect(try AlertTemplate.parse("{{ externalURL }}|{{ pathPrefix }}").render(data) == "https://alerts.example/sonde%20x/?q=1|/sonde x/")
    }

    @Test("parse errors name the problem and its position", arguments: [
        ("{{ query \"up\" }}", 1, 4, "function \"query\" is not supported"),
        ("x {{ $value | first }}", 1, 15, "function \"first\" is not supported"),
        ("{{ nosuch 1 }}", 1, 4, "function \"nosuch\" not defined"),
        ("{{ $nope }}", 1, 4, "undefined variable \"$nope\""),
        ("{{ if }}x{{ end }}", 1, 7, "missing value for if"),
        ("a{{ end }}", 1, 5, "unexpected {{end}}"),
        ("{{ else }}", 1, 4, "unexpected {{else}}"),
        ("{{ \"abc }}", 1, 4, "unterminated quoted string"),
        ("{{ if true }}x", 1, 15, "unexpected EOF, expected {{end}} for the {{if}} at 1:1"),
        ("{{/* x }}", 1, 1, "unclosed comment"),
        ("{{/* x */ }}", 1, 10, "comment ends before closing delimiter"),
        ("{{ 1 | 2 }}", 1, 8, "non executable command in pipeline stage 2"),
        ("first\nsecond {{ humanize }", 2, 20, "unexpected \"}\""),
        ("first\nsecond {{ humanize", 2, 8, "unclosed action"),
        ("{{ template \"x\" }}", 1, 4, "{{template}} is not supported"),
        ("{{ (1 }}", 1, 7, "unclosed left paren"),
        ("{{ $x := 1 }}{{ if true }}{{ $y := 2 }}{{ end }}{{ $y }}", 1, 52, "undefined variable \"$y\""),
        ("{{ .Labels. }}", 1, 11, "unexpected"),
        ("{{ 12ab }}", 1, 4, "bad number syntax"),
    ])
    func parseErrors(_ template: String, _ line: Int, _ column: Int, _ message: String) {
        do {
            _ = try AlertTemplate.parse(template)
            Issue.record("parsed \(template.debugDescription)")
        } catch {
            #expect(error.code == .parse)
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.line == line && error.column == column, "\(error) for \(template.debugDescription)")
        }
    }

    @Test("render errors: Go's type rules for comparisons and function arguments")
    func renderErrors() throws {
        let data = AlertTemplateData(labels: ["a": "x"], value: 90)
        for template in ["{{ if gt $value 80 }}x{{ end }}", "{{ toUpper $value }}", "{{ humanize $labels }}",
                         "{{ reReplaceAll \"(\" \"\" \"x\" }}", "{{ 1 2 }}", "{{ $labels.a.b }}", "{{ range $value }}{{ end }}"] {
            let parsed = try AlertTemplate.parse(template)
            #expect(throws: AlertTemplateError.self, "\(template)") { try parsed.render(data) }
        }
        #expect(try AlertTemplate.parse("{{ if gt $value 80.0 }}hot{{ end }}").render(data) == "hot")
    }

    @Test("text without actions renders unchanged; a lone brace is text")
    func plainText() throws {
        for text in ["", "plain", "a { b } c", "}}", "{ {", "x}"] {
            let parsed = try AlertTemplate.parse(text)
            #expect(try parsed.render(AlertTemplateData(labels: [:], value: 0)) == text, "\(text)")
        }
    }

    @Test("seeded random templates: no crash, errors inside the text, rendering deterministic")
    func seededFuzz() {
        var random = SplitMix64(seed: 0x5EED_7E57)
        let pieces = [
            "text ", "{{ ", " }}", "{{- ", " -}}", "$value", "$labels.instance", ".Labels.job", "humanize", "printf \"%.2f\" ",
            "if", "else", "end", "range", "with", "$x := ", "$k, $v := ", "(", ")", "|", "\"str\"", "1.5", "-3", "eq", "gt",
            "and", "or", "not", "len", "index", "toUpper", "reReplaceAll \"a(.)\" \"$1\" ", "{{/* c */}}", "\n", "$", ".",
            "humanizeDuration", "title", "printf \"%d %s %v\"", "$labels", "0x1F", "1e3", "`raw`", "nil", "true",
        ]
        let data = AlertTemplateData(labels: ["instance": "a:1", "job": "j"], value: 42.5, externalLabels: ["c": "d"])
        var parsedCount = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 12) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            do {
                let template = try AlertTemplate.parse(text)
                parsedCount += 1
                let first = Result { () throws(AlertTemplateError) -> String in try template.render(data) }
                let second = Result { () throws(AlertTemplateError) -> String in try template.render(data) }
                #expect(first == second, "\(text.debugDescription) renders differently twice")
                if case .failure(let error) = first {
                    #expect(error.code == .render && error.line >= 1 && error.column >= 1)
                }
            } catch {
                #expect(error.offset >= 0 && error.offset <= text.utf8.count, "\(error) outside \(text.debugDescription)")
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
        #expect(parsedCount > 1000, "the generator should produce valid templates too")
    }
}

/// A small deterministic generator, so a failing case reproduces.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
