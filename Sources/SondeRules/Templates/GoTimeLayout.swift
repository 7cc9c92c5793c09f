import SondeCore

/// Go's `time.Time.Format` for times in UTC, so `{{ .StartsAt.Format "2006-01-02 15:04" }}` in an
/// Alertmanager template prints what Alertmanager prints. The layout is Go's reference time
/// `Mon Jan 2 15:04:05 MST 2006` written the way the output should look.
extension GoFormat {
    /// Go's zero `time.Time` (`0001-01-01 00:00:00 +0000 UTC`): a firing alert's `EndsAt`.
    public static let zeroTimeMilliseconds: Int64 = -62_135_596_800_000

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Unix milliseconds as days since 1970-01-01, the second of that day and the millisecond of
    /// that second, rounding down (before 1970 too).
    static func split(milliseconds: Int64) -> (days: Int64, secondOfDay: Int64, millis: Int64) {
        let (seconds, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let wholeSeconds = remainder < 0 ? seconds - 1 : seconds
        let (days, secondOfDay) = wholeSeconds.quotientAndRemainder(dividingBy: 86_400)
        return (secondOfDay < 0 ? days - 1 : days, secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay, remainder < 0 ? remainder + 1000 : remainder)
    }

    static func formatTime(_ milliseconds: Int64, layout: String) -> String {
        let (days, secondOfDay, millis) = split(milliseconds: milliseconds)
        let date = CivilDate.civil(fromDays: days)
        let hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 7 + 4) % 7)
        let yearDay = days - CivilDate.daysFromCivil(year: date.year, month: 1, day: 1) + 1
        func padded(_ value: Int64, _ width: Int, _ pad: Character = "0") -> String {
            let digits = String(value.magnitude)
            return (value < 0 ? "-" : "") + String(repeating: pad, count: max(0, width - digits.count)) + digits
        }

        let layout = Array(layout.utf8)
        var output = ""
        var index = 0
        func has(_ text: String, at position: Int) -> Bool {
            let bytes = Array(text.utf8)
            return position + bytes.count <= layout.count && Array(layout[position..<position + bytes.count]) == bytes
        }
        // `Jan` and `Mon` followed by a lowercase letter are words, not chunks (Go's rule).
        func followedByLowercase(_ chunk: String, _ position: Int) -> Bool {
            guard chunk == "Jan" || chunk == "Mon" else { return false }
            let next = position + 3
            return next < layout.count && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(layout[next])
        }
        func isDigit(_ position: Int) -> Bool { position < layout.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(layout[position]) }
        while index < layout.count {
            // The longest standard chunk at this position, as Go's nextStdChunk finds it.
            let chunks: [(String, () -> String)] = [
                ("January", { monthNames[Int(date.month) - 1] }), ("Jan", { String(monthNames[Int(date.month) - 1].prefix(3)) }),
                ("Monday", { dayNames[weekday] }), ("Mon", { String(dayNames[weekday].prefix(3)) }), ("MST", { "UTC" }),
                ("2006", { padded(date.year, 4) }), ("002", { padded(yearDay, 3) }),
                ("01", { padded(date.month, 2) }), ("02", { padded(date.day, 2) }), ("03", { padded(hour % 12 == 0 ? 12 : hour % 12, 2) }),
                ("04", { padded(minute, 2) }), ("05", { padded(second, 2) }), ("06", { padded(date.year % 100, 2) }),
                ("15", { padded(hour, 2) }), ("__2", { padded(yearDay, 3, " ") }), ("_2", { padded(date.day, 2, " ") }),
                ("-07:00:00", { "+00:00:00" }), ("-070000", { "+000000" }), ("-07:00", { "+00:00" }), ("-0700", { "+0000" }), ("-07", { "+00" }),
                ("Z07:00:00", { "Z" }), ("Z070000", { "Z" }), ("Z07:00", { "Z" }), ("Z0700", { "Z" }), ("Z07", { "Z" }),
                ("PM", { hour >= 12 ? "PM" : "AM" }), ("pm", { hour >= 12 ? "pm" : "am" }),
                ("1", { String(date.month) }), ("2", { String(date.day) }), ("3", { String(hour % 12 == 0 ? 12 : hour % 12) }),
                ("4", { String(minute) }), ("5", { String(second) }),
            ]
            // `_2006` is a literal `_` followed by the year.
            if has("_2006", at: index) {
                output += "_" + padded(date.year, 4)
                index += 5
                continue
            }
            // `.000` / `.999` (or with `,`): fractional seconds, when no digit follows the run.
            if layout[index] == UInt8(ascii: ".") || layout[index] == UInt8(ascii: ","), index + 1 < layout.count,
               layout[index + 1] == UInt8(ascii: "0") || layout[index + 1] == UInt8(ascii: "9") {
                let digit = layout[index + 1]
                var end = index + 1
                while end < layout.count, layout[end] == digit { end += 1 }
                if !isDigit(end) {
                    let width = end - index - 1
                    var fraction = padded(millis * 1_000_000, 9)
                    fraction = String(fraction.prefix(width))
                    if digit == UInt8(ascii: "9") {
                        while fraction.hasSuffix("0") { fraction.removeLast() }
                        if !fraction.isEmpty { output += String(UnicodeScalar(layout[index])) + fraction }
                    } else {
                        output += String(UnicodeScalar(layout[index])) + fraction
                    }
                    index = end
                    continue
                }
            }
            if let (text, render) = chunks.first(where: { has($0.0, at: index) }), !followedByLowercase(text, index) {
                output += render()
                index += text.utf8.count
                continue
            }
            let start = index
            index += 1
            while index < layout.count, layout[index] & 0xC0 == 0x80 { index += 1 }
            output += String(decoding: layout[start..<index], as: UTF8.self)
        }
        return output
    }
}
