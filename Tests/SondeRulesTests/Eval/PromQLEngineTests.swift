import SondeCore
import SondeRules
import Testing

/// Values checked here are Prometheus' own (its `promql/testdata/*.test` cases, recomputed by hand
/// for 2.x's closed range windows) or worked out from its definitions.
@Suite("PromQL evaluation")
struct PromQLEngineTests {
    static let minute: Int64 = 60_000

    /// `values` at 0, step, 2·step … (nil: no sample).
    static func series(_ text: String, step: Int64, _ values: [Double?]) throws -> PromQLSeries {
        let selector = try SeriesSelector.parse(text)
        let labels = Labels(selector.matchers.map { Label($0.name, $0.value) })
        var result = PromQLSeries(labels: labels)
        for (index, value) in values.enumerated() {
            guard let value else { continue }
            result.timestamps.append(Int64(index) * step)
            result.values.append(value)
        }
        return result
    }

    static func engine(_ series: [PromQLSeries]) -> PromQLEngine {
        PromQLEngine(source: InMemorySampleSource(series))
    }

    static func vector(_ engine: PromQLEngine, _ text: String, at time: Int64) throws -> [String: Double] {
        let value = try engine.instantQuery(try PromQLParser.parse(text), at: time)
        guard case .vector(let samples) = value else {
            Issue.record("expected a vector, got \(value)")
            return [:]
        }
        var result: [String: Double] = [:]
        for sample in samples { result[sample.labels.pairs.isEmpty ? "{}" : sample.labels.description] = sample.value }
        return result
    }

