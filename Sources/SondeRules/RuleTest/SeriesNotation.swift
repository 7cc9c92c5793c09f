import SondeCore

/// One step of an input series in a promtool unit test: a sample, a staleness marker, or nothing.
public enum SeriesPoint: Sendable, Equatable {
    case value(Double)
    /// `stale`: Prometheus' staleness marker; the series ends here for instant queries.
    case stale
    /// `_`: no sample at this step.
    case missing

    /// Equal values compare equal even when both are NaN, which `==` on `.value` does not do.
    public func isIdentical(to other: SeriesPoint) -> Bool {
        switch (self, other) {
        case (.value(let a), .value(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.stale, .stale), (.missing, .missing): return true
        default: return false
        }
    }
}

/// promtool's expanding notation for `input_series` values, as Prometheus 2.42 reads it
/// (`promql/parser` in series-description mode). Point `i` is at `i × interval` from time 0.
///
/// Items are separated by whitespace:
/// - a number: `1`, `-2.5`, `+3`, `1e3`, `.5`, `Inf`, `-Inf`, `NaN` (an integer with a leading 0 is
///   octal, as Go's `ParseInt(s, 0, 64)` reads it: `010` is 8); hex is not allowed;
/// - `stale`: a staleness marker;
/// - `_`: one step without a sample; `_xN`: N steps without samples (N, not N+1);
/// - `axN`: `a` repeated N+1 times (the first at the item's own step);
/// - `a+bxN` / `a-bxN`: N+1 values starting at `a`, each the previous plus `b` (accumulated, so
///   floating-point results match Prometheus' repeated additions).
public enum SeriesNotation {
    /// The most points one series may expand to; `1x100000000000` would otherwise exhaust memory.
    public static let maximumPoints = 10_000_000

    /// Expands `values`; errors carry the column (1-based, in `values`) and what was expected.
    public static func expand(_ values: String) throws(ParseError) -> [SeriesPoint] {
        var scanner = Scanner(bytes: Array(values.utf8))
        var points: [SeriesPoint] = []
        while true {
            scanner.skipSpaces()
            guard !scanner.atEnd else { return points }
            let itemStart = scanner.offset
            if scanner.peek == UInt8(ascii: "_") {
                scanner.offset += 1
                var count = 1
                if scanner.peek == UInt8(ascii: "x") {
                    scanner.offset += 1
                    count = try scanner.repetition()
                }
                try scanner.expectItemEnd("after \"_\"")
                try append(.missing, count: count, to: &points, at: itemStart)
                continue
            }
            let first = try scanner.value(itemStart)
            if scanner.atItemEnd {
                points.append(first.point)
                continue
            }
            if scanner.peek == UInt8(ascii: "x") {
                scanner.offset += 1
                let count = try scanner.repetition()
                try scanner.expectItemEnd("after the repetition count")
                try append(first.point, count: count + 1, to: &points, at: itemStart)
                continue
            }
            guard scanner.peek == UInt8(ascii: "+") || scanner.peek == UInt8(ascii: "-") else {
                throw scanner.error(at: scanner.offset, "unexpected \(scanner.describe(scanner.offset)) in series values, expected \"x\", \"+\", \"-\" or a space")
            }
            let stepStart = scanner.offset
            let step = try scanner.value(stepStart, signRequired: true)
            guard case .value(let increment) = step.point, !step.isStale else {
                throw scanner.error(at: stepStart, "expected a number after the sign")
            }
            guard scanner.peek == UInt8(ascii: "x") else {
                throw scanner.error(at: scanner.offset, "unexpected \(scanner.describe(scanner.offset)) in series values, expected \"x\" and a repetition count after \(String(decoding: scanner.bytes[itemStart..<scanner.offset], as: UTF8.self))")
            }
            scanner.offset += 1
            let count = try scanner.repetition()
            try scanner.expectItemEnd("after the repetition count")
            guard points.count + count + 1 <= maximumPoints else {
                throw scanner.error(at: itemStart, "series expands to more than \(maximumPoints) points")
            }
            var current: Double
            switch first.point {
            case .value(let value): current = value
            default: current = .nan  // `stale+1x2`: Prometheus adds to the marker's NaN
            }
            points.append(first.point)
            for _ in 0..<count {
                current += increment
                points.append(.value(current))
            }
        }
    }

