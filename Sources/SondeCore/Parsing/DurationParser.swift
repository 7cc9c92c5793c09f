/// Prometheus durations in milliseconds: `500ms`, `10s`, `5m`, `1h30m`, `2d`, `1w`, `1y`, or `0`.
/// Units are `y` (365 days), `w`, `d`, `h`, `m`, `s`, `ms`; each at most once and from largest to
/// smallest, integers only, as Prometheus' `model.ParseDuration` requires. It does not accept
/// negative durations or Go's `1.5h`; callers that allow a sign (`TimeExpression`) handle it.
public enum DurationParser {
    static let units: [(name: String, milliseconds: Int64)] = [
        ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
        ("m", 60_000), ("s", 1000), ("ms", 1),
    ]
    static let expectedUnits = "ms, s, m, h, d, w or y"

    /// The duration in milliseconds; errors are positioned in `text` (line 1).
    public static func parse(_ text: String) throws(ParseError) -> Int64 {
        try text.withParsingBytes { (bytes) throws(ParseError) -> Int64 in try parse(bytes, offset: 0) }
    }

    /// Parses `bytes[offset...]`; errors carry columns relative to the start of `bytes`.
    static func parse(_ bytes: UnsafeRawBufferPointer, offset start: Int) throws(ParseError) -> Int64 {
        let count = bytes.count
        var index = start
        if index == count {
            throw .atOffset(index, "unexpected end of input, expected a duration like 5m or 1h30m")
        }
        if count - start == 1, bytes[start] == UInt8(ascii: "0") { return 0 }
        var total: Int64 = 0
        var lastUnit = -1
        while index < count {
            let numberStart = index
            var number: Int64 = 0
            var overflow = false
            while index < count, ByteText.isDigit(bytes[index]) {
                let (times10, o1) = number.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[index] &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                number = sum
                index += 1
            }
            if index == numberStart {
                throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)), expected a number")
            }
            let unitStart = index
            guard index < count else {
                throw .atOffset(index, "unexpected end of input, expected a unit (\(expectedUnits)) after \(ByteText.quote(bytes[numberStart..<index]))")
            }
            var unitEnd = index
            while unitEnd < count, (bytes[unitEnd] | 0x20) &- UInt8(ascii: "a") < 26 { unitEnd += 1 }
            if unitEnd == index { unitEnd += 1 }  // not a letter: name that one byte
            let unitText = bytes[index..<unitEnd]
            guard let unitIndex = units.firstIndex(where: { $0.name.utf8.elementsEqual(unitText) }) else {
                throw .atOffset(index, "unknown unit \(ByteText.quote(unitText)), expected \(expectedUnits)")
            }
            index = unitEnd
            if unitIndex <= lastUnit {
                throw .atOffset(
                    unitStart,
                    "unit \"\(units[unitIndex].name)\" after \"\(units[lastUnit].name)\", expected each unit at most once, from largest to smallest (y, w, d, h, m, s, ms)"
                )
            }
            lastUnit = unitIndex
            let (part, o3) = number.multipliedReportingOverflow(by: units[unitIndex].milliseconds)
            let (sum, o4) = total.addingReportingOverflow(part)
            if overflow || o3 || o4 {
                throw .atOffset(start, "duration \(ByteText.quote(bytes[start..<count])) is too large")
            }
            total = sum
        }
        return total
    }

    /// Prometheus' rendering: `0s`, `500ms`, `1h30m`, `1w1d`, `1y`; negative values get a `-`.
    public static func format(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds.magnitude
        var out = milliseconds < 0 ? "-" : ""
        for unit in units {
            let size = UInt64(unit.milliseconds)
            if rest >= size {
                out += "\(rest / size)\(unit.name)"
                rest %= size
            }
        }
        return out
    }
}
