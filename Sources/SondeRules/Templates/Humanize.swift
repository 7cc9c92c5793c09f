/// Prometheus' humanize functions (template.go in 2.42).
enum Humanize {
    private static func g4(_ value: Double) -> String { GoFormat.format(value, verb: "g", precision: 4) }

    /// SI prefixes: 1234567 → `1.235M`, 0.0012 → `1.2m`.
    static func humanize(_ value: Double) -> String {
        if value == 0 || !value.isFinite { return g4(value) }
        var v = value
        var prefix = ""
        if abs(v) >= 1 {
            for candidate in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(v) < 1000 { break }
                prefix = candidate
                v /= 1000
            }
            return g4(v) + prefix
        }
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = candidate
            v *= 1000
        }
        return g4(v) + prefix
    }

    /// Binary prefixes: 1048576 → `1Mi`.
    static func humanize1024(_ value: Double) -> String {
        if abs(value) <= 1 || !value.isFinite { return g4(value) }
        var v = value
        var prefix = ""
        for candidate in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(v) < 1024 { break }
            prefix = candidate
            v /= 1024
        }
        return g4(v) + prefix
    }

    /// Seconds as `1d 2h 3m 4s`, `1m 30s`, `1.5s`, `10ms`.
    static func duration(_ value: Double) -> String {
        if !value.isFinite { return g4(value) }
        if value == 0 { return g4(value) + "s" }
        var v = value
        if abs(v) >= 1 {
            var sign = ""
            if v < 0 {
                sign = "-"
                v = -v
            }
            // Go's int64(v) of a value past int64's range is the minimum int64 on amd64.
            let whole = v < 9.223372036854775807e18 ? Int64(v) : Int64.min
            let seconds = whole % 60
            let minutes = (whole / 60) % 60
            let hours = (whole / 60 / 60) % 24
            let days = whole / 60 / 60 / 24
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(v) + "s"
        }
        var prefix = ""
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = candidate
            v *= 1000
        }
        return g4(v) + prefix + "s"
    }

    /// 0.1234 → `12.34%`.
    static func percentage(_ value: Double) -> String { g4(value * 100) + "%" }
}
