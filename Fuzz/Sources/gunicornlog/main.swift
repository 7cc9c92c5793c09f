// Fuzzes the Gunicorn log parsers: the `access_log_format` compiler (the input's first line is the
// format), the compiled byte-level parser, the default format, nginx `combined`, JSON lines and
// the error-log classifier on every further line, and the metrics they feed (route folding, the
// route cap, histograms). Invariants besides "does not trap":
// - a parsed status is three digits, a duration finite and non-negative;
// - the folded route of a "/"-rooted path is "/"-rooted;
// - the metrics count exactly one request or one unparsed line per access line.
import FuzzDriver
import FuzzSupport
import SondeCollectors
import SondeCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    guard let first = lines.first else { return 0 }
    let formatText = String(decoding: first, as: UTF8.self)

    var decoders: [AccessLogDecoder] = [.json(AccessLogJSONParser())]
    for format in [nil, "combined", formatText] {
        if let decoder = try? AccessLogDecoder(format: format) { decoders.append(decoder) }
    }
    var metrics = decoders.map { GunicornAccessMetrics(app: "fuzz", decoder: $0) }
    var errors = GunicornErrorMetrics(app: "fuzz")
    var folded: [UInt8] = []
    for line in lines.dropFirst() {
        withExactCopy(UnsafeBufferPointer(rebasing: line)) { raw in
            for decoder in decoders {
                if let record = try? decoder.parse(raw) {
                    check((100...999).contains(record.status) || record.status == 0, "status \(record.status)")
                    if let d = record.durationSeconds { check(d.isFinite && d >= 0, "duration \(d)") }
                    if let path = record.path {
                        var copy = path
                        copy.withUTF8 { RouteFolding.fold(path: UnsafeRawBufferPointer($0), into: &folded) }
                        check(folded.first == UInt8(ascii: "/") || !path.hasPrefix("/"), "route \(folded) of \(path.debugDescription)")
                    }
                }
            }
            for index in metrics.indices { metrics[index].ingest(raw, fallbackTime: 1_700_000_000_000) }
            errors.ingest(raw, fallbackTime: 1_700_000_000_000)
        }
    }
    for index in metrics.indices {
        _ = metrics[index].finishRound(now: 1_700_000_000_000, caughtUp: true)
        let counted = metrics[index].total("gunicorn_requests_total") + metrics[index].total("sonde_log_lines_unparsed_total")
        check(counted == Double(lines.count - 1), "\(counted) counted for \(lines.count - 1) lines")
    }
    _ = errors.finishRound(now: 1_700_000_000_000, caughtUp: true)
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
