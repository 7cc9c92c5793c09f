/// Packs a sequence of 64-bit integer residuals (deltas or delta-of-deltas) into a bit stream, choosing
/// per sequence the cheapest of a few layouts from their exact bit cost.
///
/// Stream layout (all fields MSB first):
/// - 1 bit transform: `0` zigzag (small magnitudes of either sign are small), `1` frame of reference:
///   a 7-bit width `b` and `b` bits of zigzag(base), values stored as `r - base` (unsigned, wrapping),
///   which saves the sign bit when all residuals sit in a narrow band (a counter's deltas).
/// - 3 bits mode over the transformed values `u`, and unless the mode is "all zero", 1 bit divisor flag:
///   when set, 6 bits `bitLength(g) - 1` and `g` (>= 2), and values are stored divided by `g` (memory in
///   4096-byte pages, disk in 512-byte sectors: the common factor costs nothing per sample).
///   Modes:
///   - 0 all zero: nothing else;
///   - 1 fixed: 7-bit width `W`, then `W` bits per value;
///   - 2 two widths: 7-bit `w1`, 7-bit `W`; per value `0`+w1 bits or `1`+W bits;
///   - 3 plain: `w1`, `W`; per value `0` (zero), `10`+w1 bits, `11`+W bits;
///   - 4 zero runs: `w1`, `W`; a run of k zeros is `0` + Elias-gamma(k), other values `10`+w1 / `11`+W.
///
/// The planner costs every mode and every `w1` from a histogram of bit lengths (O(n + 65²)); it does not
/// search other codes (Golomb, bit-packing with patches): these cover host metrics well and decode fast.
enum IntegerPacker {
    enum Mode: UInt64 {
        case allZero = 0, fixed = 1, twoWidths = 2, plain = 3, zeroRuns = 4
    }

    struct Plan: Sendable, Equatable {
        /// nil for zigzag, otherwise the frame-of-reference base.
        var base: Int64?
        /// Common factor of the transformed values (1: none).
        var divisor: UInt64 = 1
        var mode: Mode
        var w1: Int
        var w2: Int
        /// Exact size of the stream in bits, headers included.
        var bits: Int
    }

    /// Bits of Elias-gamma(k), k >= 1.
    @inline(__always)
    static func gammaBits(_ k: Int) -> Int {
        2 * (Int.bitWidth - 1 - k.leadingZeroBitCount) + 1
    }

    @inline(__always)
    static func bitLength(_ u: UInt64) -> Int { 64 - u.leadingZeroBitCount }

    /// Histogram of bit lengths and the cost of encoding the zeros as runs.
    private struct Stats {
        var histogram = [Int](repeating: 0, count: 65)
        var zeroRunBits = 0
    }

    @inline(__always)
    static func transform(_ r: Int64, base: Int64?, divisor: UInt64) -> UInt64 {
        if let base {
            let u = UInt64(bitPattern: r &- base)
            return divisor == 1 ? u : u / divisor
        }
        // r is a multiple of divisor, so the signed quotient is exact; divisor >= 2 cannot overflow.
        return Varint.zigzag(divisor == 1 ? r : r / Int64(bitPattern: divisor))
    }

    private static func stats(_ residuals: UnsafeBufferPointer<Int64>, base: Int64?, divisor: UInt64) -> Stats {
        var stats = Stats()
        var run = 0
        stats.histogram.withUnsafeMutableBufferPointer { histogram in
            for r in residuals {
                let u = transform(r, base: base, divisor: divisor)
                if u == 0 {
                    run += 1
                } else if run > 0 {
                    stats.zeroRunBits += 1 + gammaBits(run)
                    run = 0
                }
                histogram[bitLength(u)] += 1
            }
        }
        if run > 0 { stats.zeroRunBits += 1 + gammaBits(run) }
        return stats
    }

    /// Greatest common divisor of the (offset or absolute) residuals; 0 when all are zero. Stops as
    /// soon as it reaches 1, which for most sequences is after a few values.
    private static func commonDivisor(_ residuals: UnsafeBufferPointer<Int64>, base: Int64?) -> UInt64 {
        var g: UInt64 = 0
        for r in residuals {
            var b = base.map { UInt64(bitPattern: r &- $0) } ?? r.magnitude
            var a = g
            while b != 0 { (a, b) = (b, a % b) }
            g = a
            if g == 1 { return 1 }
        }
        return g
    }

