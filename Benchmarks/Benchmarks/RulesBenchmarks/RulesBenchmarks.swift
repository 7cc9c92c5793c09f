// Figures of the rules issue (docs/performance.md has the results and the machine):
//   500 alerting rules over 10,000 series evaluated in ≤ 100 ms per round on one core;
//   rate(x[5m]) over 24 h at a 1 m step for 100 series in ≤ 50 ms (raw samples since issue 16);
//   the whole-PromQL issue's subquery over 24 h at a 1 m step for 100 series with rate inside, and
//   a 7-day range query at the step Grafana picks for it (10 min), both from raw samples.
// Both read a real store in a fresh directory under /tmp, filled first with host-like data.
import Benchmark
import Glibc
import SondeCore
import SondeRules
import SondeStore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(10), maxIterations: 30)

    Benchmark("rules: 500 alerting rules over 10,000 series, one evaluation round") { benchmark in
        let fixture = rulesFixture
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(fixture.round()) }
        benchmark.stopMeasurement()
    }

    Benchmark("rules: the same in an alert storm (every rule firing for every series)") { benchmark in
        let fixture = stormFixture
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(fixture.round()) }
        benchmark.stopMeasurement()
    }

    Benchmark("query: rate(x[5m]) over 24 h at a 1 m step, 100 series") { benchmark in
        let fixture = queryFixture
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try fixture.query()) }
        benchmark.stopMeasurement()
    }

    Benchmark("query: max_over_time(rate(x[5m])[24h:1m]), 100 series, instant") { benchmark in
        let fixture = queryFixture
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try fixture.subquery()) }
        benchmark.stopMeasurement()
    }

    Benchmark("query: rate(x[5m]) over 7 days at a 10 m step (Grafana's), 10 series") { benchmark in
        let fixture = weekFixture
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try fixture.week()) }
        benchmark.stopMeasurement()
    }
}

/// Built once, on first use, outside the measurement: 100 metrics x 100 series, one sample every
/// 10 s for the last hour (sealed chunks in the ring and open heads, as on a running agent), and a
/// group of 500 alerting rules of five shapes over them: counters (even metrics) and gauges (odd
/// ones), with thresholds a few series in a hundred cross, as on a host having a bad day.
let rulesFixture = RulesFixture(storm: false)

/// The same data with thresholds every series crosses: 25,000 alerts updated and rendered a round.
let stormFixture = RulesFixture(storm: true)

final class RulesFixture: @unchecked Sendable {
    let directory = Scratch()
    let store: Store
    var evaluator: RuleGroupEvaluator
    let engine: PromQLEngine
    let sink: StoreSink
    let expand = AlertTemplateExpansion.expander()
    let end: Int64 = 1_795_000_000_000
    var time: Int64

    init(storm: Bool) {
        store = try! Store.open(directory: directory.path)
        let start = end - 3_600_000
        var batch = SampleBatch()
        var refs: [SeriesRef] = []
        for metric in 0..<100 {
            for instance in 0..<100 {
                if let ref = store.seriesRef(Labels(name: "metric_\(metric)", ["instance": "host-\(instance)", "job": "bench"])) {
                    refs.append(ref)
                }
            }
        }
        var time = start
        while time <= end {
            for (index, ref) in refs.enumerated() {
                // Counters for even metrics, gauges in [0, 1) for odd ones.
                let metric = index / 100
                let seconds: Int64 = (time - start) / 1000
                let counter = Double(seconds * Int64(index % 97 + 1))
                let gauge = Double((index * 31 + Int(time / 10_000)) % 100) / 100
                batch.add(ref, timestamp: time, value: metric % 2 == 0 ? counter : gauge)
            }
            store.append(batch)
            batch.removeAll()
            time += 10_000
        }
        var yaml = "groups:\n  - name: bench\n    rules:\n"
        for rule in 0..<500 {
            let counter = 2 * (rule % 50), gauge = 2 * (rule % 50) + 1
            let expr: String
            switch rule % 5 {
            case 0: expr = "rate(metric_\(counter)[5m]) > \(storm ? 0 : 96.5)"
            case 1: expr = "metric_\(gauge) > \(storm ? -1 : 0.985)"
            case 2: expr = "sum by (job) (rate(metric_\(counter)[5m])) > \(storm ? 0 : 1e9)"
            case 3: expr = "avg_over_time(metric_\(gauge)[5m]) > \(storm ? -1 : 0.95)"
            default: expr = "metric_\(gauge) < \(storm ? 2 : 0.015) and on(instance) metric_\((gauge + 2) % 100) >= 0"
            }
            yaml += "      - alert: Rule\(rule)\n        expr: \(expr)\n        for: 5m\n        labels: {severity: warning}\n"
            yaml += "        annotations: {summary: \"{{ $labels.instance }} at {{ $value | humanize }}\"}\n"
        }
        let file = try! RuleFile.parse(yaml, path: "bench.yaml")
        evaluator = RuleGroupEvaluator(group: file.groups[0])
        engine = PromQLEngine(source: StoreSampleSource(store: store, tier: .tier(.raw)))
        sink = StoreSink(store: store)
        self.time = end
        // One round first, so alerts exist and their annotations are rendered every round after.
        _ = round()
        let active = evaluator.alertStates.values.reduce(0) { $0 + $1.activeAlerts.count }
        print("rules fixture (storm: \(storm)): \(active) active alerts")
    }

