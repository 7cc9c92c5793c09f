import SondeCore
import SondeRules
import SondeStore

/// The agent's state at a glance, as `/api/v1/status/sonde` serves it and the status page and
/// `sonde status` show it: collectors with their last success and error, the store per tier, the
/// outbox, firing alerts, the version. Nothing secret is in it: errors are collectors' messages,
/// which never carry credentials, and the configuration is rendered with secrets redacted.
public struct AgentStatusReport: Sendable {
    public var version: String
    public var now: Int64
    public var startedAt: Int64
    public var ready: Bool
    public var collectors: [AgentStatusBoard.Collector]
    public var store: StoreStats?
    public var storeError: String?
    public var firing: [ActiveAlert]
    public var pending: [ActiveAlert]
    public var ruleGroups: Int
    public var outboxEntries: Double?
    public var shipperBacklogSeconds: Double?

    public static func gather(_ sources: APISources) -> AgentStatusReport {
        let now = sources.clock.wallMilliseconds
        var stats: StoreStats?
        var storeError: String?
        do {
            stats = try sources.store.stats()
        } catch {
            storeError = error.description
        }
        let groups = sources.ruleGroups()
        let alerts = groups.flatMap { $0.evaluator.alertStates.values.flatMap(\.allAlerts) }.sorted { $0.labels.description < $1.labels.description }
        let outbox = sources.notify?.selfMetrics(now: now).first { $0.0.metricName == "sonde_notify_outbox_entries" }?.1
        return AgentStatusReport(
            version: SondeBuild.version, now: now, startedAt: sources.startedAt, ready: sources.board.isReady, collectors: sources.board.collectors,
            store: stats, storeError: storeError, firing: alerts.filter { $0.state == .firing }, pending: alerts.filter { $0.state == .pending },
            ruleGroups: groups.count, outboxEntries: outbox, shipperBacklogSeconds: latestShipperBacklog(sources.store, now: now))
    }

    /// The shipper's last `sonde_ship_backlog_seconds` of the last five minutes, which its loop
    /// stores after each round; nil when shipping is off.
    static func latestShipperBacklog(_ store: Store, now: Int64) -> Double? {
        let matchers = [LabelMatcher.equal(Labels.metricNameLabel, "sonde_ship_backlog_seconds")]
        let series = try? store.select(matchers, start: now - 300_000, end: now)
        return series?.compactMap { data in data.timestamps.last.map { ($0, data.values.last ?? .nan) } }.max { $0.0 < $1.0 }?.1
    }

    /// The JSON of `/api/v1/status/sonde`'s `data`.
    public var json: String {
        func time(_ value: Int64?) -> String { value.map { PrometheusJSON.string(TimestampFormat.rfc3339(milliseconds: $0)) } ?? "null" }
        func number(_ value: Double?) -> String { value.map { $0.isFinite ? ValueFormat.string($0) : "null" } ?? "null" }
        let collectorsJSON = collectors.map { collector in
            "{\"name\":" + PrometheusJSON.string(collector.name) + ",\"healthy\":\(collector.isHealthy)"
                + ",\"lastRun\":" + time(collector.lastRun) + ",\"lastSuccess\":" + time(collector.lastSuccess)
                + ",\"lastError\":" + (collector.lastError.map(PrometheusJSON.string) ?? "null") + ",\"lastErrorAt\":" + time(collector.lastErrorAt)
                + ",\"lastDurationSeconds\":" + number(collector.lastDurationSeconds) + "}"
        }
        var storeJSON = "null"
        if let store {
            let tiers = store.tiers.map { tier in
                "{\"tier\":" + PrometheusJSON.string(tier.name) + ",\"series\":\(tier.series),\"samples\":\(tier.samples),\"bytesUsed\":\(tier.bytesUsed)"
                    + ",\"bytesAllocated\":\(tier.bytesAllocated),\"oldest\":" + time(tier.oldestMs) + ",\"newest\":" + time(tier.newestMs) + "}"
            }
            storeJSON = "{\"budgetBytes\":\(store.budget),\"series\":\(store.seriesTotal),\"tiers\":[" + tiers.joined(separator: ",") + "]}"
        }
        let alerts = (firing + pending).map(PrometheusRulesRoutes.alert)
        return "{\"version\":" + PrometheusJSON.string(version) + ",\"now\":" + time(now) + ",\"startedAt\":" + time(startedAt)
            + ",\"ready\":\(ready),\"collectors\":[" + collectorsJSON.joined(separator: ",") + "],\"store\":" + storeJSON
            + ",\"storeError\":" + (storeError.map(PrometheusJSON.string) ?? "null")
            + ",\"alerts\":[" + alerts.joined(separator: ",") + "],\"ruleGroups\":\(ruleGroups)"
            + ",\"outboxEntries\":" + number(outboxEntries) + ",\"shipperBacklogSeconds\":" + number(shipperBacklogSeconds) + "}"
    }
}

extension AgentStatusBoard.Collector {
    /// No error, or a success since the last one.
    var isHealthy: Bool { lastError == nil || (lastSuccess ?? .min) > (lastErrorAt ?? .min) }
}
