import SondeCollectors
import SondeCore
import Testing

/// Feeds text to an aggregator and reads flushes back as `series description → value`.
struct StatsDHarness {
    var aggregator: StatsDAggregator
    var results: [StatsDAggregator.AddResult] = []

    init(quantiles: [Double] = [0.5, 0.9, 0.99], maxSeries: Int = 10_000, maxSamplesPerSeries: Int = 8192) {
        aggregator = StatsDAggregator(quantiles: quantiles, maxSeries: maxSeries, maxSamplesPerSeries: maxSamplesPerSeries)
    }

    mutating func send(_ text: String) {
        Array(text.utf8).withUnsafeBytes { buffer in
            StatsDParser.forEachLine(in: buffer) { outcome in
                switch outcome {
                case .metric(let line): results.append(aggregator.add(line))
                case .rejected(let reason): results.append(.rejected(reason))
                case .empty: break
                }
            }
        }
    }

    mutating func flush() -> [String: Double] {
        var batch = MetricBatch()
        aggregator.flush(into: &batch)
        var out: [String: Double] = [:]
        for sample in batch.samples {
            #expect(out[sample.labels.description] == nil, "duplicate series \(sample.labels)")
            out[sample.labels.description] = sample.value
        }
        return out
    }
}

@Suite("StatsD aggregator")
struct StatsDAggregatorTests {
    @Test("counters are cumulative across flushes, scaled by the sample rate, kept while idle")
    func counters() {
        var harness = StatsDHarness()
        harness.send("orders.created:1|c\norders.created:2|c|#shop:eu\norders.created:1|c|@0.1")
        var flushed = harness.flush()
        #expect(flushed["orders_created_total"] == 11)
        #expect(flushed["orders_created_total{shop=\"eu\"}"] == 2)
        harness.send("orders.created:4|c")
        flushed = harness.flush()
        #expect(flushed["orders_created_total"] == 15)
        flushed = harness.flush()  // idle interval
        #expect(flushed["orders_created_total"] == 15)
        harness.send("already_total:1|c")
        #expect(harness.flush()["already_total"] == 1)
    }

    @Test("tag order and raw spelling do not split a series")
    func canonicalSeries() {
        var harness = StatsDHarness()
        harness.send("a.b:1|c|#x:1,y:2\na.b:1|c|#y:2,x:1\na_b:1|c|#x:1,y:2")
        let flushed = harness.flush()
        #expect(flushed == ["a_b_total{x=\"1\",y=\"2\"}": 3])
        #expect(harness.aggregator.seriesCount == 1)
    }

    @Test("gauges persist between flushes and apply deltas")
    func gauges() {
        var harness = StatsDHarness()
        harness.send("workers:10|g")
        #expect(harness.flush()["workers"] == 10)
        #expect(harness.flush()["workers"] == 10)
        harness.send("workers:+5|g\nworkers:-3|g")
        #expect(harness.flush()["workers"] == 12)
        harness.send("workers:-20|g")  // a delta, statsd's rule: to go negative, set 0 first
        #expect(harness.flush()["workers"] == -8)
        harness.send("fresh:-2|g")  // a delta on an unset gauge starts from 0
        #expect(harness.flush()["fresh"] == -2)
    }

    @Test("timer quantiles are exact nearest-rank, in seconds; sum and count cumulative")
    func timers() {
        var harness = StatsDHarness()
        // 1…100 ms, shuffled.
        var values = Array(1...100)
        var random = StatsDTestRandom(seed: 3)
        for index in values.indices.reversed() { values.swapAt(index, Int(random.next() % UInt64(index + 1))) }
        harness.send(values.map { "http.request_ms:\($0)|ms|#route:home" }.joined(separator: "\n"))
        var flushed = harness.flush()
        let name = "http_request_seconds"
        #expect(flushed["\(name){quantile=\"0.5\",route=\"home\"}"] == 0.05)
        #expect(flushed["\(name){quantile=\"0.9\",route=\"home\"}"] == 0.09)
        #expect(flushed["\(name){quantile=\"0.99\",route=\"home\"}"] == 0.099)
        #expect(flushed["\(name)_min{route=\"home\"}"] == 0.001)
        #expect(flushed["\(name)_max{route=\"home\"}"] == 0.1)
        #expect(abs((flushed["\(name)_sum{route=\"home\"}"] ?? 0) - 5.05) < 1e-9)
        #expect(flushed["\(name)_count{route=\"home\"}"] == 100)
        #expect(flushed.count == 7)

        // Idle interval: no quantiles, min or max; sum and count persist.
        flushed = harness.flush()
        #expect(flushed.count == 2)
        #expect(flushed["\(name)_count{route=\"home\"}"] == 100)

        // Sampled: each observation counts 1/rate.
        harness.send("http.request_ms:200|ms|@0.5|#route:home")
        flushed = harness.flush()
        #expect(flushed["\(name)_count{route=\"home\"}"] == 102)
        #expect(abs((flushed["\(name)_sum{route=\"home\"}"] ?? 0) - 5.45) < 1e-9)
        #expect(flushed["\(name){quantile=\"0.5\",route=\"home\"}"] == 0.2)
    }

