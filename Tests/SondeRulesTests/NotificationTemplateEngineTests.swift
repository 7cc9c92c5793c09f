import SondeRules
import Testing

/// The Go template language as Alertmanager's notification templates use it: named templates,
/// `template.KV` and `template.Alerts` methods, times, and its function map. The defaults
/// themselves are rendered against the real Alertmanager in SondeNotifyTests.
@Suite("Notification template engine")
struct NotificationTemplateEngineTests {
    static func alert(_ status: String, _ labels: [String: String], startsAt: Int64 = 1_700_000_000_123) -> TemplateValue {
        .record(TemplateRecord(type: "template.Alert", fields: [
            .init("Status", .string(status)),
            .init("Labels", .kv(labels)),
            .init("Annotations", .kv(["summary": "s-" + (labels["instance"] ?? "")])),
            .init("StartsAt", .time(startsAt)),
            .init("EndsAt", .time(GoFormat.zeroTimeMilliseconds)),
        ]))
    }

    static let data = TemplateValue.record(TemplateRecord(type: "template.Data", fields: [
        .init("Receiver", .string("ops team")),
        .init("Status", .string("firing")),
        .init("Alerts", .list([
            alert("firing", ["alertname": "HighCPU", "instance": "web-1"]),
            alert("resolved", ["alertname": "HighCPU", "instance": "web-2"]),
            alert("firing", ["alertname": "HighCPU", "instance": "web-3"]),
        ], .alerts)),
        .init("GroupLabels", .kv(["alertname": "HighCPU", "job": "node"])),
        .init("CommonLabels", .kv(["zone": "b", "alertname": "HighCPU", "job": "node", "Zeta": "1"])),
        .init("ExternalURL", .string("http://sonde:9733")),
    ]))

    static func render(_ text: String, definitions: String = "") throws(AlertTemplateError) -> String {
        var set = TemplateSet(dialect: .alertmanager)
        if !definitions.isEmpty { try set.add(definitions, name: "test.tmpl") }
        return try set.render(text, data: data)
    }