    private static func append(_ point: SeriesPoint, count: Int, to points: inout [SeriesPoint], at offset: Int) throws(ParseError) {
        guard points.count + count <= maximumPoints else {
            throw ParseError(line: 1, column: offset + 1, message: "series expands to more than \(maximumPoints) points")
        }
        points.append(contentsOf: repeatElement(point, count: count))
    }

    private struct Scanner {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset >= bytes.count }
        var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }
        var atItemEnd: Bool { peek.map(Self.isSpace) ?? true }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        }

        static func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }

        mutating func skipSpaces() {
            while let byte = peek, Self.isSpace(byte) { offset += 1 }
        }

        func expectItemEnd(_ context: String) throws(ParseError) {
            guard atItemEnd else {
                throw error(at: offset, "unexpected \(describe(offset)) \(context), expected a space between values")
            }
        }

        /// A number (with an optional sign), `Inf`, `NaN` or `stale`.
        mutating func value(_ start: Int, signRequired: Bool = false) throws(ParseError) -> (point: SeriesPoint, isStale: Bool) {
            var negative = false
            if let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negative = sign == UInt8(ascii: "-")
                offset += 1
            } else if signRequired {
                throw error(at: offset, "expected \"+\" or \"-\"")
            }
            let wordStart = offset
            guard let byte = peek else { throw error(at: offset, "unexpected end of input, expected a number") }
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) {
                // Identifiers run over letters, digits and underscores (so `Infx3` is one word).
                while let next = peek, Self.isAlphanumeric(next) { offset += 1 }
                let word = String(decoding: bytes[wordStart..<offset], as: UTF8.self)
                switch word.lowercased() {
                case "inf": return (.value(negative ? -.infinity : .infinity), false)
                case "nan": return (.value(.nan), false)
                case "stale" where wordStart == start:
                    return (.stale, true)
                default:
                    throw error(at: wordStart, "unexpected identifier \"\(word)\" in series values, expected a number or \"stale\"")
                }
            }
            let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
            guard digits.contains(byte) || (byte == UInt8(ascii: ".") && offset + 1 < bytes.count && digits.contains(bytes[offset + 1])) else {
                throw error(at: offset, "unexpected \(describe(offset)) in series values, expected a number")
            }
            while let next = peek, digits.contains(next) { offset += 1 }
            if peek == UInt8(ascii: ".") {
                offset += 1
                while let next = peek, digits.contains(next) { offset += 1 }
            }
            if let next = peek, next | 0x20 == UInt8(ascii: "e") {
                offset += 1
                if let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { offset += 1 }
                while let next = peek, digits.contains(next) { offset += 1 }
            }
            // A number may be followed by `x` (repetition) but by no other letter or digit.
            if let next = peek, next != UInt8(ascii: "x"), Self.isAlphanumeric(next) {
                while let more = peek, Self.isAlphanumeric(more) { offset += 1 }
                throw error(at: wordStart, "bad number or duration syntax: \"\(String(decoding: bytes[start..<offset], as: UTF8.self))\"")
            }
            let text = String(decoding: bytes[wordStart..<offset], as: UTF8.self)
            var magnitude: Double?
            // Go's ParseInt(s, 0, 64) first: a leading 0 means octal.
            if text.count > 1, text.hasPrefix("0"), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) {
                magnitude = Int64(text.dropFirst(), radix: 8).map { Double($0) }
            }
            if magnitude == nil { magnitude = Double(text) }
            guard let magnitude else { throw error(at: wordStart, "error parsing number: \"\(text)\"") }
            return (.value(negative ? -magnitude : magnitude), false)
        }

        /// The count after `x`: a decimal whole number.
        mutating func repetition() throws(ParseError) -> Int {
            let start = offset
            while let next = peek, Self.isAlphanumeric(next) || next == UInt8(ascii: ".") { offset += 1 }
            let text = String(decoding: bytes[start..<offset], as: UTF8.self)
            guard !text.isEmpty else {
                throw error(at: start, "unexpected \(describe(start)) after \"x\", expected a repetition count")
            }
            guard let count = Int(text), count >= 0, count < SeriesNotation.maximumPoints else {
                throw error(at: start, "invalid repetition in series values: \"\(text)\"")
            }
            return count
        }

        func describe(_ offset: Int) -> String {
            guard offset < bytes.count else { return "end of input" }
            let byte = bytes[offset]
            return (0x21..<0x7f).contains(byte) ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x\(String(byte, radix: 16))"
        }

        func error(at offset: Int, _ message: String) -> ParseError {
            ParseError(line: 1, column: offset + 1, message: message)
        }
    }
}
