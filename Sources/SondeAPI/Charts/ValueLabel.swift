/// How values on an axis and in a legend are written.
public enum ChartUnit: String, Sendable, CaseIterable {
    /// 1.5, 12.3k, 3.2M: SI suffixes k M G T, and m µ n for small values.
    case plain
    /// Values already in 0...100: "45%".
    case percent
    /// Values in 0...1 shown as percent: 0.45 is "45%".
    case ratio
    /// Binary multiples: 512 B, 1.5 KiB, 20 MiB, 3.1 GiB.
    case bytes
    /// 250 ms, 1.5 s, 3 min, 2 h, 4 d; µs and ns for tiny values.
    case seconds
    /// Like plain with "/s": "12/s", "1.2k/s".
    case perSecond
}

/// Short labels for values on chart axes, in legends and on the status page: at most three
/// significant digits, no trailing zeros, never "-0". NaN is "NaN", infinities "+Inf" and "-Inf".
/// Labels are for reading, not for parsing back; `ValueFormat` in SondeCore round-trips.
public enum ValueLabel {
    public static func string(_ value: Double, unit: ChartUnit) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if unit == .ratio { return string(value * 100, unit: .percent) }
        let rounded = RoundedDecimal(value)
        switch unit {
        case .plain: return rounded.withSIPrefix()
        case .perSecond: return rounded.withSIPrefix() + "/s"
        case .percent, .ratio: return rounded.plain() + "%"
        case .bytes: return bytes(value, rounded: rounded)
        case .seconds: return seconds(value, rounded: rounded)
        }
    }

    static let binaryUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

    /// The power of 1024 that writes `magnitude` (already rounded) with at most three digits.
    static func binaryPower(_ magnitude: Double) -> Int {
        var power = 0
        while power + 1 < binaryUnits.count, magnitude / powerOf1024(power) >= 1000 { power += 1 }
        return power
    }

    static func powerOf1024(_ power: Int) -> Double {
        (0..<power).reduce(1.0) { result, _ in result * 1024 }
    }

    /// Ascending; each value is written in the largest unit that is not larger than it.
    static let timeUnits: [(seconds: Double, name: String)] = [
        (1e-9, "ns"), (1e-6, "µs"), (1e-3, "ms"), (1, "s"), (60, "min"), (3600, "h"), (86_400, "d"),
    ]

    private static func bytes(_ value: Double, rounded: RoundedDecimal) -> String {
        // The unit is chosen on the rounded value so 1023.9 B is "1 KiB", not "1020 B".
        let power = binaryPower(abs(rounded.doubleValue))
        return RoundedDecimal(value / powerOf1024(power)).plain() + " " + binaryUnits[power]
    }

    private static func seconds(_ value: Double, rounded: RoundedDecimal) -> String {
        let magnitude = abs(rounded.doubleValue)
        let unit = magnitude == 0 ? (seconds: 1, name: "s") : timeUnits.last(where: { $0.seconds <= magnitude }) ?? timeUnits[0]
        return RoundedDecimal(value / unit.seconds).plain() + " " + unit.name
    }
}

/// A finite value rounded to three significant digits, kept as digits and a decimal exponent so it
/// is written exactly: 0.1 + 0.2 is "0.3", not "0.30000000000000004".
struct RoundedDecimal {
    var isNegative: Bool
    /// 0, or 100...999.
    var digits: Int64
    /// The value is `digits` × 10^exponent.
    var exponent: Int

    init(_ value: Double) {
        let magnitude = abs(value)
        // Below this, scaling to three digits would need a power of ten beyond Double's range.
        guard magnitude >= 1e-300, magnitude.isFinite else {
            (isNegative, digits, exponent) = (false, 0, 0)
            return
        }
        var exponent = ChartMath.decimalExponent(magnitude) - 2
        var digits = Int64(ChartMath.scaledByPowerOfTen(magnitude, -exponent).rounded())
        if digits >= 1000 {  // 999.6 rounds up to the next decade
            digits = 100
            exponent += 1
        }
        (self.isNegative, self.digits, self.exponent) = (value < 0, digits, exponent)
    }

    var doubleValue: Double {
        let magnitude = ChartMath.scaledByPowerOfTen(Double(digits), exponent)
        return isNegative ? -magnitude : magnitude
    }

    /// The exponent of the first digit: 2 for 123, -1 for 0.5.
    private var leadingExponent: Int { exponent + 2 }

    private static let siPrefixes = ["n", "µ", "m", "", "k", "M", "G", "T"]

    /// "12.3k", "250m"; scientific notation beyond tera and below nano.
    func withSIPrefix() -> String {
        guard digits != 0 else { return "0" }
        let group = ChartMath.floorDivide(leadingExponent, 3)
        guard group >= -3, group <= 4 else { return scientific() }
        return decimal(exponent: exponent - 3 * group) + Self.siPrefixes[group + 3]
    }

    /// "45.6", "0.001", "1230"; scientific notation for very large and very small values.
    func plain() -> String {
        guard digits != 0 else { return "0" }
        guard leadingExponent >= -5, leadingExponent <= 8 else { return scientific() }
        return decimal(exponent: exponent)
    }

    private func scientific() -> String {
        decimal(exponent: -2) + "e" + String(leadingExponent)
    }

    /// `digits` × 10^exponent written out, without trailing zeros after the point.
    private func decimal(exponent: Int) -> String {
        let sign = isNegative && digits != 0 ? "-" : ""
        let text = String(digits)
        if exponent >= 0 { return sign + text + String(repeating: "0", count: exponent) }
        let padded = String(repeating: "0", count: max(0, 1 - exponent - text.count)) + text
        let whole = String(padded.dropLast(-exponent))
        var fraction = String(padded.suffix(-exponent))
        while fraction.last == "0" { fraction.removeLast() }
        return sign + (whole.isEmpty ? "0" : whole) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
