/// Exact conversion of decimal seconds (`1795331271`, `1795331271.123`, `-1.5`, `1.7e9`) to integer
/// milliseconds, working on the digits rather than through `Double`, so `0.001` is 1 ms and
/// `1795331271.123` is exactly 1795331271123 ms.
///
/// Digits beyond milliseconds are truncated toward negative infinity (floor): `1.2349` → 1234 ms,
/// `-1.2341` → -1235 ms, so a sample never moves later than its written time. It does not accept
/// `NaN`, `Inf` or hexadecimal numbers.
public enum EpochSeconds {
    /// Milliseconds for the text, or nil if it is not a decimal number or does not fit in Int64 ms.
    public static func milliseconds(_ text: String) -> Int64? {
        text.withParsingBytes { milliseconds($0) }
    }

    /// Byte version of `milliseconds(_:)` for hot paths.
    public static func milliseconds(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        var index = 0
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        // Fast path: plain integer seconds, the common case in exports.
        let integerStart = index
        var fast: Int64 = 0
        while index < count, ByteText.isDigit(bytes[index]), index - integerStart < 15 {
            fast = fast &* 10 &+ Int64(bytes[index] &- UInt8(ascii: "0"))
            index += 1
        }
        if index > integerStart, index - integerStart <= 15 {
            if index == count { return negative ? -fast * 1000 : fast * 1000 }
            // Also fast: up to three fraction digits, which need no rounding.
            if bytes[index] == UInt8(ascii: "."), count - index <= 4 {
                var fraction: Int64 = 0
                var scale: Int64 = 1000
                var cursor = index + 1
                while cursor < count, ByteText.isDigit(bytes[cursor]) {
                    fraction = fraction * 10 + Int64(bytes[cursor] &- UInt8(ascii: "0"))
                    scale /= 10
                    cursor += 1
                }
                if cursor == count {
                    let milliseconds = fast * 1000 + fraction * scale
                    return negative ? -milliseconds : milliseconds
                }
            }
        }
        while index < count, ByteText.isDigit(bytes[index]) { index += 1 }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < count, ByteText.isDigit(bytes[index]) { index += 1 }
            fractionEnd = index
        }
        let integerDigits = integerEnd - integerStart
        let fractionDigits = fractionEnd - fractionStart
        guard integerDigits + fractionDigits > 0 else { return nil }
        var exponent = 0
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            while index < count, ByteText.isDigit(bytes[index]) {
                exponent = min(exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0")), 1_000_000)
                index += 1
            }
            guard index > exponentStart else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard index == count else { return nil }

        // The value is D × 10^shift ms, where D is all the digits read as one integer.
        let totalDigits = integerDigits + fractionDigits
        let shift = exponent + 3 - fractionDigits
        let keptDigits = max(0, min(totalDigits, totalDigits + shift))
        func digit(_ k: Int) -> UInt64 {
            let offset = k < integerDigits ? integerStart + k : fractionStart + (k - integerDigits)
            return UInt64(bytes[offset] &- UInt8(ascii: "0"))
        }
        var magnitude: UInt64 = 0
        for k in 0..<keptDigits {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(digit(k))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
        }
        if shift > 0, magnitude != 0 {
            for _ in 0..<shift {
                let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                magnitude = times10
            }
        }
        var hasRemainder = false
        if keptDigits < totalDigits {
            for k in keptDigits..<totalDigits where digit(k) != 0 {
                hasRemainder = true
                break
            }
        }
        guard magnitude <= UInt64(Int64.max) else {
            // Only -9223372036854775.808 s itself fits beyond Int64.max ms.
            return negative && magnitude == UInt64(Int64.max) + 1 && !hasRemainder ? Int64.min : nil
        }
        if negative {
            // floor: -1.2341 s is -1234.1 ms, which floors to -1235.
            return -Int64(magnitude) - (hasRemainder ? 1 : 0)
        }
        return Int64(magnitude)
    }
}
