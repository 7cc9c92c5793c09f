// Fuzzes the PromQL parser (rule expressions, `sonde query`, the API's query=) and the evaluator
// behind it. Invariants besides "does not trap or overflow the stack": a parsed expression's
// `description` parses back to an equal expression, errors point inside the input (or just past
// its end), and an accepted expression evaluates, as an instant and as a range query, under the
// API's limits, to a value or a SondeError; never a trap (overflowing offsets, `@` times and
// subquery steps included).
import FuzzDriver
import FuzzSupport
import SondeCore
import SondeRules

/// A few series of the kinds rules meet: a counter with a reset, a gauge with a gap and a staleness
/// marker, histogram buckets, two metric names sharing labels.
let engine: PromQLEngine = {
    var series: [PromQLSeries] = []
    let times: [Int64] = (0..<30).map { (index: Int) -> Int64 in Int64(index) * 60_000 }
    for instance in ["a", "b"] {
        var counter: [Double] = []
        var gauge: [Double] = []
        for index in 0..<30 {
            counter.append(Double(index < 20 ? index * 10 : (index - 20) * 3))
            gauge.append(index == 12 ? StaleMarker.value : Double(index % 7) - 2.5)
        }
        series.append(PromQLSeries(labels: Labels(name: "requests_total", ["instance": instance, "code": "200"]), timestamps: times, values: counter))
        // A gap at the sixth minute.
        series.append(PromQLSeries(
            labels: Labels(name: "temperature", ["instance": instance]), timestamps: times.enumerated().filter { $0.offset != 5 }.map(\.element),
            values: gauge.enumerated().filter { $0.offset != 5 }.map(\.element)))
        for (bound, scale) in [("0.1", 1.0), ("1", 2.0), ("+Inf", 4.0)] {
            series.append(PromQLSeries(labels: Labels(name: "latency_bucket", ["instance": instance, "le": bound]), timestamps: times, values: counter.map { $0 * scale }))
        }
    }
    return PromQLEngine(source: InMemorySampleSource(series))
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(data, size)
    let expr: PromQLExpr
    do {
        expr = try PromQLParser.parse(source)
        let rendered = expr.description
        do {
            let again = try PromQLParser.parse(rendered)
            check(again == expr, "description \(rendered) of \(source.debugDescription) parses to another expression")
        } catch {
            check(false, "description \(rendered) of \(source.debugDescription) does not parse: \(error)")
        }
    } catch {
        check(error.line >= 1 && error.column >= 1, "error position \(error.line):\(error.column)")
        return 0
    }
    // The API's limits, smaller: a fuzzed subquery may ask for billions of steps.
    var limited = engine
    limited.limits = PromQLLimits(maxSamples: 200_000, timeout: .milliseconds(200))
    _ = try? limited.instantQuery(expr, at: 20 * 60_000)
    limited.limits = PromQLLimits(maxSamples: 200_000, timeout: .milliseconds(200))
    _ = try? limited.rangeQuery(expr, start: 0, end: 30 * 60_000, step: 60_000)
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