    /// The cheapest mode for the given statistics, cost excluding the transform header.
    private static func bestMode(_ stats: Stats, count m: Int) -> (mode: Mode, w1: Int, w2: Int, bits: Int) {
        let h = stats.histogram
        if h[0] == m { return (.allZero, 0, 0, 3) }
        var maxWidth = 64
        while h[maxWidth] == 0 { maxWidth -= 1 }
        let w = maxWidth
        var best: (mode: Mode, w1: Int, w2: Int, bits: Int) = (.fixed, w, w, 3 + 7 + m * w)

        // cumulative[l] = number of values with bit length <= l.
        var cumulative = [Int](repeating: 0, count: 65)
        var sum = 0
        for l in 0...64 { sum += h[l]; cumulative[l] = sum }

        for w1 in 0..<w {
            let c = cumulative[w1]
            let bits = 3 + 14 + c * (1 + w1) + (m - c) * (1 + w)
            if bits < best.bits { best = (.twoWidths, w1, w, bits) }
        }
        // Nonzero part shared by plain and zero-run modes.
        let zeros = h[0]
        var nonzeroBest = Int.max
        var nonzeroW1 = w
        for w1 in 1...w {
            let c = cumulative[w1]
            let bits = (c - zeros) * (2 + w1) + (m - c) * (2 + w)
            if bits < nonzeroBest { nonzeroBest = bits; nonzeroW1 = w1 }
        }
        let plain = 3 + 14 + zeros + nonzeroBest
        if plain < best.bits { best = (.plain, nonzeroW1, w, plain) }
        let runs = 3 + 14 + stats.zeroRunBits + nonzeroBest
        if runs < best.bits { best = (.zeroRuns, nonzeroW1, w, runs) }
        return best
    }

    /// Chooses transform, divisor, mode and widths with the least total bits for `residuals`.
    static func plan(_ residuals: UnsafeBufferPointer<Int64>) -> Plan {
        let m = residuals.count
        if m == 0 { return Plan(base: nil, mode: .allZero, w1: 0, w2: 0, bits: 4) }
        var minimum = Int64.max
        for r in residuals where r < minimum { minimum = r }
        var best: Plan? = nil
        for base in [nil, minimum] as [Int64?] {
            let transformBits = base.map { 1 + 7 + bitLength(Varint.zigzag($0)) } ?? 1
            let g = commonDivisor(residuals, base: base)
            for divisor in g >= 2 ? [1, g] : [1] as [UInt64] {
                let mode = bestMode(stats(residuals, base: base, divisor: divisor), count: m)
                var bits = transformBits + mode.bits
                if mode.mode != .allZero { bits += 1 + (divisor > 1 ? 6 + bitLength(divisor) : 0) }
                if bits < best?.bits ?? Int.max {
                    best = Plan(base: base, divisor: divisor, mode: mode.mode, w1: mode.w1, w2: mode.w2, bits: bits)
                }
                if mode.mode == .allZero { return best ?? Plan(base: nil, mode: .allZero, w1: 0, w2: 0, bits: 4) }
            }
        }
        return best ?? Plan(base: nil, mode: .allZero, w1: 0, w2: 0, bits: 4)
    }

    static func write(_ residuals: UnsafeBufferPointer<Int64>, plan: Plan, into writer: inout BitWriter) {
        if let base = plan.base {
            let zb = Varint.zigzag(base)
            let width = bitLength(zb)
            writer.write(1, bits: 1)
            writer.write(UInt64(width), bits: 7)
            writer.write(zb, bits: width)
        } else {
            writer.write(0, bits: 1)
        }
        writer.write(plan.mode.rawValue, bits: 3)
        if plan.mode != .allZero {
            if plan.divisor > 1 {
                writer.write(1, bits: 1)
                writer.write(UInt64(bitLength(plan.divisor) - 1), bits: 6)
                writer.write(plan.divisor, bits: bitLength(plan.divisor))
            } else {
                writer.write(0, bits: 1)
            }
        }
        let base = plan.base
        let divisor = plan.divisor
        @inline(__always) func transformed(_ r: Int64) -> UInt64 {
            transform(r, base: base, divisor: divisor)
        }
        let w1 = plan.w1, w2 = plan.w2
        switch plan.mode {
        case .allZero:
            return
        case .fixed:
            writer.write(UInt64(w2), bits: 7)
            for r in residuals { writer.write(transformed(r), bits: w2) }
        case .twoWidths:
            writer.write(UInt64(w1), bits: 7)
            writer.write(UInt64(w2), bits: 7)
            for r in residuals {
                let u = transformed(r)
                if bitLength(u) <= w1 {
                    writer.write(0, bits: 1)
                    writer.write(u, bits: w1)
                } else {
                    writer.write(1, bits: 1)
                    writer.write(u, bits: w2)
                }
            }
        case .plain, .zeroRuns:
            writer.write(UInt64(w1), bits: 7)
            writer.write(UInt64(w2), bits: 7)
            let runs = plan.mode == .zeroRuns
            var run = 0
            for r in residuals {
                let u = transformed(r)
                if u == 0 {
                    if runs { run += 1 } else { writer.write(0, bits: 1) }
                    continue
                }
                if run > 0 {
                    // '0' followed by gamma(run): gamma is the run in 2N+1 bits, so one write covers both.
                    writer.write(UInt64(run), bits: gammaBits(run) + 1)
                    run = 0
                }
                if bitLength(u) <= w1 {
                    writer.write(0b10, bits: 2)
                    writer.write(u, bits: w1)
                } else {
                    writer.write(0b11, bits: 2)
                    writer.write(u, bits: w2)
                }
            }
            if run > 0 { writer.write(UInt64(run), bits: gammaBits(run) + 1) }
        }
    }