    static func httpRequests() throws -> PromQLEngine {
        let step = 5 * minute
        return engine([
            try series(#"http_requests{path="/foo"}"#, step: step, (0...10).map { Double($0) * 10 }),
            try series(#"http_requests{path="/bar"}"#, step: step, ((0...5).map { Double($0) * 10 } + (0...5).map { Double($0) * 10 })),
            try series(#"http_requests{path="/dings"}"#, step: step, (0...10).map { 10 + Double($0) * 10 }),
            try series(#"http_requests{path="/bumms"}"#, step: step, (0...10).map { 1 + Double($0) * 10 }),
        ])
    }

    @Test("increase() over whole windows, with a counter reset and the zero-point limit")
    func increase() throws {
        let result = try Self.vector(try Self.httpRequests(), "increase(http_requests[50m])", at: 50 * Self.minute)
        #expect(result == [#"{path="/foo"}"#: 100, #"{path="/bar"}"#: 90, #"{path="/dings"}"#: 100, #"{path="/bumms"}"#: 100])
    }

    @Test("rate() extrapolates to the window's edges only when samples lie close to them")
    func rateExtrapolation() throws {
        // 0+10x10 every 5m: at 50m, [25m, 50m] holds 50…100 (6 samples, 25 minutes); the start lies on a
        // sample, the end too: factor 1, 50 over 1500 s.
        let engine = try Self.httpRequests()
        let exact = try Self.vector(engine, #"rate(http_requests{path="/foo"}[25m])"#, at: 50 * Self.minute)
        #expect(exact[#"{path="/foo"}"#] == 50.0 / 1500)
        // At 52m the window [27m, 52m] holds 30m…50m (40 over 20 min); 3 min to the start and 2 to the end
        // are both under 1.1 × 5 min, so it extrapolates to the full 25 min: 40 × 25/20 / 1500 s.
        let shifted = try Self.vector(engine, #"rate(http_requests{path="/foo"}[25m])"#, at: 52 * Self.minute)
        #expect(shifted[#"{path="/foo"}"#] == 40 * (25.0 / 20.0) / 1500)
        // With a sample only every 5m and a 1m window there is one sample: no rate.
        #expect(try Self.vector(engine, "rate(http_requests[1m])", at: 50 * Self.minute).isEmpty)
    }

    @Test("a counter is not extrapolated below zero before its first sample")
    func zeroPoint() throws {
        // 5, 15, 25 at 1m, 2m, 3m; window [0, 3m]: 20 over 2 min; durationToStart 60 s, but the counter
        // reaches 0 at 2m × 5/20 = 30 s before its first sample, so the start extends 30 s, the end 0 s.
        let source = try Self.series("c", step: Self.minute, [nil, 5, 15, 25])
        let result = try Self.vector(Self.engine([source]), "increase(c[3m])", at: 3 * Self.minute)
        #expect(result["{}"] == 20 * (150.0 / 120.0))
    }

    @Test("delta, idelta, irate, deriv, predict_linear")
    func gauges() throws {
        let engine = Self.engine([try Self.series("g", step: Self.minute, [1, 4, 2, 8, 5])])
        #expect(try Self.vector(engine, "delta(g[4m])", at: 4 * Self.minute)["{}"] == 4)
        #expect(try Self.vector(engine, "idelta(g[4m])", at: 4 * Self.minute)["{}"] == -3)
        // irate treats the drop 8 → 5 as a reset: 5 per 60 s.
        #expect(try Self.vector(engine, "irate(g[4m])", at: 4 * Self.minute)["{}"] == 5.0 / 60)
        let line = Self.engine([try Self.series("l", step: Self.minute, [0, 60, 120, 180])])
        #expect(try Self.vector(line, "deriv(l[3m])", at: 3 * Self.minute)["{}"] == 1)
        #expect(try Self.vector(line, "predict_linear(l[3m], 3600)", at: 3 * Self.minute)["{}"] == 180 + 3600)
    }

    @Test("instant selectors look back 5 minutes, inclusive, and stop at a staleness marker")
    func lookbackAndStaleness() throws {
        let engine = Self.engine([
            try Self.series("a", step: Self.minute, [1]),
            try Self.series("b", step: Self.minute, [1, 2, StaleMarker.value]),
        ])
        #expect(try Self.vector(engine, "a", at: 5 * Self.minute) == ["a": 1])
        #expect(try Self.vector(engine, "a", at: 5 * Self.minute + 1).isEmpty)
        #expect(try Self.vector(engine, "b", at: Self.minute) == ["b": 2])
        #expect(try Self.vector(engine, "b", at: 2 * Self.minute).isEmpty)
        // Ranges skip the marker but keep the samples before it.
        #expect(try Self.vector(engine, "count_over_time(b[5m])", at: 3 * Self.minute) == ["{}": 2])
        #expect(try Self.vector(engine, "a offset 1m", at: 6 * Self.minute) == ["a": 1])
    }

    @Test("aggregations group by and without, topk keeps labels, quantile interpolates")
    func aggregations() throws {
        let engine = Self.engine([
            try Self.series(#"x{job="a",i="1"}"#, step: Self.minute, [1]),
            try Self.series(#"x{job="a",i="2"}"#, step: Self.minute, [2]),
            try Self.series(#"x{job="b",i="3"}"#, step: Self.minute, [4]),
            try Self.series(#"x{job="b",i="4"}"#, step: Self.minute, [8]),
        ])
        #expect(try Self.vector(engine, "sum by (job) (x)", at: 0) == [#"{job="a"}"#: 3, #"{job="b"}"#: 12])
        #expect(try Self.vector(engine, "avg without (i) (x)", at: 0) == [#"{job="a"}"#: 1.5, #"{job="b"}"#: 6])
        #expect(try Self.vector(engine, "count(x)", at: 0) == ["{}": 4])
        #expect(try Self.vector(engine, "max(x) - min(x)", at: 0) == ["{}": 7])
        #expect(try Self.vector(engine, "topk(1, x)", at: 0) == [#"x{i="4",job="b"}"#: 8])
        #expect(try Self.vector(engine, "bottomk by (job) (1, x)", at: 0) == [#"x{i="1",job="a"}"#: 1, #"x{i="3",job="b"}"#: 4])
        #expect(try Self.vector(engine, "quantile(0.5, x)", at: 0) == ["{}": 3])
        #expect(try Self.vector(engine, "stddev by (job) (x)", at: 0) == [#"{job="a"}"#: 0.5, #"{job="b"}"#: 2])
    }

    @Test("binary operators: matching, group_left, bool, set operators, and the errors Prometheus gives")
    func binaryOperators() throws {
        let engine = Self.engine([
            try Self.series(#"errors{job="a",code="500"}"#, step: Self.minute, [3]),
            try Self.series(#"errors{job="a",code="502"}"#, step: Self.minute, [1]),
            try Self.series(#"total{job="a"}"#, step: Self.minute, [100]),
            try Self.series(#"total{job="b"}"#, step: Self.minute, [50]),
            try Self.series(#"info{job="a",team="web"}"#, step: Self.minute, [1]),
        ])
        #expect(try Self.vector(engine, "errors / ignoring(code) group_left total", at: 0)
            == [#"{code="500",job="a"}"#: 0.03, #"{code="502",job="a"}"#: 0.01])
        #expect(try Self.vector(engine, "total * on(job) group_left(team) info", at: 0) == [#"{job="a",team="web"}"#: 100])
        #expect(try Self.vector(engine, "total > 60", at: 0) == [#"total{job="a"}"#: 100])
        #expect(try Self.vector(engine, "total > bool 60", at: 0) == [#"{job="a"}"#: 1, #"{job="b"}"#: 0])
        #expect(try Self.vector(engine, "60 < total", at: 0) == [#"total{job="a"}"#: 100])
        #expect(try Self.vector(engine, "total and on(job) info", at: 0) == [#"total{job="a"}"#: 100])
        #expect(try Self.vector(engine, "total unless on(job) info", at: 0) == [#"total{job="b"}"#: 50])
        #expect(try Self.vector(engine, #"total{job="a"} or info"#, at: 0).count == 2)
        #expect(throws: SondeError.self) { try Self.vector(engine, "errors / ignoring(code) total", at: 0) }
        #expect(throws: SondeError.self) { try Self.vector(engine, "total / on() errors", at: 0) }
    }

    @Test("histogram_quantile interpolates within the bucket, by the other labels")
    func histogramQuantile() throws {
        let engine = Self.engine([
            try Self.series(#"h_bucket{le="0.1"}"#, step: Self.minute, [50]),
            try Self.series(#"h_bucket{le="1"}"#, step: Self.minute, [90]),
            try Self.series(#"h_bucket{le="+Inf"}"#, step: Self.minute, [100]),
        ])
        // Rank 50 is the top of the first bucket; rank 70 is halfway through (0.1, 1].
        #expect(try Self.vector(engine, "histogram_quantile(0.5, h_bucket)", at: 0) == ["{}": 0.1])
        #expect(try Self.vector(engine, "histogram_quantile(0.7, h_bucket)", at: 0) == ["{}": 0.1 + 0.9 * 0.5])
        // Beyond the last finite bucket: its bound.
        #expect(try Self.vector(engine, "histogram_quantile(0.99, h_bucket)", at: 0) == ["{}": 1])
    }

    @Test("label_replace, absent, timestamp, scalar, vector, time")
    func labelsAndConversions() throws {
        let engine = Self.engine([try Self.series(#"up{instance="db-1:9187"}"#, step: Self.minute, [1, 1])])
        #expect(try Self.vector(engine, #"label_replace(up, "host", "$1", "instance", "(.*):.*")"#, at: Self.minute)
            == [#"up{host="db-1",instance="db-1:9187"}"#: 1])
        #expect(try Self.vector(engine, #"label_replace(up, "host", "$1", "instance", "nomatch")"#, at: Self.minute)
            == [#"up{instance="db-1:9187"}"#: 1])
        // A pattern that backtracks exponentially is refused, as in selectors, before it can run.
        let long = String(repeating: "a", count: 40)
        let hostile = #"label_replace(label_replace(up, "x", ""# + long + #"", "", ""), "y", "$1", "x", "(a|a)*c")"#
        let refusal = #expect(throws: SondeError.self) { try Self.vector(engine, hostile, at: Self.minute) }
        #expect(refusal?.message.hasPrefix(#"regular expression "(a|a)*c" refused in label_replace(): a repeated group"#) == true, "\(String(describing: refusal))")
        #expect(try Self.vector(engine, #"absent(nothing{job="x",a=~"b"})"#, at: 0) == [#"{job="x"}"#: 1])
        #expect(try Self.vector(engine, "absent(up)", at: 0).isEmpty)
        #expect(try Self.vector(engine, "absent_over_time(nothing[5m])", at: 0) == ["{}": 1])
        #expect(try Self.vector(engine, "timestamp(up)", at: Self.minute + 30_000) == [#"{instance="db-1:9187"}"#: 60])
        #expect(try Self.vector(engine, "vector(time())", at: 90_000) == ["{}": 90])
        guard case .scalar(let missing) = try PromQLEngine(source: InMemorySampleSource()).instantQuery(try PromQLParser.parse("scalar(up)"), at: 0) else {
            Issue.record("scalar() must return a scalar")
            return
        }
        #expect(missing.isNaN)
    }

    @Test("sort and sort_desc order by value with NaN last and keep the metric name; ties keep their order")
    func sorting() throws {
        let engine = Self.engine([
            try Self.series(#"x{a="1"}"#, step: Self.minute, [3]), try Self.series(#"x{a="2"}"#, step: Self.minute, [.nan]),
            try Self.series(#"x{a="3"}"#, step: Self.minute, [1]), try Self.series(#"x{a="4"}"#, step: Self.minute, [3]),
        ])
        func order(_ text: String) throws -> [String] {
            guard case .vector(let samples) = try engine.instantQuery(try PromQLParser.parse(text), at: 0) else { return [] }
            return samples.map { $0.labels.description }
        }
        #expect(try order("sort(x)") == [#"x{a="3"}"#, #"x{a="1"}"#, #"x{a="4"}"#, #"x{a="2"}"#])
        #expect(try order("sort_desc(x)") == [#"x{a="1"}"#, #"x{a="4"}"#, #"x{a="3"}"#, #"x{a="2"}"#])
    }

    @Test("count_values writes values as Go's FormatFloat 'f' does; group, stdvar")
    func newAggregations() throws {
        let engine = Self.engine([
            try Self.series(#"x{a="1"}"#, step: Self.minute, [1e21]), try Self.series(#"x{a="2"}"#, step: Self.minute, [0.000015]),
            try Self.series(#"x{a="3"}"#, step: Self.minute, [-0.0]), try Self.series(#"x{a="4"}"#, step: Self.minute, [1e21]),
            try Self.series(#"x{a="5"}"#, step: Self.minute, [.infinity]),
        ])
        #expect(try Self.vector(engine, #"count_values("v", x)"#, at: 0) == [
            #"{v="1000000000000000000000"}"#: 2, #"{v="0.000015"}"#: 1, #"{v="-0"}"#: 1, #"{v="+Inf"}"#: 1,
        ])
        #expect(try Self.vector(engine, #"count_values without (a) ("a", x)"#, at: 0) == ["{}": 5], "without drops the value label it names, as in promtool 2.42")
        #expect(try Self.vector(engine, #"count_values by (a) ("a", x)"#, at: 0)[#"{a="0.000015"}"#] == 1, "the value replaces the label of the same name")
        #expect(try Self.vector(engine, "group(x)", at: 0) == ["{}": 1])
        let variance = try Self.engine([try Self.series(#"y{a="1"}"#, step: Self.minute, [2]), try Self.series(#"y{a="2"}"#, step: Self.minute, [4])])
        #expect(try Self.vector(variance, "stdvar(y)", at: 0) == ["{}": 1])
        #expect(throws: SondeError.self) { try Self.vector(engine, #"count_values("1v", x)"#, at: 0) }
    }

    @Test("holt_winters, label_join and clamp, with Prometheus' errors; the date functions in UTC")
    func moreFunctions() throws {
        let engine = Self.engine([try Self.series(#"y{a="1",b="p"}"#, step: Self.minute, [0, 1, 3, 6, 10, 15])])
        #expect(try Self.vector(engine, "holt_winters(y[5m], 0.3, 0.6)", at: 5 * Self.minute) == [#"{a="1",b="p"}"#: 11.1400544], "promtool 2.42's answer")
        func failure(_ text: String) -> String? {
            do {
                _ = try engine.instantQuery(try PromQLParser.parse(text), at: 5 * Self.minute)
                return nil
            } catch {
                return (error as? SondeError)?.message ?? "\(error)"
            }
        }
        #expect(failure("holt_winters(y[5m], 1.5, 0.5)") == "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.500000")
        #expect(failure("holt_winters(y[5m], 0.5, 0)") == "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000")
        #expect(failure("holt_winters(nothing[5m], 1.5, 0.5)") == nil, "checked per series, as Prometheus does")
        #expect(failure(#"label_join(y, "1b", "-", "a")"#) == "invalid destination label name in label_join(): 1b")
        #expect(failure(#"label_join(y, "c", "-", "1a")"#) == "invalid source label name in label_join(): 1a")
        #expect(try Self.vector(engine, #"label_join(y, "c", "-", "a", "b", "a")"#, at: 0) == [#"y{a="1",b="p",c="1-p-1"}"#: 0])
        #expect(try Self.vector(engine, "clamp(y, 2, 4)", at: 5 * Self.minute) == [#"{a="1",b="p"}"#: 4])
        #expect(try Self.vector(engine, "clamp(y, 4, 2)", at: 5 * Self.minute).isEmpty)
        // 2024-02-29T23:59:59Z, a leap day, a Thursday.
        let leap = "vector(1709251199)"
        for (function, expected) in [("year", 2024.0), ("month", 2), ("day_of_month", 29), ("day_of_year", 60), ("days_in_month", 29), ("day_of_week", 4), ("hour", 23), ("minute", 59)] {
            #expect(try Self.vector(engine, "\(function)(\(leap))", at: 0) == ["{}": expected], "\(function)")
        }
        #expect(try Self.vector(engine, "day_of_week(vector(-1))", at: 0) == ["{}": 3], "1969-12-31, a Wednesday")
        #expect(try Self.vector(engine, "hour()", at: 3 * 3_600_000 + 5) == ["{}": 3])
    }

    @Test("ln, log2, log10, atan, asin, acos, sin, cos and tan are Go's, to the bit")
    func goMath() throws {
        // Values where glibc's results differ from Go's in the last bit (found against promtool 2.42).
        let engine = Self.engine([try Self.series(#"x{a="1"}"#, step: Self.minute, [9]), try Self.series(#"x{a="2"}"#, step: Self.minute, [3])])
        #expect(try Self.vector(engine, "ln(x)", at: 0)[#"{a="2"}"#] == 1.0986122886681096)
        #expect(try Self.vector(engine, "log2(x)", at: 0)[#"{a="1"}"#] == 3.1699250014423126)
        #expect(try Self.vector(engine, "log10(x)", at: 0)[#"{a="1"}"#] == 0.954242509439325)
        #expect(try Self.vector(engine, "acos(x / 10)", at: 0)[#"{a="2"}"#] == 1.266103672779499)
    }

    @Test("subqueries in a range query: each step equals the instant query at that time; @ start() and @ end() are the range's")
    func subqueriesAndAtInRangeQueries() throws {
        let engine = Self.engine([
            try Self.series(#"c{a="1"}"#, step: 15_000, (0...80).map { Double($0 * $0 % 97) }),
            try Self.series(#"c{a="2"}"#, step: 15_000, (0...80).map { Double($0 * 3) }),
        ])
        for text in ["max_over_time(rate(c[1m])[5m:30s])", "avg_over_time(c[3m:])", "min_over_time(max_over_time(c[1m:10s])[4m:1m] offset 1m)", "rate(c[2m:15s] @ 600)"] {
            let expr = try PromQLParser.parse(text)
            let range = try engine.rangeQuery(expr, start: 5 * Self.minute, end: 19 * Self.minute, step: 45_000)
            for series in range {
                for (time, value) in zip(series.timestamps, series.values) {
                    let instant = try Self.vector(engine, text, at: time)
                    let key = series.labels.pairs.isEmpty ? "{}" : series.labels.description
                    #expect(instant[key] == value, "\(text) at \(time)")
                }
            }
            #expect(!range.isEmpty, "\(text)")
        }
        let pinned = try engine.rangeQuery(try PromQLParser.parse("c @ start() - c @ end()"), start: 5 * Self.minute, end: 10 * Self.minute, step: Self.minute)
        let expected = try Self.vector(engine, #"c @ 300 - c @ 600"#, at: 0)
        for series in pinned { #expect(Set(series.values) == [expected[series.labels.description]!]) }
        #expect(pinned.count == 2)
    }

    @Test("a subquery's inner steps count against the sample limit")
    func subqueryLimit() throws {
        var engine = Self.engine([try Self.series("c", step: Self.minute, (0...10).map(Double.init))])
        engine.limits = PromQLLimits(maxSamples: 100, timeout: .seconds(10))
        #expect(throws: SondeError.self) { try engine.instantQuery(try PromQLParser.parse("count_over_time(c[1h:1s])"), at: 10 * Self.minute) }
        #expect(try engine.instantQuery(try PromQLParser.parse("count_over_time(c[1m:1s])"), at: 10 * Self.minute) == .vector([
            PromQLSample(labels: Labels([]), value: 61, timestamp: 10 * Self.minute),
        ]))
    }

    @Test("nested subqueries stop at the query's deadline with Prometheus' message")
    func subqueryTimeout() throws {
        var engine = Self.engine([try Self.series("c", step: Self.minute, (0...10).map(Double.init))])
        let nested = try PromQLParser.parse("max_over_time(max_over_time(rate(c[5m])[7d:1s])[7d:1s])")
        for range in [false, true] {
            // Loading passes the deadline check; the inner steps (one a second over two weeks, for
            // each of a week's outer steps) cannot fit in 50 ms on any machine: the subquery's own
            // checks must stop it.
            engine.limits = PromQLLimits(maxSamples: .max, timeout: .milliseconds(50))
            let error = #expect(throws: SondeError.self) {
                if range {
                    _ = try engine.rangeQuery(nested, start: 0, end: 10 * Self.minute, step: Self.minute)
                } else {
                    _ = try engine.instantQuery(nested, at: 10 * Self.minute)
                }
            }
            #expect(error?.code == PromQLLimits.timeoutCode && error?.message == "query timed out in expression evaluation")
        }
    }

    @Test("times at the ends of int64 milliseconds wrap as Go's do: empty answers, never a trap")
    func extremeTimes() throws {
        let engine = Self.engine([try Self.series("c", step: Self.minute, (0...10).map(Double.init))])
        for text in [
            "c @ -9223372036854775", "c @ 9223372036854775", "rate(c[5m] @ -9223372036854775)", "rate(c[5m] offset -1m @ 9223372036854775)",
            "max_over_time(c[1m:1ms] @ -9223372036854775)", "count_over_time(c[1h:] @ 9223372036854775.807)", "c offset -292y", "c[5m] offset 292y",
        ] {
            let expr = try PromQLParser.parse(text)
            let value = try engine.instantQuery(expr, at: 5 * Self.minute)
            #expect(value == .vector([]) || value == .matrix([]), "\(text): \(value)")
            if expr.valueType == .instantVector {
                #expect(try engine.rangeQuery(expr, start: 0, end: 5 * Self.minute, step: Self.minute).isEmpty, "\(text)")
            }
        }
        // A range query's span that does not fit in int64 is too many points, not a trap.
        #expect(throws: SondeError.self) { try engine.rangeQuery(try PromQLParser.parse("c"), start: .min + 1, end: .max - 1, step: .max) }
        // Steps to the very end of time stop there.
        let last = try engine.rangeQuery(try PromQLParser.parse("time()"), start: .max - 2 * Self.minute, end: .max, step: Self.minute)
        #expect(last.first?.timestamps.count == 3)
    }

    @Test("a range query evaluates at every step and keeps each series' own points")
    func rangeQuery() throws {
        let engine = Self.engine([try Self.series("c", step: Self.minute, (0...10).map { Double($0) * 60 })])
        let result = try engine.rangeQuery(try PromQLParser.parse("rate(c[2m])"), start: 0, end: 10 * Self.minute, step: Self.minute)
        #expect(result.count == 1)
        #expect(result[0].labels.pairs.isEmpty)
        #expect(result[0].timestamps == (1...10).map { Int64($0) * Self.minute })
        // At 1m the window [-1m, 1m] has 0 and 60: extrapolating back to -1m would go below zero, so
        // the start stops at the counter's zero point (the first sample itself): 60 over 120 s.
        #expect(result[0].values.first == 0.5)
        #expect(result[0].values.dropFirst().allSatisfy { $0 == 1 })
        let scalar = try engine.rangeQuery(try PromQLParser.parse("time()"), start: 0, end: 2 * Self.minute, step: Self.minute)
        #expect(scalar.first?.values == [0, 60, 120])
        #expect(throws: SondeError.self) { try engine.rangeQuery(try PromQLParser.parse("c[1m]"), start: 0, end: 1, step: 1) }
    }
}
