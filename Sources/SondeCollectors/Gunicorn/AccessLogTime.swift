import SondeCore

/// Calendar arithmetic for access-log timestamps, without Foundation.
///
/// Handles the proleptic Gregorian calendar with fixed UTC offsets only; it knows nothing of time
/// zone names or leap seconds (a `:60` second is rejected).
public enum AccessLogTime {
    /// Days since 1970-01-01 for a civil date (see `CivilDate`).
    @inlinable
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        Int(CivilDate.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    /// Days in `month` of `year`.
    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return CivilDate.isLeapYear(Int64(year)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Milliseconds since the epoch for a validated civil time and an offset east of UTC in seconds;
    /// nil when a field is out of range.
    @inlinable
    public static func epochMilliseconds(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int = 0,
        offsetSeconds: Int
    ) -> Int64? {
        guard year >= 1, year <= 9999, month >= 1, month <= 12, day >= 1,
            day <= daysInMonth(year: year, month: month), hour >= 0, hour <= 23, minute >= 0, minute <= 59,
            second >= 0, second <= 59, millisecond >= 0, millisecond <= 999
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        return Int64(seconds) * 1_000 + Int64(millisecond)
    }

    /// Parses Gunicorn's / Apache's / nginx's `10/Oct/2000:13:55:36 -0700` (without brackets) in
    /// `bytes[start..<end]` into milliseconds since the epoch.
    @inlinable
    public static func parseCommonLog(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
        // dd/Mon/yyyy:HH:MM:SS +hhmm = 26 bytes
        guard end - start == 26, start >= 0, end <= p.count else { return nil }
        @inline(__always) func d(_ i: Int) -> Int {
            let v = Int(p[start + i]) &- 48
            return (v >= 0 && v <= 9) ? v : -1_000_000
        }
        let day = d(0) * 10 + d(1)
        guard p[start + 2] == UInt8(ascii: "/"), p[start + 6] == UInt8(ascii: "/"), p[start + 11] == UInt8(ascii: ":"),
            p[start + 14] == UInt8(ascii: ":"), p[start + 17] == UInt8(ascii: ":"), p[start + 20] == UInt8(ascii: " ")
        else { return nil }
        guard let month = monthNumber(p[start + 3], p[start + 4], p[start + 5]) else { return nil }
        let year = d(7) * 1000 + d(8) * 100 + d(9) * 10 + d(10)
        let hour = d(12) * 10 + d(13)
        let minute = d(15) * 10 + d(16)
        let second = d(18) * 10 + d(19)
        let sign = p[start + 21]
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let oh = d(22) * 10 + d(23)
        let om = d(24) * 10 + d(25)
        guard oh >= 0, oh <= 23, om >= 0, om <= 59 else { return nil }
        let offset = (oh * 3_600 + om * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        return epochMilliseconds(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetSeconds: offset)
    }

    /// Month number (1…12) for an English three-letter abbreviation, case-insensitive.
    @inlinable
    public static func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6A_616E: return 1  // jan
        case 0x66_6562: return 2  // feb
        case 0x6D_6172: return 3  // mar
        case 0x61_7072: return 4  // apr
        case 0x6D_6179: return 5  // may
        case 0x6A_756E: return 6  // jun
        case 0x6A_756C: return 7  // jul
        case 0x61_7567: return 8  // aug
        case 0x73_6570: return 9  // sep
        case 0x6F_6374: return 10  // oct
        case 0x6E_6F76: return 11  // nov
        case 0x64_6563: return 12  // dec
        default: return nil
        }
    }
}
