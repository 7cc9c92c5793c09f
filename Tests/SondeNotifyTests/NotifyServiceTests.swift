import Foundation
import Logging
import SondeCore
import SondeNet
import SondeNotify
import SondeTestSupport
import Testing

/// Alerts in, webhook messages out, through the whole pipeline and a real receiver.
@Suite("Notify service", .exclusiveMachineUse)
struct NotifyServiceTests {
    func config(_ hook: LoopbackServer) throws -> AlertmanagerConfig {
        try AlertmanagerConfig.parse("""
            route: {receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 1m}
            receivers: [{name: ops, webhook_configs: [{url: '\(hook.base)/hook'}]}]
            inhibit_rules: [{source_matchers: [severity=critical], target_matchers: [severity=warning], equal: [instance]}]
            """)
    }

    func received(_ hook: LoopbackServer, atLeast count: Int) async throws -> [String] {
        var bodies: [String] = []
        for _ in 0..<250 {
            let response = try await HTTPClient().send(HTTPRequest(url: hook.base + "/_received"))
            let list = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
            bodies = list.compactMap { $0["body"] as? String }
            if bodies.count >= count { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return bodies
    }

    func alert(_ labels: [String: String], now: Int64) -> NotifyAlert {
        NotifyAlert(labels: Labels(labels.map { Label($0.key, $0.value) }), annotations: ["summary": "s"], startsAt: now - 60_000,
                    endsAt: now + 600_000, updatedAt: now)
    }

    @Test("grouped, silenced and inhibited as configured, delivered, and not announced again after a restart")
    func endToEnd() async throws {
        try await LoopbackServer.with(script: webhookRecorderScript) { hook in
            let directory = TemporaryDirectory("sonde-notify")
            defer { directory.remove() }
            let now = SystemClock().wallMilliseconds
            try SilenceFile(directory: directory.path).add(
                matchers: ["alertname=Silenced"], startsAt: now - 1000, endsAt: now + 3_600_000, createdBy: "t", comment: "quiet", now: now)
            let service = try NotifyService(config: config(hook), dataDirectory: directory.path, externalURL: "http://127.0.0.1:9733",
                                            clock: SystemClock(), logger: Logger(label: "test"))
            service.receive([
                alert(["alertname": "HighCPU", "instance": "web-1", "severity": "critical"], now: now),
                alert(["alertname": "HighCPU", "instance": "web-2", "severity": "critical"], now: now),
                alert(["alertname": "Slow", "instance": "web-1", "severity": "warning"], now: now),  // inhibited
                alert(["alertname": "Slow", "instance": "web-3", "severity": "warning"], now: now),
                alert(["alertname": "Silenced", "instance": "web-4"], now: now),
            ])
            let running = Task { await service.run() }
            let bodies = try await received(hook, atLeast: 2)
            try await Task.sleep(for: .milliseconds(300))
            let all = try await received(hook, atLeast: 2)
            running.cancel()
            await running.value
            #expect(bodies.count == 2 && all.count == 2, "\(all)")
            let messages = all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let byKey = Dictionary(uniqueKeysWithValues: messages.map { (($0["groupKey"] as? String) ?? "", $0) })
            let cpu = try #require(byKey[#"{}:{alertname="HighCPU"}"#])
            #expect((cpu["alerts"] as? [[String: Any]])?.count == 2 && cpu["receiver"] as? String == "ops" && cpu["externalURL"] as? String == "http://127.0.0.1:9733")
            let slow = try #require(byKey[#"{}:{alertname="Slow"}"#])
            #expect((slow["alerts"] as? [[String: Any]])?.compactMap { ($0["labels"] as? [String: String])?["instance"] } == ["web-3"])
            let metrics = Dictionary(service.selfMetrics(now: now).map { ($0.0.description, $0.1) }, uniquingKeysWith: { $1 })
            #expect(metrics[#"sonde_notifications_total{integration="webhook",receiver="ops"}"#] == 2)
            #expect(metrics["sonde_notify_outbox_entries"] == 0 && metrics[#"sonde_silences{state="active"}"#] == 1)

            // The agent restarts: the same alerts come from the restored rules; nothing new is said.
            let restarted = try NotifyService(config: config(hook), dataDirectory: directory.path, externalURL: "http://127.0.0.1:9733",
                                              clock: SystemClock(), logger: Logger(label: "test"))
            restarted.receive([
                alert(["alertname": "HighCPU", "instance": "web-1", "severity": "critical"], now: now + 1000),
                alert(["alertname": "HighCPU", "instance": "web-2", "severity": "critical"], now: now + 1000),
            ])
            restarted.dispatch(now: now + 1000)
            #expect(restarted.selfMetrics(now: now + 1000).first { $0.0.metricName == "sonde_notify_outbox_entries" }?.1 == 0)
        }
    }

    @Test("an SNS receiver with no region to be found is refused at start, naming the receiver")
    func snsWithoutRegion() throws {
        let directory = TemporaryDirectory("sonde-notify")
        defer { directory.remove() }
        let config = try AlertmanagerConfig.parse("route: {receiver: pager}\nreceivers: [{name: pager, sns_configs: [{phone_number: '+15555550100'}]}]")
        do {
            _ = try NotifyService(config: config, dataDirectory: directory.path, externalURL: "", environment: [:], clock: SystemClock(), logger: Logger(label: "t"))
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("receiver pager") && error.message.contains("no region"), "\(error.message)")
        }
    }
}