    /// Decodes `count` residuals into `out`. Throws on impossible headers; a stream that runs past the
    /// end is detected by the caller through the reader's bounds check.
    static func read(count: Int, from reader: inout BitReader, into out: UnsafeMutablePointer<Int64>) throws(CodecError) {
        var base: Int64? = nil
        if reader.readBit() {
            let width = Int(reader.read(bits: 7))
            guard width <= 64 else { throw CodecError("integer stream: base width \(width) > 64") }
            base = Varint.unzigzag(reader.read(bits: width))
        }
        guard let mode = Mode(rawValue: reader.read(bits: 3)) else {
            throw CodecError("integer stream: unknown mode")
        }
        var divisor: UInt64 = 1
        if mode != .allZero && reader.readBit() {
            divisor = reader.read(bits: Int(reader.read(bits: 6)) + 1)
        }
        switch mode {
        case .allZero:
            out.initialize(repeating: 0, count: count)
        case .fixed:
            let w = Int(reader.read(bits: 7))
            guard w <= 64 else { throw CodecError("integer stream: width \(w) > 64") }
            try reader.require(w * count, "integer stream")
            for i in 0..<count {
                out[i] = Int64(bitPattern: reader.read(bits: w))
            }
        case .twoWidths:
            let w1 = Int(reader.read(bits: 7))
            let w2 = Int(reader.read(bits: 7))
            guard w1 <= 64, w2 <= 64 else { throw CodecError("integer stream: width > 64") }
            try reader.require((1 + min(w1, w2)) * count, "integer stream")
            for i in 0..<count {
                let wide = reader.readBit()
                out[i] = Int64(bitPattern: reader.read(bits: wide ? w2 : w1))
            }
        case .plain:
            let w1 = Int(reader.read(bits: 7))
            let w2 = Int(reader.read(bits: 7))
            guard w1 <= 64, w2 <= 64 else { throw CodecError("integer stream: width > 64") }
            try reader.require(count, "integer stream")
            for i in 0..<count {
                let window = reader.peek()
                if window &>> 63 == 0 {
                    reader.skip(1)
                    out[i] = 0
                } else {
                    reader.skip(2)
                    out[i] = Int64(bitPattern: reader.read(bits: (window &>> 62) == 0b10 ? w1 : w2))
                }
            }
        case .zeroRuns:
            let w1 = Int(reader.read(bits: 7))
            let w2 = Int(reader.read(bits: 7))
            guard w1 <= 64, w2 <= 64 else { throw CodecError("integer stream: width > 64") }
            var i = 0
            while i < count {
                let window = reader.peek()
                if window &>> 63 == 0 {
                    // Run: '0', N zeros, then the run length in N+1 bits.
                    let n = (window &<< 1).leadingZeroBitCount
                    guard n <= 16 else { throw CodecError("integer stream: zero run too long") }
                    reader.skip(1 + n)
                    let run = Int(reader.read(bits: n + 1))
                    guard run <= count - i else { throw CodecError("integer stream: zero run past the end") }
                    (out + i).initialize(repeating: 0, count: run)
                    i += run
                } else {
                    reader.skip(2)
                    out[i] = Int64(bitPattern: reader.read(bits: (window &>> 62) == 0b10 ? w1 : w2))
                    i += 1
                }
            }
        }
        // Corrupt divisors only produce wrong (never trapping) values: the products wrap.
        let factor = Int64(bitPattern: divisor)
        if let base {
            if divisor == 1 {
                for i in 0..<count { out[i] = out[i] &+ base }
            } else {
                for i in 0..<count { out[i] = base &+ out[i] &* factor }
            }
        } else if divisor == 1 {
            for i in 0..<count { out[i] = Varint.unzigzag(UInt64(bitPattern: out[i])) }
        } else {
            for i in 0..<count { out[i] = Varint.unzigzag(UInt64(bitPattern: out[i])) &* factor }
        }
    }
}
