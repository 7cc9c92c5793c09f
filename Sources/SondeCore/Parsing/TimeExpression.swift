/// Points in time as users type them on the command line and in API parameters, in milliseconds
/// since the Unix epoch:
///
/// - RFC 3339: `2026-11-22T07:00:00Z`, `2026-11-22T07:00:00.123+01:00` (`t`/space for `T`, `z` for
///   `Z`; fractions beyond milliseconds are truncated);
/// - Unix seconds with an optional fraction: `1795331271`, `1795331271.5` (converted exactly, see
///   `EpochSeconds`);
/// - `now`, and durations relative to it: `-1h`, `+5m`, `now-1h`, `now+90m` (see `DurationParser`).
///
/// A leading sign always means "relative to now", so negative Unix seconds are not accepted. It
/// does not accept bare dates, time zone names, or leap seconds (`:60`).
public enum TimeExpression {
    static let expected =
        "expected an RFC 3339 time (2026-11-22T07:00:00Z), Unix seconds, \"now\" or a relative duration like \"-1h\""

    /// The time `text` denotes, with `now` (ms since the epoch) as the base for relative forms.
    public static func parse(_ text: String, now: Int64) throws(ParseError) -> Int64 {
        try text.withParsingBytes { (bytes) throws(ParseError) -> Int64 in try parse(bytes, now: now) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, now: Int64) throws(ParseError) -> Int64 {
        let count = bytes.count
        guard count > 0 else { throw .atOffset(0, "empty time, " + expected) }
        var index = 0
        if count >= 3, bytes[0] == UInt8(ascii: "n"), bytes[1] == UInt8(ascii: "o"), bytes[2] == UInt8(ascii: "w") {
            index = 3
            if index == count { return now }
            guard bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") else {
                throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)) after \"now\", expected \"-\" or \"+\" and a duration")
            }
        }
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            let negative = bytes[index] == UInt8(ascii: "-")
            let duration = try DurationParser.parse(bytes, offset: index + 1)
            let (result, overflow) =
                negative ? now.subtractingReportingOverflow(duration) : now.addingReportingOverflow(duration)
            if overflow { throw .atOffset(0, "time \(ByteText.quote(bytes[0..<count])) is out of range") }
            return result
        }
        if count >= 5, bytes[4] == UInt8(ascii: "-"), bytes[0..<4].allSatisfy(ByteText.isDigit) {
            return try RFC3339.parse(bytes)
        }
        if ByteText.isDigit(bytes[0]) || bytes[0] == UInt8(ascii: ".") {
            if let milliseconds = EpochSeconds.milliseconds(bytes) { return milliseconds }
            var bad = 0
            var seenDot = false
            while bad < count, ByteText.isDigit(bytes[bad]) || (bytes[bad] == UInt8(ascii: ".") && !seenDot) {
                if bytes[bad] == UInt8(ascii: ".") { seenDot = true }
                bad += 1
            }
            if bad == count, bytes.contains(where: ByteText.isDigit) {
                throw .atOffset(0, "time \(ByteText.quote(bytes[0..<count])) is out of range")
            }
            throw .atOffset(bad, "unexpected \(ByteText.describe(bytes, at: bad)) in Unix seconds, " + expected)
        }
        throw .atOffset(0, "unexpected \(ByteText.describe(bytes, at: 0)), " + expected)
    }
}
