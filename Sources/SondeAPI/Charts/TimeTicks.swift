import SondeCore

/// The time axis: ticks at round UTC times (every 5 min, every 6 h, at midnight…) and their labels.
/// Labels are UTC, like the timestamps in the API, so a chart reads the same wherever it is viewed.
enum TimeTicks {
    static let second: Int64 = 1000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour

    /// Tick steps in milliseconds, smallest first. Days and weeks count from the Unix epoch, so they
    /// fall on UTC midnight; beyond a year, steps are whole 365-day "years".
    static let steps: [Int64] = [
        second, 2 * second, 5 * second, 10 * second, 15 * second, 30 * second,
        minute, 2 * minute, 5 * minute, 10 * minute, 15 * minute, 30 * minute,
        hour, 2 * hour, 3 * hour, 6 * hour, 12 * hour,
        day, 2 * day, 7 * day, 14 * day, 30 * day, 60 * day, 90 * day, 180 * day,
    ] + [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000, 100_000, 1_000_000].map { $0 * 365 * day }

    /// Labelled ticks at the multiples of the smallest step that gives at most `maxCount` of them in
    /// `start...end`. Empty when the range is empty or too large to compute with.
    static func axis(start: Int64, end: Int64, maxCount: Int) -> [(time: Int64, label: String)] {
        let (span, overflow) = end.subtractingReportingOverflow(start)
        guard !overflow, span > 0, maxCount > 0 else { return [] }
        for step in steps {
            let (below, belowOverflow) = ChartMath.floorDivide(start, step).multipliedReportingOverflow(by: step)
            let (above, aboveOverflow) = below.addingReportingOverflow(step)
            guard !belowOverflow, !aboveOverflow else { return [] }
            let firstTick = below < start ? above : below
            let count = firstTick > end ? 0 : (end - firstTick) / step + 1
            if count <= Int64(maxCount) {
                return (0..<count).map { index in
                    let time = firstTick + index * step
                    return (time, label(time, step: step, span: span))
                }
            }
        }
        return []
    }

    /// "05:00" for ranges up to two days ("05:00:30" when ticks are less than a minute apart);
    /// beyond that "Nov 22" when ticks fall on midnights, otherwise "Nov 22 05:00".
    static func label(_ time: Int64, step: Int64, span: Int64) -> String {
        let date = UTCTime(milliseconds: time)
        if span <= 2 * day {
            return step < minute ? "\(date.hourMinute):\(twoDigits(date.second))" : date.hourMinute
        }
        return step % day == 0 ? date.monthDay : "\(date.monthDay) \(date.hourMinute)"
    }

    /// The widest label a range can get, in characters, to decide how many fit side by side.
    static func widestLabel(start: Int64, end: Int64) -> Int {
        let (span, overflow) = end.subtractingReportingOverflow(start)
        return !overflow && span <= 2 * day ? 8 : 12
    }

    fileprivate static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}

/// A moment in UTC broken into calendar fields, from Unix milliseconds, on the proleptic Gregorian
/// calendar (SondeCore's `CivilDate`).
struct UTCTime {
    var year: Int64
    var month: Int64
    var day: Int64
    var hour: Int64
    var minute: Int64
    var second: Int64

    init(milliseconds: Int64) {
        // About three million years either way: `CivilDate` cannot overflow inside it, and a chart
        // of times beyond it is no calendar's business.
        let milliseconds = min(max(milliseconds, -100_000_000_000_000_000), 100_000_000_000_000_000)
        let days = ChartMath.floorDivide(milliseconds, TimeTicks.day)
        let secondOfDay = (milliseconds - days * TimeTicks.day) / 1000
        (year, month, day) = CivilDate.civil(fromDays: days)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    var hourMinute: String { "\(TimeTicks.twoDigits(hour)):\(TimeTicks.twoDigits(minute))" }
    var monthDay: String { "\(Self.monthNames[Int(month - 1)]) \(TimeTicks.twoDigits(day))" }
}
