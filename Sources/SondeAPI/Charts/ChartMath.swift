/// Arithmetic the charts would otherwise take from the C library (pow, log10) or write twice.
/// Kept in a namespace so these short names cannot collide with helpers elsewhere in the module.
enum ChartMath {
    /// 10^n; exact for 0 <= n <= 22, and 1 / 10^-n is correctly rounded for small negative n.
    static func powerOfTen(_ n: Int) -> Double {
        if n < 0 { return 1 / powerOfTen(-n) }
        var result = 1.0
        for _ in 0..<n { result *= 10 }
        return result
    }

    /// `value` × 10^n, dividing for negative n so that 25 × 10^-2 is exactly the Double nearest 0.25.
    static func scaledByPowerOfTen(_ value: Double, _ n: Int) -> Double {
        n >= 0 ? value * powerOfTen(n) : value / powerOfTen(-n)
    }

    /// ⌊log10(value)⌋ for a positive finite value, without the C library's log10.
    static func decimalExponent(_ value: Double) -> Int {
        var exponent = Int((Double(value.exponent) * 0.301_029_995_663_981_2).rounded(.down))
        while powerOfTen(exponent + 1) <= value { exponent += 1 }
        while powerOfTen(exponent) > value { exponent -= 1 }
        return exponent
    }

    static func floorDivide<T: BinaryInteger>(_ value: T, _ divisor: T) -> T {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
