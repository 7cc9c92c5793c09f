// Fuzzes the small value parsers on the same input: `TimeExpression.parse`, `DurationParser.parse`,
// `ByteSize.parse`, `EpochSeconds.milliseconds` and `PostgresDSN` (a config value libpq later reads).
// Invariants besides "does not trap": durations are non-negative and survive
// `DurationParser.format` → `parse`; sizes are non-negative (`ByteSize` documents negative sizes as
// errors) and `format` does not trap; a DSN's redacted form parses back to the same keywords, with
// `<redacted>` for every password.
import FuzzDriver
import FuzzSupport
import SondeCore

/// 2026-11-22T07:00:00Z, a realistic "now" for relative times.
private let now: Int64 = 1_795_331_271_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(data, size)

    _ = try? TimeExpression.parse(source, now: now)
    _ = try? TimeExpression.parse(source, now: 0)

    if let duration = try? DurationParser.parse(source) {
        check(duration >= 0, "negative duration \(duration) from \(source.debugDescription)")
        let rendered = DurationParser.format(duration)
        check((try? DurationParser.parse(rendered)) == duration,
              "format(\(duration)) = \(rendered.debugDescription) does not parse back")
    }

    if let bytes = try? ByteSize.parse(source) {
        check(bytes >= 0, "negative size \(bytes) from \(source.debugDescription)")
        _ = ByteSize.format(bytes)
    }

    if let dsn = try? PostgresDSN(source) {
        let redacted = dsn.redacted
        let expected = dsn.parameters.map { "\($0.key)=\($0.key == "password" ? "<redacted>" : $0.value)" }
        let reparsed = (try? PostgresDSN(redacted))?.parameters.map { "\($0.key)=\($0.value)" }
        check(reparsed == expected, "redacted \(redacted.debugDescription) of \(source.debugDescription) parses to \(String(describing: reparsed))")
    }

    _ = withExactCopy(UnsafeBufferPointer(start: data, count: size)) { EpochSeconds.milliseconds($0) }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
