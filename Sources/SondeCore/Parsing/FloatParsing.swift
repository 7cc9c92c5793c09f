#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Float parsing for exposition values and StatsD packets, bit-exact with `strtod` (correctly rounded).
///
/// Accepted: `[+-]?` then digits with an optional fraction (`1`, `1.`, `.5`, `1.5`) and optional
/// exponent (`1e-3`), or `NaN` / `Inf` / `Infinity` in any case with an optional sign (`NaN` gives
/// `Double.nan`). Not accepted: hexadecimal floats, digit separators, surrounding spaces.
///
/// Plain numbers with at most 19 significant digits whose value is an exact integer times an exact
/// power of ten (≤ 2^53 × 10^±22) are computed directly — a single correctly rounded IEEE operation,
/// hence equal to `strtod`'s result (Clinger's fast path); everything else goes to `strtod`.
public enum FloatParsing {
    /// The number `bytes` spells, or nil.
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard let base = bytes.baseAddress else { return nil }
        return parse(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    /// The number in `bytes[0..<count]`, or nil.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafePointer<UInt8>, count: Int) -> Double? {
        var index = 0
        var negative = false
        if count > 0, bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < count else { return nil }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var anyDigits = false
        while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
            let digit = bytes[index] &- UInt8(ascii: "0")
            if significantDigits > 0 || digit != 0 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                significantDigits += 1
            }
            anyDigits = true
            index += 1
        }
        var exponent = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
                let digit = bytes[index] &- UInt8(ascii: "0")
                if significantDigits > 0 || digit != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    significantDigits += 1
                }
                exponent -= 1
                anyDigits = true
                index += 1
            }
        }
        guard anyDigits else { return parseWord(bytes, from: index, count: count, negative: negative) }
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var written = 0
            while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
                written = min(written &* 10 &+ Int(bytes[index] &- UInt8(ascii: "0")), 100_000)
                index += 1
            }
            guard index > exponentStart else { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard index == count else { return nil }
        if significantDigits <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)  // exact
            if exponent < 0 {
                value /= powerOfTen(-exponent)
            } else if exponent > 0 {
                value *= powerOfTen(exponent)
            }
            return negative ? -value : value
        }
        if mantissa == 0, significantDigits == 0 { return negative ? -0.0 : 0.0 }
        return strtodCopy(bytes, count: count)
    }

    /// 10^k for 0 ≤ k ≤ 22, all exactly representable.
    @inlinable @inline(__always)
    static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: return 1
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// `nan`, `inf`, `infinity`, case-insensitive, after an optional sign.
    @usableFromInline
    static func parseWord(_ bytes: UnsafePointer<UInt8>, from start: Int, count: Int, negative: Bool) -> Double? {
        let word = UnsafeBufferPointer(start: bytes + start, count: count - start)
        func equalsIgnoringCase(_ expected: StaticString) -> Bool {
            guard word.count == expected.utf8CodeUnitCount else { return false }
            let pointer = expected.utf8Start
            for index in 0..<word.count where word[index] | 0x20 != pointer[index] { return false }
            return true
        }
        if equalsIgnoringCase("inf") || equalsIgnoringCase("infinity") {
            return negative ? -.infinity : .infinity
        }
        if equalsIgnoringCase("nan") { return .nan }
        return nil
    }

    /// `strtod` on a NUL-terminated copy; the text was validated above, so it must consume it all.
    @usableFromInline
    static func strtodCopy(_ bytes: UnsafePointer<UInt8>, count: Int) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            guard let base = buffer.baseAddress else { return nil }
            UnsafeMutableRawPointer(base).copyMemory(from: bytes, byteCount: count)
            base[count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(base, &end)
            guard let end, end == base + count else { return nil }
            return value
        }
    }
}
