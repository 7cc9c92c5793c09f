import Foundation
import SondeNet
import SondeTestSupport
import Testing

/// Notifications from a real `sonde run`: an alert from its rules reaches a real webhook receiver,
/// survives a kill -9 while undelivered, is not announced twice, and resolves.
@Suite("Notifications from the running agent", .exclusiveMachineUse)
struct NotifyAgentTests {
    static func config(statsd: Int, rules: String, hook: String) -> String {
        """
        storage: {max_bytes: 8MiB, flush_interval: 200ms}
        collectors:
          host: {enabled: false}
          process: {enabled: false}
          systemd: {enabled: false}
          statsd: {listen: '127.0.0.1:\(statsd)'}
        rules:
          files: ['\(rules)/*.yaml']
          evaluation_interval: 1s
        notify:
          route: {receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 2s, repeat_interval: 1h}
          receivers:
            - name: hook
              webhook_configs: [{url: '\(hook)/hook'}]
        """
    }

    static let rules = """
        groups:
          - name: test
            rules:
              - alert: TestValueHigh
                expr: test_value > 0
                labels: {severity: warning}
                annotations: {summary: "value is {{ $value }}"}
        """

    func messages(_ hook: LoopbackServer) async -> [[String: Any]] {
        guard let response = try? await HTTPClient().send(HTTPRequest(url: hook.base + "/_received")),
            let list = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]
        else { return [] }
        return list.compactMap { ($0["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
    }

    func waitForMessages(_ hook: LoopbackServer, count: Int, seconds: Int = 20) async -> [[String: Any]] {
        var received: [[String: Any]] = []
        for _ in 0..<(seconds * 10) {
            received = await messages(hook)
            if received.count >= count { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return received
    }

    @Test("firing reaches the webhook once, through a kill -9 before delivery, and resolved follows")
    func firingThroughKill() async throws {
        // The receiver refuses the first two attempts, so the first agent is killed with the
        // notification still in its outbox.
        try await LoopbackServer.with(script: webhookRecorderScript, arguments: ["fail=2"]) { hook in
            let scratch = TemporaryDirectory("sonde-notify-agent")
            defer { scratch.remove() }
            let rulesDirectory = scratch.path + "/rules"
            mkdir(rulesDirectory, 0o755)
            writeFile(rulesDirectory + "/test.yaml", Self.rules)
            let config = scratch.path + "/sonde.yaml"
            let data = scratch.path + "/data"
            let port = TestNetwork.freeLoopbackPort()
            writeFile(config, Self.config(statsd: port, rules: rulesDirectory, hook: hook.base))
            #expect(Sonde.run(["check", "--config", config]).status == 0)

            let first = Sonde.start(["run", "--config", config, "--data-dir", data])
            #expect(waitForFile(first.errPath, containing: "notify ready"), "\(readFile(first.errPath))")
            RulesAgentTests().send("test_value:5|g", port: port)
            #expect(waitForFile(first.errPath, containing: "notification not delivered; retrying"), "\(readFile(first.errPath))")
            kill(first.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(first.pid, &status, 0)
            _ = first.finish(status: status)
            #expect(await messages(hook).isEmpty)

            let second = Sonde.start(["run", "--config", config, "--data-dir", data])
            let firing = await waitForMessages(hook, count: 1)
            #expect(firing.count == 1, "\(readFile(second.errPath))")
            #expect(firing.first?["status"] as? String == "firing" && firing.first?["groupKey"] as? String == #"{}:{alertname="TestValueHigh"}"#)
            let alert = (firing.first?["alerts"] as? [[String: Any]])?.first
            #expect((alert?["labels"] as? [String: String])?["severity"] == "warning")
            #expect((alert?["annotations"] as? [String: String])?["summary"] == "value is 5")
            // Still firing, rounds later: nothing more to say.
            try await Task.sleep(for: .seconds(3))
            #expect(await messages(hook).count == 1)

            RulesAgentTests().send("test_value:0|g", port: port)
            let resolved = await waitForMessages(hook, count: 2)
            #expect(resolved.count == 2 && resolved.last?["status"] as? String == "resolved", "\(readFile(second.errPath))")
            kill(second.pid, SIGTERM)
            waitpid(second.pid, &status, 0)
            #expect(second.finish(status: status).status == 0)
            let delivered = Sonde.run(["query", "--data-dir", data, #"sonde_notifications_total{receiver="hook"}"#, "--start", "now-5m", "--format", "csv"])
            #expect(delivered.stdout.hasSuffix(",2\n"), "the second agent delivered both: \(delivered.stdout)")
            let outbox = Sonde.run(["query", "--data-dir", data, "sonde_notify_outbox_entries", "--start", "now-5m", "--format", "csv"])
            #expect(outbox.stdout.hasSuffix(",0\n"), "\(outbox.stdout)")
        }
    }

    @Test("sonde check reads the config_file's template files beside it and names a broken template field or file")
    func checkTemplates() throws {
        let scratch = TemporaryDirectory("sonde-notify-check")
        defer { scratch.remove() }
        let config = scratch.path + "/sonde.yaml"
        writeFile(config, "notify: {config_file: '\(scratch.path)/alertmanager.yml'}\n")
        func alertmanager(text: String, template: String) {
            writeFile(scratch.path + "/alertmanager.yml", """
                templates: ['templates/*.tmpl']
                route: {receiver: chat}
                receivers: [{name: chat, slack_configs: [{api_url: 'http://127.0.0.1:1/x', text: '\(text)'}]}]
                """)
            mkdir(scratch.path + "/templates", 0o755)
            writeFile(scratch.path + "/templates/chat.tmpl", template)
        }
        alertmanager(text: #"{{ template "chat.text" . }}"#, template: #"{{ define "chat.text" }}{{ .Status }}{{ end }}"#)
        let good = Sonde.run(["check", "--config", config])
        #expect(good.status == 0, "\(good.stderr)")
        alertmanager(text: "{{ .Status | nosuch }}", template: "")
        let badField = Sonde.run(["check", "--config", config])
        #expect(badField.status == 1 && badField.stderr.contains("receiver chat: slack_configs[0].text") && badField.stderr.contains("nosuch"), "\(badField.stderr)")
        alertmanager(text: "ok", template: "\n{{ define \"x\" }}{{ if }}{{ end }}{{ end }}")
        let badFile = Sonde.run(["check", "--config", config])
        #expect(badFile.status == 1 && badFile.stderr.contains("templates/chat.tmpl:2:"), "\(badFile.stderr)")
    }

    @Test("sonde notify test follows the route (or --receiver), reaches the webhook and Slack, and says what a refusing receiver answered")
    func notifyTest() async throws {
        try await LoopbackServer.with(script: webhookRecorderScript) { hook in
            try await LoopbackServer.with(script: webhookRecorderScript, arguments: ["reject"]) { refusing in
                let scratch = TemporaryDirectory("sonde-notify-test")
                defer { scratch.remove() }
                let config = scratch.path + "/sonde.yaml"
                writeFile(config, """
                    notify:
                      route:
                        receiver: team
                        routes: [{matchers: ['severity="critical"'], receiver: pager}]
                      receivers:
                        - name: team
                          webhook_configs: [{url: '\(hook.base)/team'}]
                          slack_configs: [{api_url: '\(hook.base)/slack', channel: '#ops'}]
                        - name: pager
                          webhook_configs: [{url: '\(refusing.base)/pager'}]
                    """)
                let routed = Sonde.run(["notify", "test", "--config", config])
                #expect(routed.status == 0, "\(routed.stdout)\(routed.stderr)")
                #expect(routed.stdout.contains("team/webhook/0\tdelivered") && routed.stdout.contains("team/slack/0\tdelivered"), "\(routed.stdout)")
                let received = await messages(hook)
                #expect(received.count == 2)
                #expect(received.contains { ($0["commonLabels"] as? [String: String])?["alertname"] == "SondeTestNotification" })
                #expect(received.contains { ($0["channel"] as? String) == "#ops" })

                let critical = Sonde.run(["notify", "test", "--config", config, "--label", "severity=critical"])
                #expect(critical.status == 1)
                #expect(critical.stdout.contains("pager/webhook/0\tnot delivered: http_400: bad payload: no such channel"), "\(critical.stdout)")

                let unknown = Sonde.run(["notify", "test", "--config", config, "--receiver", "nobody"])
                #expect(unknown.status == 1 && unknown.stderr.contains("no receiver named nobody; the configuration has team, pager"), "\(unknown.stderr)")
                #expect(Sonde.run(["notify", "test", "--config", config, "--receiver", "team"]).status == 0)
                #expect(await messages(hook).count == 4)
            }
        }
    }
}
