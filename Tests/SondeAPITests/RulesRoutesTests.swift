import Foundation
import SondeAPI
import SondeCore
import SondeRules
import SondeStore
import Testing

/// `/api/v1/rules` and `/api/v1/alerts` over a rule group that has run two rounds against the store.
@Suite struct RulesRoutesTests {
    struct StoreSink: RuleSampleSink {
        let store: Store
        func write(_ labels: Labels, timestamp: Int64, value: Double) { store.append(labels, timestamp: timestamp, value: value) }
    }

    @Test func rulesAndAlertsInPrometheusShape() async throws {
        let api = try InProcessAPI()
        let now = api.clock.wallMilliseconds
        api.append(Labels([Label("__name__", "node_load1"), Label("instance", "a")]), [(now - 60_000, 9), (now, 9)])
        api.append(Labels([Label("__name__", "node_load1"), Label("instance", "b")]), [(now - 60_000, 1), (now, 1)])
        let group = try RuleFile.parse("""
            groups:
              - name: host
                interval: 30s
                rules:
                  - record: instance:load:doubled
                    expr: node_load1 * 2
                  - alert: HighLoad
                    expr: node_load1 > 5
                    for: 1m
                    labels: {severity: page}
                    annotations: {summary: "load is {{ $value }}"}
                  - alert: Broken
                    expr: node_load1 * on() node_load1
            """, path: "/etc/sonde/rules/host.yaml").groups[0]
        var evaluator = RuleGroupEvaluator(group: group)
        let engine = PromQLEngine(source: StoreSampleSource(store: api.store, tier: .automatic))
        for time in [now - 60_000, now] {
            _ = evaluator.evaluate(at: time, engine: engine, sink: StoreSink(store: api.store), expand: AlertTemplateExpansion.expander())
        }
        let snapshot = RuleGroupSnapshot(file: "/etc/sonde/rules/host.yaml", evaluator: evaluator, intervalMilliseconds: 30_000, lastEvaluation: now, lastDurationSeconds: 0.002)
        api.sources.ruleGroups = { [snapshot] }

        let answer = try await api.get("/api/v1/rules")
        #expect(answer.status == 200)
        let data = try #require((try JSONSerialization.jsonObject(with: Data(answer.bytes)) as? [String: Any])?["data"] as? [String: Any])
        let groups = try #require(data["groups"] as? [[String: Any]])
        #expect(groups.count == 1 && groups[0]["name"] as? String == "host" && groups[0]["interval"] as? Double == 30)
        #expect(groups[0]["file"] as? String == "/etc/sonde/rules/host.yaml")
        let rules = try #require(groups[0]["rules"] as? [[String: Any]])
        #expect(rules.map { $0["type"] as? String } == ["recording", "alerting", "alerting"])
        #expect(rules.map { $0["health"] as? String } == ["ok", "ok", "err"])
        #expect((rules[2]["lastError"] as? String)?.isEmpty == false)
        #expect(rules.allSatisfy { ($0["evaluationTime"] as? Double ?? -1) > 0 }, "each rule's own evaluation time: \(rules.map { $0["evaluationTime"] ?? "-" })")
        #expect(rules[1]["state"] as? String == "firing" && rules[1]["duration"] as? Double == 60)
        let alert = try #require((rules[1]["alerts"] as? [[String: Any]])?.first)
        #expect(alert["value"] as? String == "9e+00")
        #expect((alert["annotations"] as? [String: String])?["summary"] == "load is 9")

        let alpha = try await api.get("/api/v1/rules?type=record")
        #expect(alpha.body.contains("instance:load:doubled") && !alpha.body.contains("HighLoad"))
        let named = try await api.get("/api/v1/rules?rule_name%5B%5D=HighLoad")
        #expect(named.body.contains("HighLoad") && !named.body.contains("Broken"))
        #expect(try await api.get("/api/v1/rules?type=sometimes").status == 400)

        let alerts = try await api.get("/api/v1/alerts")
        #expect(alerts.body.contains(#"{"alerts":[{"labels":{"alertname":"HighLoad","instance":"a","severity":"page"},"annotations":{"summary":"load is 9"},"state":"firing","activeAt":"#), "\(alerts.body)")
    }
}