    /// One round, 10 ms after the last (the data do not move; the rules' work is the same).
    func round() -> Int {
        time += 10
        let result = evaluator.evaluate(at: time, engine: engine, sink: sink, expand: expand)
        precondition(result.failures.isEmpty, "\(result.failures)")
        return result.samplesWritten
    }
}

/// 100 counters, one sample every 10 s over 24 h and 10 minutes before.
let queryFixture = QueryFixture(series: 100, days: 1)
/// Ten series of a week, one sample every 10 s: 60,480 samples each, all raw.
let weekFixture = QueryFixture(series: 10, days: 7)

final class QueryFixture: @unchecked Sendable {
    let directory = Scratch()
    let store: Store
    let engine: PromQLEngine
    let expr = try! PromQLParser.parse("rate(requests_total[5m])")
    let end: Int64 = 1_795_000_000_000

    init(series: Int, days: Int64) {
        var options = StoreOptions()
        options.maxBytes = 1 << 30
        let store = try! Store.open(directory: directory.path, options: options)
        self.store = store
        let start = end - days * 86_400_000
        let refs = (0..<series).compactMap { store.seriesRef(Labels(name: "requests_total", ["instance": "host-\($0)"])) }
        var batch = SampleBatch()
        var time = start - 600_000
        while time <= end {
            for (index, ref) in refs.enumerated() {
                let seconds: Int64 = (time - start) / 1000
                batch.add(ref, timestamp: time, value: Double(seconds) * Double(index + 1))
            }
            store.append(batch)
            batch.removeAll()
            time += 10_000
        }
        engine = PromQLEngine(source: StoreSampleSource(store: store))
    }

    func query() throws -> Int {
        let result = try engine.rangeQuery(expr, start: end - 86_400_000, end: end, step: 60_000)
        precondition(result.count == 100 && result[0].values.count >= 1440, "\(result.count) series")
        return result.count
    }

    let subqueryExpr = try! PromQLParser.parse("max_over_time(rate(requests_total[5m])[24h:1m])")

    func subquery() throws -> Int {
        guard case .vector(let samples) = try engine.instantQuery(subqueryExpr, at: end), samples.count == 100 else { preconditionFailure("subquery") }
        return samples.count
    }

    func week() throws -> Int {
        let result = try engine.rangeQuery(expr, start: end - 7 * 86_400_000, end: end, step: 600_000)
        precondition(result.count == 10 && result[0].values.count >= 1008, "\(result.count) series")
        return result.count
    }
}

struct StoreSink: RuleSampleSink {
    let store: Store
    func write(_ labels: Labels, timestamp: Int64, value: Double) {
        _ = store.append(labels, timestamp: timestamp, value: value)
    }
}

/// A fresh directory under /tmp, removed when the benchmark ends.
final class Scratch {
    let path: String

    init() {
        var template = Array("/tmp/sonde-bench-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return "/tmp/sonde-bench-fallback" }
            return String(cString: base)
        }
    }

    deinit {
        _ = system("rm -rf '\(path)'")
    }
}
