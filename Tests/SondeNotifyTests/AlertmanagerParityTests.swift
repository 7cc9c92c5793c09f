import Foundation
import SondeCore
import SondeNet
import SondeNotify
import SondeTestSupport
import Testing

/// The same alerts and configuration through a real Alertmanager 0.25 and through sonde's routing,
/// grouping and webhook encoding: the same messages, byte for byte, times aside.
@Suite("Alertmanager parity", .exclusiveMachineUse)
struct AlertmanagerParityTests {
    static func config(hookPort: Int) -> String {
        """
        route:
          receiver: hook
          group_by: [alertname]
          group_wait: 1s
          group_interval: 1h
          routes:
            - matchers: ['severity="critical"']
              group_by: [alertname, instance]
              continue: true
              receiver: hook
            - matchers: ['team=~"db|ops"', 'severity!=info']
              receiver: everything
              group_by: ['...']
        receivers:
          - name: hook
            webhook_configs: [{url: 'http://127.0.0.1:\(hookPort)/hook', max_alerts: 2}]
          - name: everything
            webhook_configs: [{url: 'http://127.0.0.1:\(hookPort)/everything'}]
        """
    }

    static let alerts: [(labels: [String: String], annotations: [String: String])] = [
        (["alertname": "HighCPU", "instance": "web-1", "job": "node", "severity": "critical", "team": "ops"], ["summary": "CPU high on web-1"]),
        (["alertname": "HighCPU", "instance": "web-2", "job": "node", "severity": "critical", "team": "ops"], ["summary": "CPU high on web-2"]),
        (["alertname": "HighCPU", "instance": "web-3", "job": "node", "severity": "warning"], ["summary": "CPU high on web-3"]),
        (["alertname": "HighCPU", "instance": "web-4", "job": "node", "severity": "warning"], ["summary": "CPU high on web-4"]),
        (["alertname": "HighCPU", "instance": "web-0", "job": "api", "severity": "warning"], [:]),
        (["alertname": "DiskFull", "instance": "db-1", "job": "node", "severity": "warning", "team": "db"], ["summary": "disk", "runbook": "https://wiki/disk?x=1"]),
        (["alertname": "ProbeDown", "instance": "https://shop.example/health", "job": "probe", "severity": "critical"], ["summary": "down"]),
        (["alertname": #"Quote"d\name"#, "job": "odd", "severity": "info", "team": "ops"], ["note": "line one\nline two\ttab"]),
    ]

    @Test("routing, group keys, grouping, max_alerts, common labels and fingerprints are Alertmanager's")
    func webhookMessages() async throws {
        try await LoopbackServer.with(script: webhookRecorderScript) { hook in
            let configText = Self.config(hookPort: hook.port)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let startsAt = now - 60_000
            let endsAt = now + 3_600_000
            let expected = try Self.sondeMessages(configText, startsAt: startsAt, endsAt: endsAt, now: now)
            try await AlertmanagerServer.with(config: configText) { alertmanager in
                var received = try await Self.post(Self.alerts, startsAt: startsAt, endsAt: endsAt, to: alertmanager, awaiting: expected.count, at: hook)
                let arrived = received.count >= expected.count
                #expect(arrived, "\(received.count) of \(expected.count) notifications arrived\n\(alertmanager.log)")
                try await Task.sleep(for: .seconds(1))  // and no more than those
                received = await Self.received(hook)
                let fromAlertmanager = received.map { $0.path + " " + Self.timesAside($0.body) }.sorted()
                let fromSonde = expected.map { $0.path + " " + Self.timesAside($0.body) }.sorted()
                #expect(fromSonde.count == 8, "two per critical HighCPU, three single ones, one root group of three cut to two, DiskFull")
                #expect(fromAlertmanager.count == fromSonde.count)
                #expect(fromAlertmanager.contains { $0.hasPrefix("/hook ") && $0.contains(#""truncatedAlerts":1}"#) })
                #expect(fromAlertmanager.contains { $0.contains(#""groupKey":"{}/{severity=\"critical\"}:{alertname=\"HighCPU\", instance=\"web-1\"}""#) })
                for (theirs, ours) in zip(fromAlertmanager, fromSonde) {
                    #expect(theirs == ours)
                }
            }
        }
    }

    /// What sonde would send: each alert routed, grouped per route and group labels, each group one
    /// message to its receiver's webhook.
    static func sondeMessages(_ configText: String, startsAt: Int64, endsAt: Int64, now: Int64) throws -> [(path: String, body: String)] {
        let config = try AlertmanagerConfig.parse(configText)
        return try groups(config, alerts: alerts, startsAt: startsAt, endsAt: endsAt, now: now).map { (group) throws -> (path: String, body: String) in
            let webhook = try #require(group.receiver.webhooks.first)
            let (alerts, truncated) = WebhookMessage.truncate(group.alerts, maxAlerts: webhook.maxAlerts)
            let data = NotificationData(receiver: group.receiver.name, groupLabels: group.labels, alerts: alerts, externalURL: AlertmanagerServer.externalURL, now: now)
            let path = String(try #require(webhook.url?.value.split(separator: "/").last))
            return ("/" + path, WebhookMessage.json(data, groupKey: group.key, truncatedAlerts: truncated))
        }
    }

    /// Each alert routed and grouped per route and group labels, the groups in order of first arrival.
    static func groups(
        _ config: AlertmanagerConfig, alerts: [(labels: [String: String], annotations: [String: String])], startsAt: Int64, endsAt: Int64?, now: Int64
    ) throws -> [(key: String, receiver: AlertmanagerConfig.Receiver, labels: Labels, alerts: [NotifyAlert])] {
        let tree = RouteTree(config.route)
        var groups: [String: (node: RouteTree.Node, labels: Labels, alerts: [NotifyAlert])] = [:]
        var order: [String] = []
        for alert in alerts {
            let labels = Labels(alert.labels.map { Label($0.key, $0.value) })
            let notifyAlert = NotifyAlert(
                labels: labels, annotations: alert.annotations, startsAt: startsAt, endsAt: endsAt, updatedAt: now,
                generatorURL: "http://127.0.0.1:9733/graph?g0.expr=up")
            for node in tree.match(labels) {
                let groupLabels = node.groupLabels(of: labels)
                let key = node.groupKey(groupLabels: groupLabels)
                if groups[key] == nil {
                    groups[key] = (node, groupLabels, [])
                    order.append(key)
                }
                groups[key]?.alerts.append(notifyAlert)
            }
        }
        return try order.map { key in
            let group = try #require(groups[key])
            return (key, try #require(config.receiver(named: group.node.route.receiver)), group.labels, group.alerts)
        }
    }

    /// Posts `alerts` to a real Alertmanager's API, then waits (up to 30 s) until `hook` has
    /// `count` notifications, and returns what it has.
    static func post(
        _ alerts: [(labels: [String: String], annotations: [String: String])], startsAt: Int64, endsAt: Int64?, to alertmanager: AlertmanagerServer,
        awaiting count: Int, at hook: LoopbackServer
    ) async throws -> [(path: String, body: String)] {
        let body = "[" + alerts.map { alert in
            let end = endsAt.map { ",\"endsAt\":\"\(TimestampFormat.rfc3339(milliseconds: $0))\"" } ?? ""
            return """
                {"labels":\(json(alert.labels)),"annotations":\(json(alert.annotations)),\
                "startsAt":"\(TimestampFormat.rfc3339(milliseconds: startsAt))"\(end),"generatorURL":"http://127.0.0.1:9733/graph?g0.expr=up"}
                """
        }.joined(separator: ",") + "]"
        let posted = try await HTTPClient().send(HTTPRequest(
            method: "POST", url: alertmanager.base + "/api/v2/alerts", headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
        #expect(posted.status == 200, "\(posted.text)")
        var arrived: [(path: String, body: String)] = []
        for _ in 0..<150 where arrived.count < count {
            try await Task.sleep(for: .milliseconds(200))
            arrived = await received(hook)
        }
        return arrived
    }

    static func received(_ hook: LoopbackServer) async -> [(path: String, body: String)] {
        guard let response = try? await HTTPClient().send(HTTPRequest(url: hook.base + "/_received")),
            let list = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]
        else { return [] }
        return list.map { (($0["path"] as? String) ?? "", ($0["body"] as? String) ?? "") }
    }

    /// The body without its times, which differ by construction (Alertmanager writes nanoseconds
    /// and a trailing newline), and with Go's escaping of < > & undone.
    static func timesAside(_ body: String) -> String {
        var text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        for key in ["startsAt", "endsAt"] {
            text = text.replacingOccurrences(of: "\"\(key)\":\"[^\"]*\"", with: "\"\(key)\":\"…\"", options: .regularExpression)
        }
        return text.replacingOccurrences(of: "\\u003c", with: "<").replacingOccurrences(of: "\\u003e", with: ">").replacingOccurrences(of: "\\u0026", with: "&")
    }

    static func json(_ map: [String: String]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: map, options: [.sortedKeys])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
