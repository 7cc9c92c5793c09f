import SondeCore

/// One entry of a named `time_intervals` list: the moments that fall in every range it sets (an
/// unset field matches always), in its `location` (UTC unless set). Routes mute or activate
/// notifications by name during these.
public struct RecurringTimeInterval: Sendable, Equatable {
    /// Minutes of the day, start inclusive, end exclusive (`17:00`–`24:00` is 1020..<1440).
    public var times: [Range<Int>] = []
    /// 0 is Sunday, as in Go's `time.Weekday`.
    public var weekdays: [ClosedRange<Int>] = []
    /// 1…31, or −31…−1 counted from the month's end.
    public var daysOfMonth: [DayRange] = []
    public var months: [ClosedRange<Int>] = []
    public var years: [ClosedRange<Int>] = []
    /// The `location` (`Europe/Berlin`), nil for UTC.
    public var zone: TimeZoneTable?

    /// Days of the month, `first` to `last` inclusive; `1:-1` is the whole month.
    public struct DayRange: Sendable, Equatable {
        public var first: Int
        public var last: Int
        public init(_ first: Int, _ last: Int) {
            self.first = first
            self.last = last
        }
    }

    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

    /// Where the system's time zone database lives; a location must name a file in it.
    static let zoneInfoDirectory = "/usr/share/zoneinfo"

    /// Whether the moment (milliseconds since the epoch) falls in this interval, read in its zone.
    public func contains(_ milliseconds: Int64) -> Bool {
        var seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        seconds += zone?.offset(at: seconds) ?? 0
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let minute = Int((seconds - days * 86_400) / 60)
        let civil = CivilDate.civil(fromDays: days)
        let (year, month, day) = (Int(civil.year), Int(civil.month), Int(civil.day))
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        if !times.isEmpty, !times.contains(where: { $0.contains(minute) }) { return false }
        if !daysOfMonth.isEmpty {
            let length = Int(CivilDate.daysInMonth(year: civil.year, month: civil.month))
            let matches = daysOfMonth.contains { range in
                // Negative days count from the month's end (-1 is the last day); Alertmanager's clamping.
                let first = range.first < 0 ? length + range.first + 1 : range.first
                let last = range.last < 0 ? length + range.last + 1 : range.last
                guard first <= length else { return false }
                return day >= max(first, -length) && day <= min(last, length)
            }
            if !matches { return false }
        }
        if !months.isEmpty, !months.contains(where: { $0.contains(month) }) { return false }
        if !weekdays.isEmpty, !weekdays.contains(where: { $0.contains(weekday) }) { return false }
        if !years.isEmpty, !years.contains(where: { $0.contains(year) }) { return false }
        return true
    }
}

extension RecurringTimeInterval {
    /// `HH:MM`, 00:00 to 24:00.
    static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0...59).contains(minutes)
        else { return nil }
        let total = hours * 60 + minutes
        return total <= 24 * 60 ? total : nil
    }

    /// `first:last` or a single value, each read by `value`; Alertmanager's messages.
    static func range(_ text: String, what: String, value: (String) throws(RangeError) -> Int) throws(RangeError) -> ClosedRange<Int> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw RangeError(message: "\(what) range \"\(text)\": expected first:last") }
        let first = try value(parts[0])
        let last = parts.count == 2 ? try value(parts[1]) : first
        guard first <= last else { throw RangeError(message: "\(what) range \"\(text)\": start cannot be after end") }
        return first...last
    }

    /// `first:last` or a single day; 1:-1 is the whole month, and days of one sign must be in order.
    static func dayRange(_ text: String, value: (String) throws(RangeError) -> Int) throws(RangeError) -> DayRange {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw RangeError(message: "day of month range \"\(text)\": expected first:last") }
        let first = try value(parts[0])
        let last = parts.count == 2 ? try value(parts[1]) : first
        if first < 0, last > 0 { throw RangeError(message: "end day must be negative if start day is negative") }
        if (first < 0) == (last < 0), first > last { throw RangeError(message: "end day \(last) is always before start day \(first)") }
        return DayRange(first, last)
    }

    struct RangeError: Error {
        var message: String
    }
}
