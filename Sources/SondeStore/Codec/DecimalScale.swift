/// Finds whether a column of doubles is exactly a column of scaled integers, `Double(n) / 10^k`.
///
/// Host metrics are mostly integer counters or decimals with a few digits; stored as integers their
/// deltas are tiny where Gorilla's XOR of the float bits is not. The test is bitwise after an IEEE
/// division, which is also how the decoder rebuilds values, so a value that passes round-trips exactly;
/// -0.0, NaN and infinities never pass. It does not look for other bases or for shared offsets.
enum DecimalScale {
    static let maxScale = 15
    /// |n| must stay exactly representable so `Double(n)` is exact.
    static let maxMagnitude: Double = 9_007_199_254_740_992  // 2^53

    /// 10^0 ... 10^15, all exactly representable as doubles.
    static let powers: [Double] = (0...maxScale).map { k in
        var p = 1.0
        for _ in 0..<k { p *= 10 }
        return p
    }

    /// The integer `n` with `Double(n) / 10^k == value` bitwise, if there is one.
    @inline(__always)
    static func integer(_ value: Double, power: Double, scaleIsZero: Bool) -> Int64? {
        let x = value * power
        // Also rejects NaN and infinities: comparisons with NaN are false.
        guard x.magnitude <= maxMagnitude else { return nil }
        // Round half away from zero by truncation, a single instruction (`rounded()` would call libm).
        // A candidate's x lies within a few ulps of an integer, so the half-way cases never matter:
        // a wrong n only fails the exact check below.
        let n = Int64(x + (x < 0 ? -0.5 : 0.5))
        let back = scaleIsZero ? Double(n) : Double(n) / power
        return back.bitPattern == value.bitPattern ? n : nil
    }

    /// The smallest scale `k` that makes every value a scaled integer, writing the integers to `ints`;
    /// nil when there is none within `maxScale`.
    static func find(_ values: UnsafeBufferPointer<Double>, ints: UnsafeMutablePointer<Int64>) -> Int? {
        var k = 0
        var power = 1.0
        // Raise k while some value needs more digits; a value exact at k stays exact at larger k
        // (same real number, correctly rounded), except past 2^53, which the second pass catches.
        for (i, v) in values.enumerated() {
            while true {
                if let n = integer(v, power: power, scaleIsZero: k == 0) {
                    ints[i] = n
                    break
                }
                k += 1
                if k > maxScale { return nil }
                power = powers[k]
            }
        }
        if k == 0 { return 0 }
        // Values seen before the last raise of k were converted at a smaller scale: redo them all.
        for (i, v) in values.enumerated() {
            guard let n = integer(v, power: power, scaleIsZero: false) else { return nil }
            ints[i] = n
        }
        return k
    }
}
