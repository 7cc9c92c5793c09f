/// RFC 3339 timestamps, the one parser for every place sonde reads them: AWS responses (credential
/// expiry, CloudWatch datapoints), JSON access logs, and times typed on the command line.
///
/// Accepted: `2026-11-22T07:00:00Z`, `2026-11-22T07:00:00.123+01:00`; `t` or a space for `T`, `z` for
/// `Z`, and `,` for the fraction's `.` (ISO 8601's form, which Python's logging writes). Fractions of
/// any length are truncated to milliseconds. Not accepted: a missing zone, `+0100` without the colon,
/// zone names, bare dates, and leap seconds (`:60`), which no clock sonde reads produces.
public enum RFC3339 {
    /// `parse(_:)` on a string; nil for anything it refuses.
    public static func milliseconds(_ text: String) -> Int64? {
        text.withParsingBytes { bytes in try? parse(bytes) }
    }

    /// Milliseconds since the epoch for `bytes`, which must hold one timestamp and nothing else; a
    /// `ParseError` at the offending byte otherwise.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> Int64 {
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
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            let separator = Character(Unicode.Scalar(bytes[index]))
            index += 1
            let fractionStart = index
            while index < bytes.count, ByteText.isDigit(bytes[index]) {
                if index - fractionStart < 3 { milliseconds = milliseconds * 10 + Int64(bytes[index] &- UInt8(ascii: "0")) }
                index += 1
            }
            if index == fractionStart {
                throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)), expected fractional seconds after \"\(separator)\"")
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
