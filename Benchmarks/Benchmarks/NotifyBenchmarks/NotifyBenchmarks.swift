// Figures of the notifications issue (docs/performance.md has the results and the machine):
//   10,000 alerts firing at once, group_by [alertname], 5 alert names: 5 notifications per
//   receiver; the dispatcher's share of that time and memory;
//   the outbox's durable enqueue and removal, per notification.
import Benchmark
import Glibc
import SondeCore
import SondeNotify

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(10), maxIterations: 20)

    Benchmark("notify: 10,000 alerts, 5 names, group_by alertname: insert, flush, plan and render the 5 webhook bodies") { benchmark in
        let config = stormConfig
        let alerts = stormAlerts
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var groups = AggregationGroups(tree: RouteTree(config.route), resolveTimeout: .seconds(300))
            var log = NotificationLog()
            let planner = NotificationPlanner(config: config)
            for alert in alerts { groups.insert(alert, now: stormNow) }
            var bodies = 0
            for flush in groups.due(now: stormNow) {
                for planned in planner.plan(flush, alerts: flush.alerts, log: &log, now: stormNow) {
                    let data = NotificationData(receiver: "ops", groupLabels: planned.groupLabels, alerts: planned.alerts, externalURL: "", now: stormNow)
                    bodies += WebhookMessage.json(data, groupKey: planned.groupKey, truncatedAlerts: 0).utf8.count
                }
            }
            precondition(log.entries.count == 5, "five groups")
            blackHole(bodies)
        }
        benchmark.stopMeasurement()
    }

    Benchmark("notify: outbox, 1,000 notifications enqueued durably (fsync each) and removed") { benchmark in
        let directory = "/tmp/sonde-bench-outbox-\(getpid())"
        let body = Array(String(repeating: "x", count: 1500).utf8)
        let entries = (0..<1000).map { NotificationOutbox.NewEntry(integration: "ops/webhook/0", groupKey: "g", deduplicationKey: "k\($0)", body: body) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            guard let outbox = try? NotificationOutbox(directory: directory) else { fatalError("cannot open \(directory)") }
            for entry in entries { _ = try? outbox.enqueue([entry], now: stormNow) }
            for entry in outbox.all { outbox.remove(entry.sequence) }
        }
        benchmark.stopMeasurement()
        rmdir(directory)
    }
}

let stormNow: Int64 = 1_800_000_000_000

let stormConfig: AlertmanagerConfig = {
    guard let config = try? AlertmanagerConfig.parse("""
        route: {receiver: ops, group_by: [alertname], group_wait: 30s}
        receivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:1/'}]}]
        """) else { fatalError("configuration") }
    return config
}()

/// 10,000 firing alerts over 5 names, each with instance, job and severity, and a summary.
let stormAlerts: [NotifyAlert] = (0..<10_000).map { index in
    NotifyAlert(
        labels: Labels([Label("alertname", "Alert\(index % 5)"), Label("instance", "web-\(index)"), Label("job", "node"), Label("severity", "warning")]),
        annotations: ["summary": "instance web-\(index) is unwell"], startsAt: stormNow - 60_000, endsAt: stormNow + 240_000, updatedAt: stormNow)
}
