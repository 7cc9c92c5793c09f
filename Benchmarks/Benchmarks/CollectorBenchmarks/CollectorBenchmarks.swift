// Figures of the agent issue: StatsD parse + aggregate ≥ 300,000 metrics/s on one core; the cost of
// one host and one process collection (the agent's CPU budget is ≤ 0.2 % of a core at 10 s).
import Benchmark
import Glibc
import Logging
import SondeCollectors
import SondeCore

let benchmarks: @Sendable () -> Void = {
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let samplesPerSecond = BenchmarkMetric.custom("metrics per second", polarity: .prefersLarger, useScalingFactor: false)

    let lines = MixedStatsD.lines(200_000)
    let onePerPacket = MixedStatsD.packets(lines, limit: 1)
    let packed = MixedStatsD.packets(lines, limit: 1_432)

    for (name, packets) in [("one metric per datagram", onePerPacket), ("1432-byte datagrams", packed)] {
        Benchmark("statsd: parse + aggregate 200,000 mixed metrics, \(name)",
                  configuration: .init(metrics: [.wallClock, samplesPerSecond], maxIterations: 20)) { benchmark in
            let collector = StatsDCollector(udp: nil, logger: quiet)
            let started = now()
            benchmark.startMeasurement()
            for packet in packets {
                packet.withUnsafeBytes { collector.ingest($0, truncated: false) }
            }
            var batch = MetricBatch()
            try await collector.collect(into: &batch)
            benchmark.stopMeasurement()
            benchmark.measurement(samplesPerSecond, Int(Double(lines.count) / (now() - started)))
            blackHole(batch.count)
        }
    }

    // Gunicorn's default access_log_format plus %(L)s; the Gunicorn issue's figure is ≥ 1 M lines/s.
    let accessLines: [[UInt8]] = [
        #"127.0.0.1 - - [22/Nov/2026:07:07:51 +0000] "GET /api/v1/standards/42/ HTTP/1.1" 200 1532 "-" "python-requests/2.31.0" 0.012345"#,
        #"2001:db8::7 - alice [22/Nov/2026:07:07:52 +0100] "POST /checkout/?step=2 HTTP/1.1" 302 0 "https://shop.example/cart/" "Mozilla/5.0 (X11; Linux x86_64) "quoted"" 0.201000"#,
        #"10.0.0.5 - - [22/Nov/2026:07:07:53 -0500] "GET /static/app.js HTTP/1.1" 304 - "-" "curl/7.88.1" 0.000812"#,
        #"127.0.0.1 - - [22/Nov/2026:07:07:54 +0000] "DELETE /api/v1/items/3f2b9c1e-8d7a-4b6e-9f10-2a3b4c5d6e7f/ HTTP/1.1" 500 87 "-" "Go-http-client/1.1" 1.503002"#,
    ].map { Array($0.utf8) }
    Benchmark("gunicorn: parse 100,000 access log lines (default format + %(L)s)",
              configuration: .init(metrics: [.wallClock, samplesPerSecond], maxIterations: 30)) { benchmark in
        let parser = AccessLogParser(format: try AccessLogFormat(AccessLogFormat.gunicornDefaultString + " %(L)s"))
        var statuses = 0
        let started = now()
        benchmark.startMeasurement()
        for index in 0..<100_000 {
            let record = accessLines[index & 3].withUnsafeBytes { raw in try? parser.parse(raw) }
            statuses &+= record?.status ?? 0
        }
        benchmark.stopMeasurement()
        benchmark.measurement(samplesPerSecond, Int(100_000 / (now() - started)))
        blackHole(statuses)
    }

    Benchmark("gunicorn: parse and count 100,000 access log lines into metrics (routes, histograms)",
              configuration: .init(metrics: [.wallClock, samplesPerSecond, .mallocCountTotal], maxIterations: 30)) { benchmark in
        var metrics = GunicornAccessMetrics(app: "bench", decoder: try AccessLogDecoder(format: AccessLogFormat.gunicornDefaultString + " %(L)s"))
        let started = now()
        benchmark.startMeasurement()
        for index in 0..<100_000 {
            accessLines[index & 3].withUnsafeBytes { metrics.ingest($0, fallbackTime: 0) }
        }
        let samples = metrics.finishRound(now: 0, caughtUp: false)
        benchmark.stopMeasurement()
        benchmark.measurement(samplesPerSecond, Int(100_000 / (now() - started)))
        blackHole(samples.count)
    }

    Benchmark("host: one collection of this machine's /proc and /sys", configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxIterations: 200)) { benchmark in
        let collector = HostCollector(logger: quiet)
        var batch = MetricBatch()
        benchmark.startMeasurement()
        try await collector.collect(into: &batch)
        benchmark.stopMeasurement()
        blackHole(batch.count)
    }

    Benchmark("process: one scan of this machine's /proc with the default groups", configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxIterations: 200)) { benchmark in
        let collector = try ProcessCollector(groups: ProcessGroup.defaults)
        var batch = MetricBatch()
        benchmark.startMeasurement()
        try await collector.collect(into: &batch)
        benchmark.stopMeasurement()
        blackHole(batch.count)
    }
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// What a Django app sends: 40 % counters, 20 % timers, 15 % gauges, 10 % histograms, 10 % sets,
/// 5 % distributions, ~200 distinct series, half with DogStatsD tags.
enum MixedStatsD {
    static func lines(_ count: Int) -> [String] {
        var state: UInt64 = 1
        func next() -> UInt64 { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return state >> 33 }
        let views = ["home", "checkout", "cart", "search", "product", "account", "api_orders", "api_users"]
        return (0..<count).map { _ in
            let pick = next() % 100
            let view = views[Int(next() % UInt64(views.count))]
            let tags = next() % 2 == 0 ? "|#env:prod,view:\(view),status:\(200 + next() % 3)" : ""
            switch pick {
            case 0..<40: return "django.request.count:1|c\(next() % 4 == 0 ? "|@0.5" : "")\(tags)"
            case 40..<60: return "django.request.duration_ms:\(Double(next() % 50_000) / 100)|ms\(tags)"
            case 60..<75: return "django.db.pool.in_use:\(next() % 20)|g\(tags)"
            case 75..<85: return "django.response.bytes:\(next() % 100_000)|h\(tags)"
            case 85..<95: return "django.active_users:user\(next() % 5000)|s"
            default: return "django.cache.latency:\(Double(next() % 1000) / 10)|d\(tags)"
            }
        }
    }

    static func packets(_ lines: [String], limit: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var current: [UInt8] = []
        for line in lines {
            let bytes = Array(line.utf8)
            if !current.isEmpty && current.count + 1 + bytes.count > limit {
                out.append(current)
                current = []
            }
            if !current.isEmpty { current.append(0x0A) }
            current += bytes
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
