/// The calendar fields of Go's `time.Unix(seconds, 0).UTC()`, which Prometheus' date functions
/// (`hour`, `day_of_month`, `year` …) read, ported from Go 1.19's `time` package (Debian's
/// Prometheus 2.42 is built with it). Go counts in unsigned seconds since its absolute zero year,
/// −292,277,022,399; for seconds beyond that range (and `int64(NaN)`, the smallest int64 on amd64)
/// its arithmetic wraps around, and so does this port, giving the same odd dates promtool gives.
enum GoTime {
    static let secondsPerDay: UInt64 = 86_400
    static let daysPer400Years: UInt64 = 365 * 400 + 97
    static let daysPer100Years: UInt64 = 365 * 100 + 24
    static let daysPer4Years: UInt64 = 365 * 4 + 1
    static let absoluteZeroYear: Int64 = -292_277_022_399
    /// Go's `unixToInternal + internalToAbsolute`.
    static let unixToAbsolute: Int64 = 9_223_372_028_715_321_600
    static let daysBefore: [Int] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

    struct Fields {
        var year: Int64
        var month: Int
        var day: Int
        /// Days since January 1 (`YearDay() - 1`).
        var dayOfYear: Int
        var hour: Int
        var minute: Int
        /// 0 is Sunday.
        var weekday: Int
    }

    /// Go's `int64(value)` on amd64: toward zero; NaN, infinities and what does not fit become
    /// the smallest int64.
    static func int64(_ value: Double) -> Int64 {
        value >= -9.223372036854775808e18 && value < 9.223372036854775808e18 ? Int64(value) : .min
    }

    static func fields(unixSeconds seconds: Int64) -> Fields {
        let absolute = UInt64(bitPattern: seconds &+ unixToAbsolute)
        // absWeekday: the absolute zero year began on a Monday.
        let weekday = Int((absolute &+ secondsPerDay) % (7 * secondsPerDay) / secondsPerDay)
        // absDate: 400-, 100- and 4-year cycles, then years.
        var days = absolute / secondsPerDay
        var cycles = days / daysPer400Years
        var year = 400 &* cycles
        days -= daysPer400Years * cycles
        cycles = days / daysPer100Years
        cycles -= cycles >> 2
        year = year &+ 100 &* cycles
        days -= daysPer100Years * cycles
        cycles = days / daysPer4Years
        year = year &+ 4 &* cycles
        days -= daysPer4Years * cycles
        cycles = days / 365
        cycles -= cycles >> 2
        year = year &+ cycles
        days -= 365 * cycles
        let civilYear = Int64(bitPattern: year) &+ absoluteZeroYear
        let dayOfYear = Int(days)
        let (month, day) = monthAndDay(dayOfYear: dayOfYear, leap: isLeap(civilYear))
        return Fields(
            year: civilYear, month: month, day: day, dayOfYear: dayOfYear,
            hour: Int(absolute % secondsPerDay) / 3600, minute: Int(absolute % 3600) / 60, weekday: weekday)
    }

    /// The month (1–12) and day of a day of the year counted from 0, as the end of Go's absDate.
    static func monthAndDay(dayOfYear: Int, leap: Bool) -> (month: Int, day: Int) {
        var day = dayOfYear
        if leap && day >= 31 + 29 - 1 {
            if day == 31 + 29 - 1 { return (2, 29) }
            day -= 1  // after the leap day: as if it were not there
        }
        // A month of 31 days at first guess; the guess may be one month short.
        var month = day / 31
        let end = daysBefore[month + 1]
        let begin: Int
        if day >= end {
            month += 1
            begin = end
        } else {
            begin = daysBefore[month]
        }
        return (month + 1, day - begin + 1)
    }

    static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    /// Go's `daysIn`, which `32 - time.Date(y, m, 32, …).Day()` (Prometheus' days_in_month) equals.
    static func daysIn(month: Int, year: Int64) -> Int {
        month == 2 && isLeap(year) ? 29 : daysBefore[month] - daysBefore[month - 1]
    }
}
