#if canImport(Glibc)
import Glibc
#endif
import SondeCore

/// The ISO 8601 timestamps AWS sends (`2024-02-15T12:00:00Z`, `2024-02-15T12:00:00.123Z`,
/// `2024-02-15T12:00:00+00:00`) and the form it accepts in requests.
public enum AWSTimestamp {
    /// Milliseconds since the epoch, or nil for anything else: date and time are required, the
    /// fraction is optional (digits past milliseconds ignored), the zone is `Z` or `±HH:MM`.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")), let day = digits(2) else { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t") || bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")), let second = digits(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month), hour <= 23, minute <= 59, second <= 60 else { return nil }
        var millis: Int64 = 0
        if expect(UInt8(ascii: ".")) {
            var scale: Int64 = 100
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                millis += Int64(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start, index - start <= 9 else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
            offsetSeconds = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = digits(2), expect(UInt8(ascii: ":")), let offsetMinutes = digits(2), offsetHours <= 23, offsetMinutes <= 59 else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = CivilDate.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return seconds * 1000 + millis
    }

    /// `2024-02-15T12:00:00Z` (whole seconds, UTC): what request parameters such as `StartTime` take.
    public static func format(milliseconds: Int64) -> String {
        let text = TimestampFormat.rfc3339(milliseconds: milliseconds)
        // `…T12:00:00.000Z` → `…T12:00:00Z`
        guard let dot = text.lastIndex(of: ".") else { return text }
        return String(text[..<dot]) + "Z"
    }
}
