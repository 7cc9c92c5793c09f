import SondeCore
import SondeRules
import SondeStore
import SondeTestSupport
import Testing

/// The answer does not depend on the tier read: raw samples serve a query while the raw ring holds
/// its range; a rollup serves only what the raw ring no longer holds, or what a query asks of it.
@Suite struct StoreSampleSourceTests {
    /// 2026-12-07T00:00:00Z.
    static let base: Int64 = 1_796_601_600_000

    @Test("a range query at a 1-minute step over raw data answers as from raw samples, not the 1-minute rollup's bucket ends")
    func rawWhileTheRingHoldsTheRange() throws {
        let directory = TemporaryDirectory("sonde-tiers")
        defer { directory.remove() }
        let store = try Store.open(directory: directory.path + "/data")
        // Fifteen minutes of a gauge and a counter every 10 s, as a host dump has them.
        var memory = InMemorySampleSource()
        for step in 0..<90 {
            let time = Self.base + Int64(step) * 10_000
            let load = Double((step * 37) % 11) / 4
            store.append(Labels(name: "node_load1", [:]), timestamp: time, value: load)
            store.append(Labels(name: "node_cpu_seconds_total", ["mode": "user"]), timestamp: time, value: Double(step * step) / 10)
            memory.append(Labels(name: "node_load1", [:]), time, load)
            memory.append(Labels(name: "node_cpu_seconds_total", ["mode": "user"]), time, Double(step * step) / 10)
        }
        let fromStore = PromQLEngine(source: StoreSampleSource(store: store))
        let fromRaw = PromQLEngine(source: memory)
        for text in ["node_load1", #"rate(node_cpu_seconds_total{mode="user"}[1m])"#, "max_over_time(node_load1[2m])"] {
            let expr = try PromQLParser.parse(text)
            let stored = try fromStore.rangeQuery(expr, start: Self.base + 60_000, end: Self.base + 14 * 60_000, step: 60_000)
            let raw = try fromRaw.rangeQuery(expr, start: Self.base + 60_000, end: Self.base + 14 * 60_000, step: 60_000)
            #expect(stored == raw, "\(text)")
            #expect(stored.first?.values.count == 14, "\(text): a point every minute")
        }
        // Asked for, the rollup serves, and its semantics show: the bucket's last sample at its time.
        let rollup = PromQLEngine(source: StoreSampleSource(store: store, tier: .tier(.minute)))
        let bucketEnds = try rollup.rangeQuery(try PromQLParser.parse("node_load1"), start: Self.base + 60_000, end: Self.base + 14 * 60_000, step: 60_000)
        #expect(bucketEnds != (try fromRaw.rangeQuery(try PromQLParser.parse("node_load1"), start: Self.base + 60_000, end: Self.base + 14 * 60_000, step: 60_000)))
    }

    @Test("what the raw ring no longer holds comes from the 1-minute rollup, the rest from raw; max_source_resolution=raw keeps to raw")
    func rollupsOnlyForWhatRawDropped() throws {
        let directory = TemporaryDirectory("sonde-tiers-wrap")
        defer { directory.remove() }
        var options = StoreOptions()
        options.maxBytes = 1 << 20
        options.selfMetricsIntervalMilliseconds = .max / 2
        let store = try Store.open(directory: directory.path + "/data", options: options)
        // A counter every second for long enough that the raw ring wraps and drops its oldest data.
        var values = [Double](repeating: 0, count: 4)
        var generator = SplitMix64(seed: 16)
        let hours: Int64 = 30
        for second in 0..<(hours * 3600) {
            for id in 0..<4 {
                values[id] += Double(generator.next() % 1000) / 10
                store.append(Labels(name: "requests_total", ["id": String(id)]), timestamp: Self.base + second * 1000, value: values[id])
            }
        }
        let rawOldest = try #require(store.oldestTimestamp(.raw))
        let minuteOldest = try #require(store.oldestTimestamp(.minute))
        #expect(rawOldest > Self.base + 3_600_000 && minuteOldest < rawOldest, "raw dropped its oldest hours, the rollup kept them")
        let end = Self.base + hours * 3_600_000 - 1000
        let start = max(minuteOldest, Self.base) + 3_600_000
        let expr = try PromQLParser.parse(#"increase(requests_total{id="0"}[10m])"#)
        let stitched = try PromQLEngine(source: StoreSampleSource(store: store)).rangeQuery(expr, start: start, end: end, step: 600_000)
        let rawOnly = try PromQLEngine(source: StoreSampleSource(store: store, maxRollup: .raw)).rangeQuery(expr, start: start, end: end, step: 600_000)
        let points = try #require(stitched.first)
        #expect(points.timestamps.first == start, "the rollup answers from the range's start")
        #expect((rawOnly.first?.timestamps.first ?? .max) >= rawOldest, "raw only starts where raw does")
        // Where raw holds the window, the stitched answer is raw's exactly.
        for (time, value) in zip(points.timestamps, points.values) where time - 600_000 >= rawOldest {
            let index = try #require(rawOnly.first?.timestamps.firstIndex(of: time))
            #expect(rawOnly.first?.values[index] == value)
        }
        // Where the rollup serves, increases stay right to within its resolution: ten minutes of a
        // counter gaining 0 to 99.9 a second (mean about 50) a sample, so about 30,000.
        for (time, value) in zip(points.timestamps, points.values) where time < rawOldest {
            #expect(value > 20_000 && value < 40_000, "at \(time): \(value)")
        }
        #expect(points.timestamps.filter { $0 < rawOldest }.count >= 3, "the rollup served part of the range")
        // A window shorter than two rollup buckets is not silently empty: it spans the bucket before.
        let short = try PromQLEngine(source: StoreSampleSource(store: store)).rangeQuery(
            try PromQLParser.parse(#"rate(requests_total{id="1"}[1m])"#), start: start, end: rawOldest - 600_000, step: 600_000)
        let rates = try #require(short.first?.values)
        #expect(rates.count == Int((rawOldest - 600_000 - start) / 600_000) + 1)
        #expect(rates.allSatisfy { $0 > 30 && $0 < 70 }, "about 50 a second: \(rates)")
        let asked = try PromQLEngine(source: StoreSampleSource(store: store, tier: .tier(.minute))).instantQuery(
            try PromQLParser.parse(#"rate(requests_total{id="1"}[1m])"#), at: start)
        #expect(asked != .vector([]), "the 1-minute tier asked for by name too")
    }
}
