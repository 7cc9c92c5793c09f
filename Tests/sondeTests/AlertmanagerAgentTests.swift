import Foundation
import SondeTestSupport
import Testing

/// amtool (Debian's Alertmanager 0.25) against a running agent: alerts from its rules with their
/// receivers and inhibitions, and silences shared with the `sonde silence` commands.
@Suite("amtool works against sonde run", .exclusiveMachineUse)
struct AlertmanagerAgentTests {
    static let rules = """
        groups:
          - name: always
            rules:
              - alert: HostDown
                expr: vector(1)
                labels: {severity: page, instance: web-1}
                annotations: {summary: "web-1 is down"}
              - alert: HighLoad
                expr: vector(1)
                labels: {severity: info, instance: web-1}
        """

    @Test("amtool alert query, silence add, query and expire, config routes")
    func amtoolAgainstTheAgent() async throws {
        let scratch = TemporaryDirectory("sonde-amtool")
        defer { scratch.remove() }
        writeFile(scratch.path + "/rules.yaml", Self.rules)
        let config = scratch.path + "/sonde.yaml"
        let data = scratch.path + "/data"
        // The webhook points at a closed port: delivery fails and retries, which must not matter here.
        writeFile(config, """
            storage: {max_bytes: 8MiB, flush_interval: 500ms}
            api: {listen: '127.0.0.1:0'}
            collectors: {host: {enabled: false}, process: {enabled: false}, systemd: {enabled: false}}
            rules: {files: ['\(scratch.path)/rules.yaml'], evaluation_interval: 1s}
            notify:
              route: {receiver: hook, group_by: [alertname], group_wait: 1s}
              inhibit_rules:
                - {source_matchers: ['severity="page"'], target_matchers: ['severity="info"'], equal: [instance]}
              receivers:
                - name: hook
                  webhook_configs: [{url: 'http://127.0.0.1:9/hook'}]
            """)
        let running = Sonde.start(["run", "--config", config, "--data-dir", data])
        defer { running.stop() }
        let address = try #require(running.listeningAddress(), "\(readFile(running.errPath))")
        let amtool = "amtool --alertmanager.url=http://\(address)"

        #expect(await waitUntil(seconds: 20) { shell("\(amtool) alert query").output.contains("HostDown") })
        let shown = shell("\(amtool) alert query")
        #expect(shown.status == 0 && shown.output.contains("web-1 is down"), "\(shown.output)")
        #expect(!shown.output.contains("HighLoad"), "inhibited alerts are hidden by default: \(shown.output)")
        let inhibited = shell("\(amtool) -o json alert query --inhibited HighLoad")
        #expect(inhibited.output.contains(#""inhibitedBy":["#) && inhibited.output.contains(#""state":"suppressed""#), "\(inhibited.output)")
        #expect(inhibited.output.contains(#""receivers":[{"name":"hook"}]"#), "\(inhibited.output)")

        let added = shell("\(amtool) silence add alertname=HostDown --comment='planned reboot' --duration=1h")
        let id = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(added.status == 0 && id.count == 36, "\(added.output)")
        #expect(Sonde.run(["silence", "list", "--data-dir", data]).stdout.contains(id), "the same silences as sonde silence")
        #expect(!shell("\(amtool) alert query").output.contains("HostDown"), "silenced alerts are hidden by default")
        #expect(shell("\(amtool) alert query --silenced").output.contains("HostDown"))
        let query = shell("\(amtool) silence query")
        #expect(query.status == 0 && query.output.contains(id) && query.output.contains("planned reboot"), "\(query.output)")

        let cli = Sonde.run(["silence", "add", "--data-dir", data, "--comment", "from the CLI", "--duration", "30m", "alertname=HighLoad"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(shell("\(amtool) silence query").output.contains("from the CLI"))

        #expect(shell("\(amtool) silence expire \(id)").status == 0)
        #expect(!shell("\(amtool) silence query").output.contains(id))
        #expect(shell("\(amtool) silence query --expired").output.contains(id))
        #expect(shell("\(amtool) alert query").output.contains("HostDown"), "unsilenced again")

        let routes = shell("\(amtool) config routes")
        #expect(routes.status == 0 && routes.output.contains("receiver: hook"), "\(routes.output)")
        let bad = shell("\(amtool) silence add 'alertname=~\"(a+)+\"' --comment=x")
        #expect(bad.status != 0 && bad.output.contains("refused"), "\(bad.output)")
    }
}
