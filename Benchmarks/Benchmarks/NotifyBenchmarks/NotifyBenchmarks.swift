// Figures of the notifications issue (docs/performance.md has the results and the machine):
//   10,000 alerts firing at once, group_by [alertname], 5 alert names: 5 notifications per
//   receiver; the dispatcher's share of that time and memory;
//   the outbox's durable enqueue and removal, per notification;
//   the outbox delivering to a local webhook receiver, end to end;
//   the service's memory growth with 10,000 alerts firing.
import Benchmark
import BenchmarkSupport
import Foundation
import Glibc
import Logging
import SondeCore
import SondeNet
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

    // The figure to reach is 1,000 notifications/s; run under `taskset -c 0` for "one core".
    Benchmark("notify: outbox to a local webhook receiver, 1,000 notifications delivered one by one, each removed on its 200 (the enqueue before is not timed)") { benchmark in
        let receiver = LoopbackReceiver()
        let directory = "/tmp/sonde-bench-delivery-\(getpid())"
        let body = Array(String(repeating: "x", count: 1500).utf8)
        guard let config = try? AlertmanagerConfig.parse(
            "route: {receiver: ops}\nreceivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:\(receiver.port)/hook'}]}]")
        else { fatalError("configuration") }
        let sender = WebhookSender(config: config.receivers[0].webhooks[0], client: HTTPClient())
        let entries = (0..<1000).map { NotificationOutbox.NewEntry(integration: "ops/webhook/0", groupKey: "g", deduplicationKey: "k\($0)", body: body) }
        guard let outbox = try? NotificationOutbox(directory: directory) else { fatalError("cannot open \(directory)") }
        _ = try? outbox.enqueue(entries, now: stormNow)
        let delivery = OutboxDelivery(integration: "ops/webhook/0", outbox: outbox, clock: SystemClock(), logger: Logger(label: "bench")) { await sender.send($0) }
        benchmark.startMeasurement()
        let running = Task { await delivery.run() }
        while outbox.statistics.entries > 0 { try? await Task.sleep(for: .milliseconds(1)) }
        benchmark.stopMeasurement()
        running.cancel()
        await running.value
        precondition(receiver.received.load(ordering: .relaxed) >= 1000, "every notification arrived")
        rmdir(directory)
    }

    Benchmark(
        "notify: NotifyService with 10,000 alerts firing, 5 names: receive and dispatch into 5 outbox entries; RSS growth",
        configuration: .init(metrics: [.wallClock, .custom("rss growth (KiB)", polarity: .prefersSmaller, useScalingFactor: false)], maxIterations: 5)
    ) { benchmark in
        let directory = "/tmp/sonde-bench-service-\(getpid())"
        for _ in benchmark.scaledIterations {
            let before = residentKiB()
            benchmark.startMeasurement()
            guard let service = try? NotifyService(
                config: stormConfig, dataDirectory: directory, externalURL: "http://127.0.0.1:9733", clock: SystemClock(), logger: Logger(label: "bench"))
            else { fatalError("service") }
            service.receive(stormAlerts)
            service.dispatch(now: stormNow)
            service.dispatch(now: stormNow + 30_000)
            benchmark.stopMeasurement()
            precondition(service.selfMetrics(now: stormNow).contains { $0.0[Labels.metricNameLabel] == "sonde_notify_outbox_entries" && $0.1 == 5 }, "five notifications")
            benchmark.measurement(.custom("rss growth (KiB)", polarity: .prefersSmaller, useScalingFactor: false), residentKiB() - before)
            blackHole(service)
            _ = system("rm -rf \(directory)")
        }
    }
}

/// This process's resident set, from /proc/self/statm (its second field, in pages).
func residentKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
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
