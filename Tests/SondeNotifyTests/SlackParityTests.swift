import Foundation
import Logging
import SondeCore
import SondeNet
import SondeNotify
import SondeTestSupport
import Testing

/// Slack messages from a real Alertmanager 0.25 and from sonde, for the same alerts, configuration
/// and template files: the same JSON, Alertmanager's default templates and an operator's own.
@Suite("Slack parity with Alertmanager", .exclusiveMachineUse)
struct SlackParityTests {
    static let operatorTemplates = #"""
    {{ define "ops.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} on {{ .GroupLabels.SortedPairs.Values | join ", " }}{{ end }}
    {{ define "ops.text" }}{{ range .Alerts }}*{{ .Labels.instance }}* {{ .Annotations.summary }}
    {{ range (.Labels.Remove (stringSlice "alertname" "instance")).SortedPairs }}  • {{ .Name }}: `{{ .Value }}`
    {{ end }}since {{ .StartsAt.Format "2006-01-02" }} (ends zero: {{ .EndsAt.IsZero }}) <{{ .GeneratorURL }}|graph>
    {{ end }}{{ end }}
    """#

    static func config(hookPort: Int, templateFile: String) -> String {
        """
        global:
          slack_api_url: 'http://127.0.0.1:\(hookPort)/global'
        templates: ['\(templateFile)']
        route:
          receiver: plain
          group_by: [alertname]
          group_wait: 1s
          group_interval: 1h
          routes:
            - matchers: ['team="ops"']
              receiver: ops
              continue: true
        receivers:
          - name: plain
            slack_configs: [{channel: '#alerts'}]
          - name: ops
            slack_configs:
              - api_url: 'http://127.0.0.1:\(hookPort)/ops'
                channel: '#ops-{{ .CommonLabels.severity }}'
                username: 'sonde on {{ .GroupLabels.alertname }}'
                title: '{{ template "ops.title" . }}'
                title_link: '{{ .ExternalURL }}/alerts'
                text: '{{ template "ops.text" . }}'
                color: '{{ if eq .CommonLabels.severity "critical" }}#ff0000{{ else }}warning{{ end }}'
                footer: 'receiver {{ .Receiver }}'
                pretext: 'Heads up & <b>read</b>'
                icon_emoji: ':fire:'
                link_names: true
                mrkdwn_in: [text, title]
        """
    }

    static let alerts: [(labels: [String: String], annotations: [String: String])] = [
        (["alertname": "HighCPU", "instance": "web-1", "job": "node", "severity": "critical", "team": "ops"], ["summary": "CPU high on web-1"]),
        (["alertname": "HighCPU", "instance": "web-2", "job": "node", "severity": "critical", "team": "ops"], ["summary": "CPU \"high\" on web-2"]),
        (["alertname": "DiskFull", "instance": "db-1", "job": "node", "severity": "warning"], ["summary": "disk", "runbook": "https://wiki/disk?x=1&y=<2>"]),
        (["alertname": "ProbeDown", "instance": "https://shop.example/health", "job": "probe", "severity": "critical", "team": "ops"], ["summary": "down\nreally"]),
    ]

    @Test("default and operator templates render the same Slack messages as Alertmanager")
    func slackMessages() async throws {
        let folder = TestFiles.makeDirectory("sonde-slack-parity")
        defer { TestFiles.removeTree(folder) }
        let templateFile = folder + "/ops.tmpl"
        TestFiles.append(templateFile, Self.operatorTemplates)
        try await LoopbackServer.with(script: webhookRecorderScript) { hook in
            let configText = Self.config(hookPort: hook.port, templateFile: templateFile)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let startsAt = now - 60_000
            let expected = try Self.sondeMessages(configText, startsAt: startsAt, now: now)
            try await AlertmanagerServer.with(config: configText) { alertmanager in
                let received = try await AlertmanagerParityTests.post(
                    Self.alerts, startsAt: startsAt, endsAt: nil, to: alertmanager, awaiting: expected.count, at: hook)
                #expect(received.count == expected.count, "\(received.count) of \(expected.count) arrived\n\(alertmanager.log)")
                let theirs = received.map { $0.path + " " + Self.normalized($0.body) }.sorted()
                let ours = expected.map { $0.path + " " + Self.normalized($0.body) }.sorted()
                #expect(ours.count == 3, "DiskFull for plain (the defaults); HighCPU and ProbeDown for ops (its templates)")
                #expect(ours.contains { $0.contains(#""title":"[FIRING:2] HighCPU on HighCPU""#) })
                for (alertmanagerMessage, sondeMessage) in zip(theirs, ours) {
                    #expect(alertmanagerMessage == sondeMessage)
                }
            }
        }
    }

    static func sondeMessages(_ configText: String, startsAt: Int64, now: Int64) throws -> [(path: String, body: String)] {
        let config = try AlertmanagerConfig.parse(configText)
        let templates = try NotificationTemplates.load(config.templates, baseDirectory: nil)
        return try AlertmanagerParityTests.groups(config, alerts: alerts, startsAt: startsAt, endsAt: nil, now: now).map { (group) throws -> (path: String, body: String) in
            let slack = try #require(group.receiver.slack.first)
            let data = NotificationData(receiver: group.receiver.name, groupLabels: group.labels, alerts: group.alerts, externalURL: AlertmanagerServer.externalURL, now: now)
            var failures: [String] = []
            let body = SlackMessage.json(slack, data: data, templates: templates, failures: &failures)
            #expect(failures.isEmpty)
            let path = String(try #require(slack.apiURL?.value.split(separator: "/").last))
            return ("/" + path, body)
        }
    }

    /// Go's escaping of < > & undone, and its trailing newline.
    static func normalized(_ body: String) -> String {
        body.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\\u003c", with: "<").replacingOccurrences(of: "\\u003e", with: ">").replacingOccurrences(of: "\\u0026", with: "&")
    }
}

@Suite("Slack messages")
struct SlackMessageTests {
    static func data(_ count: Int = 1, summary: String = "disk") -> NotificationData {
        let alerts = (0..<count).map { index in
            NotifyAlert(
                labels: Labels([Label("alertname", "DiskFull"), Label("instance", "db-\(index)")]), annotations: ["summary": summary],
                startsAt: 1_000, endsAt: nil, updatedAt: 2_000, generatorURL: "http://g")
        }
        return NotificationData(receiver: "ops", groupLabels: Labels([Label("alertname", "DiskFull")]), alerts: alerts, externalURL: "http://sonde:9733", now: 2_000)
    }

    @Test("Alertmanager's default templates name every default Slack and SNS field")
    func defaultsLoad() {
        let names = Set(NotificationTemplates.defaults.set.names)
        for name in ["slack.default.title", "slack.default.username", "slack.default.fallback", "slack.default.titlelink", "slack.default.text",
                     "sns.default.subject", "sns.default.message", "__subject", "__text_alert_list"] {
            #expect(names.contains(name), "\(name)")
        }
    }

    @Test("the default message: title, link, fallback, colour; empty optional keys left out")
    func defaults() throws {
        let config = try AlertmanagerConfig.parse("route: {receiver: ops}\nreceivers: [{name: ops, slack_configs: [{api_url: 'http://127.0.0.1:1/x'}]}]")
        var failures: [String] = []
        let json = SlackMessage.json(try #require(config.receivers.first?.slack.first), data: Self.data(), templates: .defaults, failures: &failures)
        #expect(failures.isEmpty)
        #expect(json == #"{"username":"Alertmanager","attachments":[{"title":"[FIRING:1] DiskFull (db-0)","title_link":"http://sonde:9733/#/alerts?receiver=ops","text":"","fallback":"[FIRING:1] DiskFull (db-0) | http://sonde:9733/#/alerts?receiver=ops","callback_id":"","footer":"","color":"danger","mrkdwn_in":["fallback","pretext","text"]}]}"#)
    }

    @Test("a title over 1,024 characters is cut with an ellipsis")
    func longTitle() throws {
        let config = try AlertmanagerConfig.parse(
            "route: {receiver: ops}\nreceivers: [{name: ops, slack_configs: [{api_url: 'http://127.0.0.1:1/x', title: '{{ .CommonAnnotations.summary }}'}]}]")
        var failures: [String] = []
        let json = SlackMessage.json(try #require(config.receivers.first?.slack.first), data: Self.data(summary: String(repeating: "é", count: 2000)), templates: .defaults, failures: &failures)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let title = try #require(((object["attachments"] as? [[String: Any]])?.first?["title"]) as? String)
        #expect(title.unicodeScalars.count == 1024)
        #expect(title.hasSuffix("é…"))
    }

    @Test("a template that fails at run time falls back to the default for that field, and is reported")
    func failingTemplate() throws {
        let config = try AlertmanagerConfig.parse(
            "route: {receiver: ops}\nreceivers: [{name: ops, slack_configs: [{api_url: 'http://127.0.0.1:1/x', title: '{{ index .Alerts 5 }}', text: 'ok'}]}]")
        var failures: [String] = []
        let json = SlackMessage.json(try #require(config.receivers.first?.slack.first), data: Self.data(), templates: .defaults, failures: &failures)
        #expect(json.contains(#""title":"[FIRING:1] DiskFull (db-0)""#))
        #expect(json.contains(#""text":"ok""#))
        #expect(failures.count == 1 && failures[0].hasPrefix("title: 1:"), "\(failures)")
    }
}

@Suite("Slack delivery", .exclusiveMachineUse)
struct SlackDeliveryTests {
    @Test("through the service to the api_url_file's URL; a failing field falls back to its default, logged and counted")
    func delivered() async throws {
        try await LoopbackServer.with(script: webhookRecorderScript) { hook in
            let directory = TemporaryDirectory("sonde-slack")
            defer { directory.remove() }
            TestFiles.append(directory.path + "/slack-url", "  \(hook.base)/services/T0/B0/x  \n")
            TestFiles.append(directory.path + "/ops.tmpl", #"{{ define "ops.text" }}{{ range .Alerts.Firing }}{{ .Labels.instance }} {{ end }}{{ end }}"#)
            let config = try AlertmanagerConfig.parse("""
                templates: ['ops.tmpl']
                route: {receiver: ops, group_by: [alertname], group_wait: 0s}
                receivers:
                  - name: ops
                    slack_configs: [{api_url_file: '\(directory.path)/slack-url', channel: '#ops', text: '{{ template "ops.text" . }}', footer: '{{ index .Alerts 9 }}'}]
                """)
            let templates = try NotificationTemplates.load(config.templates, baseDirectory: directory.path)
            let service = try NotifyService(
                config: config, dataDirectory: directory.path + "/data", externalURL: "http://127.0.0.1:9733", templates: templates,
                clock: SystemClock(), logger: Logger(label: "test"))
            let now = SystemClock().wallMilliseconds
            service.receive(["web-1", "web-2"].map { instance in
                NotifyAlert(labels: Labels([Label("alertname", "HighCPU"), Label("instance", instance)]), annotations: [:], startsAt: now - 1000,
                            endsAt: now + 600_000, updatedAt: now)
            })
            let running = Task { await service.run() }
            var received: [(path: String, body: String)] = []
            for _ in 0..<250 where received.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
                received = await AlertmanagerParityTests.received(hook)
            }
            running.cancel()
            await running.value
            let message = try #require(received.first)
            #expect(received.count == 1)
            #expect(message.path == "/services/T0/B0/x")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any])
            #expect(object["channel"] as? String == "#ops")
            let attachment = try #require((object["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["text"] as? String == "web-1 web-2 ")
            #expect(attachment["title"] as? String == "[FIRING:2] HighCPU ")
            #expect(attachment["footer"] as? String == "", "the default footer, empty")
            let metrics = service.selfMetrics(now: now)
            #expect(metrics.contains { $0.0[Labels.metricNameLabel] == "sonde_notify_template_errors_total" && $0.0["integration"] == "slack" && $0.1 == 1 })
            #expect(metrics.contains { $0.0[Labels.metricNameLabel] == "sonde_notifications_total" && $0.0["integration"] == "slack" && $0.1 == 1 })
        }
    }
}