    @Test("histograms and distributions share a unitless summary")
    func histograms() {
        var harness = StatsDHarness(quantiles: [0, 0.25, 1])
        harness.send("size:10|h\nsize:20|d\nsize:30|h\nsize:40|d")
        let flushed = harness.flush()
        #expect(flushed["size{quantile=\"0\"}"] == 10)
        #expect(flushed["size{quantile=\"0.25\"}"] == 10)
        #expect(flushed["size{quantile=\"1\"}"] == 40)
        #expect(flushed["size_sum"] == 100)
        #expect(flushed["size_count"] == 4)
    }

    @Test("more observations than the reservoir still give sane quantiles and exact count, sum, min, max")
    func reservoir() {
        var harness = StatsDHarness(quantiles: [0.5], maxSamplesPerSeries: 1000)
        harness.send((1...10_000).map { "v:\($0)|h" }.joined(separator: "\n"))
        let flushed = harness.flush()
        #expect(flushed["v_count"] == 10_000)
        #expect(flushed["v_sum"] == 50_005_000)
        #expect(flushed["v_min"] == 1)
        #expect(flushed["v_max"] == 10_000)
        let median = flushed["v{quantile=\"0.5\"}"] ?? 0
        #expect(median > 4_000 && median < 6_000)
    }

    @Test("sets count distinct members per interval")
    func sets() {
        var harness = StatsDHarness()
        harness.send("users:alice|s\nusers:bob|s\nusers:alice|s\nusers:carol|s|#plan:pro")
        var flushed = harness.flush()
        #expect(flushed["users"] == 2)
        #expect(flushed["users{plan=\"pro\"}"] == 1)
        flushed = harness.flush()
        #expect(flushed["users"] == 0)
    }

    @Test("the series cap drops new series and counts them; existing series keep working")
    func cardinalityCap() {
        var harness = StatsDHarness(maxSeries: 3)
        harness.send((0..<10).map { "hits:1|c|#user:\($0)" }.joined(separator: "\n"))
        #expect(harness.aggregator.seriesCount == 3)
        #expect(harness.aggregator.overflow == 7)
        harness.send("hits:1|c|#user:0")
        #expect(harness.results.last == .accepted)
        #expect(harness.flush()["hits_total{user=\"0\"}"] == 2)
    }

    @Test("one name with two types is refused")
    func typeConflict() {
        var harness = StatsDHarness()
        harness.send("jobs:1|c\njobs_total:1|g\nlatency:1|ms\nlatency_seconds:3|g\nsize:1|h\nsize:1|g")
        #expect(harness.results == [.accepted, .rejected(.typeConflict), .accepted, .rejected(.typeConflict), .accepted, .rejected(.typeConflict)])
    }

    @Test("timer names get _seconds once, replacing a millisecond suffix")
    func timerNames() {
        #expect(StatsDAggregator.exportedName("db_query", type: .timer) == "db_query_seconds")
        #expect(StatsDAggregator.exportedName("db_query_ms", type: .timer) == "db_query_seconds")
        #expect(StatsDAggregator.exportedName("db_query_milliseconds", type: .timer) == "db_query_seconds")
        #expect(StatsDAggregator.exportedName("db_query_seconds", type: .timer) == "db_query_seconds")
        #expect(StatsDAggregator.exportedName("_ms", type: .timer) == "_ms_seconds")
    }

    @Test("values that would overflow a total are refused without poisoning it")
    func overflowValues() {
        var harness = StatsDHarness()
        harness.send("big:1e308|c\nbig:1e308|c|@0.1\nbig:1e308|c")
        #expect(harness.results == [.accepted, .rejected(.invalidValue), .rejected(.invalidValue)])
        #expect(harness.flush()["big_total"] == 1e308)
    }
}
