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
            return try parseRFC3339(bytes)
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

    static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> Int64 {
        var index = 0
        func number(_ digits: Int, _ what: String) throws(ParseError) -> Int64 {
            var value: Int64 = 0
            for k in 0..<digits {
                guard index + k < bytes.count, ByteText.isDigit(bytes[index + k]) else {
                    throw .atOffset(index + k, "unexpected \(ByteText.describe(bytes, at: index + k)), expected \(what) (\(digits) digits)")
                }
                value = value * 10 + Int64(bytes[index + k] &- UInt8(ascii: "0"))
            }
            index += digits
            return value
        }
        func expect(_ options: [UInt8], _ what: String) throws(ParseError) {
            guard index < bytes.count, options.contains(bytes[index]) else {
                throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)), expected \(what)")
            }
            index += 1
        }
        func range(_ value: Int64, _ start: Int, _ limit: ClosedRange<Int64>, _ what: String) throws(ParseError) {
            guard limit.contains(value) else {
                throw .atOffset(start, "\(what) \(value) out of range \(limit.lowerBound)-\(limit.upperBound)")
            }
        }
        let year = try number(4, "a year")
        try expect([UInt8(ascii: "-")], "\"-\"")
        var start = index
        let month = try number(2, "a month")
        try range(month, start, 1...12, "month")
        try expect([UInt8(ascii: "-")], "\"-\"")
        start = index
        let day = try number(2, "a day")
        try range(day, start, 1...CivilDate.daysInMonth(year: year, month: month), "day")
        try expect([UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")], "\"T\" and a time of day")
        start = index
        let hour = try number(2, "an hour")
        try range(hour, start, 0...23, "hour")
        try expect([UInt8(ascii: ":")], "\":\"")
        start = index
        let minute = try number(2, "minutes")
        try range(minute, start, 0...59, "minute")
        try expect([UInt8(ascii: ":")], "\":\"")
        start = index
        let second = try number(2, "seconds")
        try range(second, start, 0...59, "second")
        var milliseconds: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, ByteText.isDigit(bytes[index]) {
                if index - fractionStart < 3 { milliseconds = milliseconds * 10 + Int64(bytes[index] &- UInt8(ascii: "0")) }
                index += 1
            }
            if index == fractionStart {
                throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)), expected fractional seconds after \".\"")
            }
            for _ in min(index - fractionStart, 3)..<3 { milliseconds *= 10 }
        }
        var offsetMinutes: Int64 = 0
        guard index < bytes.count else {
            throw .atOffset(index, "unexpected end of input, expected a time zone offset (\"Z\" or like \"+01:00\")")
        }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            start = index
            let offsetHours = try number(2, "offset hours")
            try range(offsetHours, start, 0...23, "offset hour")
            try expect([UInt8(ascii: ":")], "\":\"")
            start = index
            let offsetMinutesPart = try number(2, "offset minutes")
            try range(offsetMinutesPart, start, 0...59, "offset minute")
            offsetMinutes = sign * (offsetHours * 60 + offsetMinutesPart)
        default:
            throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)), expected a time zone offset (\"Z\" or like \"+01:00\")")
        }
        if index < bytes.count {
            throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)), expected end of input")
        }
        let days = CivilDate.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + milliseconds
    }
}