    @Test("define, template and block, with dot passed or not", arguments: [
        (#"{{ define "a" }}<{{ .Receiver }}>{{ end }}{{ template "a" . }}"#, "<ops team>"),
        (#"{{ define "a" }}<{{ . }}>{{ end }}{{ template "a" }}"#, "<<no value>>"),
        (#"{{ block "b" .Status }}[{{ . }}]{{ end }}"#, "[firing]"),
        (#"{{ define "x" }}{{ $ }}{{ end }}{{ template "x" "arg" }}"#, "arg"),
        (#"{{ define "outer" }}({{ template "inner" . }}){{ end }}{{ define "inner" }}{{ .Status }}{{ end }}{{ template "outer" . }}"#, "(firing)"),
    ])
    func namedTemplates(text: String, expected: String) throws {
        #expect(try Self.render(text) == expected)
    }

    @Test("a file's definitions are used by a field, and a later file replaces an earlier definition")
    func definitionsAcrossFiles() throws {
        var set = TemplateSet(dialect: .alertmanager)
        try set.add(#"{{ define "greeting" }}hello {{ .Receiver }}{{ end }}"#, name: "one.tmpl")
        try set.add(#"{{ define "greeting" }}hi {{ .Receiver }}{{ end }}{{ define "empty" }}{{ end }}"#, name: "two.tmpl")
        #expect(set.names == ["empty", "greeting"])
        #expect(try set.render(#"{{ template "greeting" . }}!"#, data: Self.data) == "hi ops team!")
        #expect(try set.execute("greeting", data: Self.data) == "hi ops team")
    }

    @Test("template.KV: SortedPairs puts alertname first, then byte order; Names, Values, Remove")
    func keyValueMethods() throws {
        #expect(try Self.render("{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }};{{ end }}") == "alertname=HighCPU;Zeta=1;job=node;zone=b;")
        #expect(try Self.render(#"{{ .CommonLabels.Names | join "," }}"#) == "alertname,Zeta,job,zone")
        #expect(try Self.render(#"{{ .GroupLabels.SortedPairs.Values | join " " }}"#) == "HighCPU node")
        #expect(try Self.render(#"{{ (.CommonLabels.Remove .GroupLabels.Names).Names | join "," }}"#) == "Zeta,zone")
        #expect(try Self.render(#"{{ (.CommonLabels.Remove (stringSlice "zone" "Zeta")).SortedPairs.Names }}"#) == "[alertname job]")
        #expect(try Self.render("{{ .CommonLabels.job }}|{{ index .CommonLabels \"zone\" }}|{{ len .CommonLabels }}") == "node|b|4")
    }

    @Test("template.Alerts: Firing and Resolved, len and range")
    func alertsMethods() throws {
        #expect(try Self.render("{{ .Alerts.Firing | len }}/{{ len .Alerts.Resolved }}/{{ len .Alerts }}") == "2/1/3")
        #expect(try Self.render("{{ range .Alerts.Firing }}{{ .Labels.instance }} {{ end }}") == "web-1 web-3 ")
        #expect(try Self.render("{{ range $i, $a := .Alerts.Resolved }}{{ $i }}:{{ $a.Annotations.summary }}{{ end }}") == "0:s-web-2")
        #expect(try Self.render("{{ if .Alerts.Resolved }}some{{ end }}") == "some")
    }

    @Test("times: Go's layouts, Unix, IsZero and the zero time")
    func times() throws {
        let first = "{{ with index .Alerts 0 }}"
        #expect(try Self.render(first + #"{{ .StartsAt.Format "2006-01-02T15:04:05.000Z07:00" }}{{ end }}"#) == "2023-11-14T22:13:20.123Z")
        #expect(try Self.render(first + #"{{ .StartsAt.Format "Mon Jan _2 3:04PM" }}{{ end }}"#) == "Tue Nov 14 10:13PM")
        #expect(try Self.render(first + "{{ .StartsAt.Unix }} {{ .StartsAt.UnixMilli }}{{ end }}") == "1700000000 1700000000123")
        #expect(try Self.render(first + "{{ .EndsAt.IsZero }} {{ .StartsAt.IsZero }}{{ end }}") == "true false")
        #expect(try Self.render(first + "{{ .EndsAt }}{{ end }}") == "0001-01-01 00:00:00 +0000 UTC")
    }

    @Test("Alertmanager's functions", arguments: [
        (#"{{ .Status | toUpper }} {{ "A B" | toLower }} {{ title "hello world" }}"#, "FIRING a b Hello World"),
        (#"{{ reReplaceAll "(web)-(\\d)" "$2-$1" "web-1 web-2" }}"#, "1-web 2-web"),
        (#"{{ if match "^ops" .Receiver }}yes{{ end }}"#, "yes"),
        (#"{{ .Receiver | urlquery }}"#, "ops+team"),
        (#"{{ stringSlice "a" "b" | join "+" }}"#, "a+b"),
        (#"{{ printf "%s/%d" .Receiver (len .Alerts) }}"#, "ops team/3"),
    ])
    func functions(text: String, expected: String) throws {
        #expect(try Self.render(text) == expected)
    }

    @Test("errors name the problem and where", arguments: [
        (#"{{ template "nosuch" . }}"#, "no such template \"nosuch\""),
        (#"{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}"#, "multiple definition of template \"a\""),
        (#"{{ if true }}{{ define "a" }}x{{ end }}{{ end }}"#, "allowed only at the top level"),
        (#"{{ define "a" }}{{ .Receiver }}{{ end }}{{ template "a" }}"#, "nil pointer evaluating interface {}.Receiver"),
        ("{{ humanize 1 }}", "function \"humanize\" not defined"),
        ("{{ .CommonLabels.SortedPairs.Nope }}", "Nope"),
        (#"{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" . }}"#, "exceeded maximum template depth"),
    ])
    func errors(text: String, fragment: String) {
        do {
            let output = try Self.render(text)
            Issue.record("rendered \(output.debugDescription)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test("alert templates still refuse define and template, as Prometheus does")
    func alertTemplatesRefuseDefinitions() {
        #expect(throws: AlertTemplateError.self) { try AlertTemplate.parse(#"{{ define "a" }}x{{ end }}"#) }
        #expect(throws: AlertTemplateError.self) { try AlertTemplate.parse(#"{{ template "a" . }}"#) }
    }
}
