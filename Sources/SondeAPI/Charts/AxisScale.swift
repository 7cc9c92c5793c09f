/// The value axis: which range to show and where its "nice" ticks go. Ticks are multiples of a step
/// of 1, 2, 2.5 or 5 × 10^n; for bytes and seconds the step is taken in the unit the labels will use
/// (KiB, MiB…; minutes, hours, days), so an axis reads 0, 256 MiB, 512 MiB rather than 0, 200M, 400M
/// in bytes, and 0, 30 s, 1 min, 1.5 min rather than 0, 20 s, 40 s, 1 min.
enum AxisScale {
    /// The range the data asks for before rounding to ticks: from zero when no value is negative, so
    /// areas start at zero. A flat line sits halfway up, away from the frame (0...2 for a line at 1);
    /// a line at zero sits at the bottom of 0...1.
    static func dataRange(minimum: Double, maximum: Double) -> (lower: Double, upper: Double) {
        if minimum == maximum {
            if minimum == 0 { return (0, 1) }
            return minimum > 0 ? (0, minimum * 2) : (minimum * 2, 0)
        }
        return (minimum >= 0 ? 0 : minimum, maximum)
    }

    /// Evenly spaced ticks from a multiple of the step at or below `lower` to one at or above `upper`,
    /// with the smallest step that needs no more than `maxCount` ticks, and at least three ticks.
    /// The first and last tick are the ends of the axis.
    static func niceTicks(lower: Double, upper: Double, maxCount: Int, unit: ChartUnit) -> [Double] {
        let maxCount = max(3, maxCount)
        let base = unitBase(magnitude: max(abs(lower), abs(upper)), unit: unit)
        let low = lower / base
        let high = upper / base
        let span = high - low
        guard span.isFinite, span > 0 else { return [lower, upper] }
        // Start a decade below the step that would fit exactly, and take the first that fits.
        let firstExponent = ChartMath.decimalExponent(span / Double(maxCount)) - 1
        for exponent in firstExponent...(firstExponent + 3) {
            for tenths in [10.0, 20, 25, 50] {
                // Multiples are tenths × 10^(exponent-1) so that 3 × 0.2 is 0.6, not 0.6000000000000001.
                let step = ChartMath.scaledByPowerOfTen(tenths, exponent - 1)
                let first = (low / step).rounded(.down)
                let last = (high / step).rounded(.up)
                // Beyond 2^53 the multiples are no longer distinct Doubles.
                guard abs(first) < 1e15, abs(last) < 1e15 else { return [lower, upper] }
                guard Int(last - first) + 1 <= maxCount else { continue }
                var ticks = (Int(first)...Int(last)).map { ChartMath.scaledByPowerOfTen(Double($0) * tenths, exponent - 1) * base }
                if ticks.count == 2 { ticks.insert((ticks[0] + ticks[1]) / 2, at: 1) }
                return ticks
            }
        }
        return [lower, upper]
    }

    /// Where `value` lies between the first tick (0, the bottom of the plot) and the last (1, the top).
    static func fraction(of value: Double, ticks: [Double]) -> Double {
        guard let lower = ticks.first, let upper = ticks.last, upper > lower else { return 0 }
        return (value - lower) / (upper - lower)
    }

    /// The size of one label unit: 1024^n for bytes, 60/3600/86400 for seconds, else 1.
    private static func unitBase(magnitude: Double, unit: ChartUnit) -> Double {
        switch unit {
        case .bytes:
            var power = 0
            while power + 1 < ValueLabel.binaryUnits.count, ValueLabel.powerOf1024(power + 1) <= magnitude { power += 1 }
            return ValueLabel.powerOf1024(power)
        case .seconds:
            return ValueLabel.timeUnits.last(where: { $0.seconds >= 60 && $0.seconds <= magnitude })?.seconds ?? 1
        case .plain, .percent, .ratio, .perSecond:
            return 1
        }
    }
}
