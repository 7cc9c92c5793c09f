/// Formats millisecond timestamps for people and for Prometheus-style APIs.
public enum TimestampFormat {
    /// `2026-11-22T07:00:00.123Z` (UTC, always with milliseconds).
    public static func rfc3339(milliseconds: Int64) -> String {
        let seconds = floorDivide(milliseconds, 1000)
        let millis = milliseconds - seconds * 1000
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilDate.civil(fromDays: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    /// Unix seconds with the milliseconds as a fraction and no trailing zeros: `1795331271.5`.
    public static func unixSeconds(milliseconds: Int64) -> String {
        let seconds = floorDivide(milliseconds, 1000)
        let millis = milliseconds - seconds * 1000
        guard millis != 0 else { return String(seconds) }
        var fraction = pad(millis, 3)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(seconds).\(fraction)"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor < 0) ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// Float formatting that round-trips: Prometheus' spelling of special values, otherwise Swift's
/// shortest representation that parses back to the same bits.
public enum ValueFormat {
    public static func string(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        // Whole numbers print without ".0", as Prometheus prints them; -0 keeps its sign.
        if value == value.rounded(), abs(value) < 1e15 {
            return value.sign == .minus && value == 0 ? "-0" : String(Int64(value))
        }
        return value.description
    }
}
