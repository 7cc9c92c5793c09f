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
    public var daysOfMonth: [ClosedRange<Int>] = []
    public var months: [ClosedRange<Int>] = []
    public var years: [ClosedRange<Int>] = []
    /// An IANA time zone name (`Europe/Berlin`), nil for UTC.
    public var location: String?

    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

    /// Where the system's time zone database lives; a location must name a file in it.
    static let zoneInfoDirectory = "/usr/share/zoneinfo"
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

    struct RangeError: Error {
        var message: String
    }
}
