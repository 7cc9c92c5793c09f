/// Sizes in configuration and on the command line: `4096` (bytes), `256MB`, `10KiB`, `512MiB`,
/// `1.5GiB`. `B`, `KB`, `MB`, `GB`, `TB`, `PB` are powers of 1000; `KiB`, `MiB`, `GiB`, `TiB`, `PiB`
/// powers of 1024. Units are case-sensitive (`Mb` would read as megabits to many people, so it is
/// rejected rather than guessed), and one optional space may separate number and unit (`1.5 MiB`, as
/// `format` prints). A fraction that does not come out to whole bytes is rounded down
/// (`0.3KiB` = 307). Negative sizes, overflow past Int64 and anything else are errors.
public enum ByteSize {
    static let units: [(name: String, multiplier: Int64)] = [
        ("B", 1),
        ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("PB", 1_000_000_000_000_000),
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("PiB", 1 << 50),
    ]
    static let expectedUnits = "B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB"

    /// The number of bytes `text` denotes; errors are positioned in `text` (line 1).
    public static func parse(_ text: String) throws(ParseError) -> Int64 {
        try text.withParsingBytes { (bytes) throws(ParseError) -> Int64 in try parse(bytes) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> Int64 {
        var index = 0
        let count = bytes.count
        guard count > 0 else { throw .atOffset(0, "empty size, expected a number of bytes like 4096 or 512MiB") }
        let integerStart = index
        while index < count, ByteText.isDigit(bytes[index]) { index += 1 }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < count, ByteText.isDigit(bytes[index]) { index += 1 }
            fractionEnd = index
            if fractionEnd == fractionStart {
                throw .atOffset(index, "unexpected \(ByteText.describe(bytes, at: index)), expected a digit after \".\"")
            }
        }
        if integerEnd == integerStart {
            throw .atOffset(integerStart, "unexpected \(ByteText.describe(bytes, at: integerStart)), expected a number of bytes")
        }
        var unitStart = index
        if unitStart < count, bytes[unitStart] == UInt8(ascii: " ") { unitStart += 1 }
        let unitBytes = bytes[unitStart..<count]
        var multiplier: Int64 = 1
        if unitStart == count {
            if unitStart != index {
                throw .atOffset(unitStart, "unexpected end of input, expected a unit (\(expectedUnits))")
            }
            if fractionEnd != fractionStart {
                throw .atOffset(index, "unexpected end of input, expected a unit after a fractional number (\(expectedUnits))")
            }
        } else if let unit = units.first(where: { $0.name.utf8.elementsEqual(unitBytes) }) {
            multiplier = unit.multiplier
        } else {
            throw .atOffset(unitStart, "unknown unit \(ByteText.quote(unitBytes)), expected \(expectedUnits)")
        }

        let outOfRange = ParseError.atOffset(0, "size \(ByteText.quote(bytes[0..<count])) is too large (the maximum is 8 EiB)")
        var whole: Int64 = 0
        for offset in integerStart..<integerEnd {
            let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[offset] &- UInt8(ascii: "0")))
            if o1 || o2 { throw outOfRange }
            whole = sum
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        if overflow { throw outOfRange }
        // Fraction: digits beyond the 18th cannot change the rounded-down result for these multipliers.
        var fraction: UInt128 = 0
        var denominator: UInt128 = 1
        for offset in fractionStart..<min(fractionEnd, fractionStart + 18) {
            fraction = fraction * 10 + UInt128(bytes[offset] &- UInt8(ascii: "0"))
            denominator *= 10
        }
        let fractionBytes = Int64(fraction * UInt128(multiplier) / denominator)
        let (total, overflow2) = scaled.addingReportingOverflow(fractionBytes)
        if overflow2 { throw outOfRange }
        return total
    }

    /// A size for humans, in binary units with at most one decimal: `512 B`, `1.5 KiB`, `512 MiB`,
    /// `1.2 GiB`. Values are rounded to the nearest tenth.
    public static func format(_ bytes: Int64) -> String {
        let sign = bytes < 0 ? "-" : ""
        let magnitude = UInt128(bytes.magnitude)
        let names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var unitIndex = 0
        while unitIndex + 1 < names.count, magnitude >= UInt128(1) << (10 * (unitIndex + 1)) { unitIndex += 1 }
        if unitIndex == 0 { return "\(sign)\(magnitude) B" }
        var unit = UInt128(1) << (10 * unitIndex)
        var tenths = (magnitude * 10 + unit / 2) / unit
        if tenths >= 10240, unitIndex + 1 < names.count {  // 1023.96 KiB rounds to 1 MiB, not 1024.0 KiB
            unitIndex += 1
            unit <<= 10
            tenths = (magnitude * 10 + unit / 2) / unit
        }
        let whole = tenths / 10
        let tenth = tenths % 10
        return tenth == 0 ? "\(sign)\(whole) \(names[unitIndex])" : "\(sign)\(whole).\(tenth) \(names[unitIndex])"
    }
}
