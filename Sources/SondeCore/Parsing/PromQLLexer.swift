/// One token of PromQL's lexical grammar, with its byte range in the source.
public struct PromQLToken: Sendable, Equatable {
    /// What the token is. Keywords (`sum`, `by`, `offset`, …) and `Inf`/`NaN` are identifiers; the
    /// parser gives them meaning by context.
    public enum Kind: Sendable, Equatable {
        /// `[a-zA-Z_:][a-zA-Z0-9_:]*`: metric names, label names, keywords, function names.
        case identifier
        /// A number literal: `1`, `1.5`, `.5`, `1e-3`, `0x1F`.
        case number
        /// A duration literal: `5m`, `1h30m`, `500ms` (parse its text with `DurationParser`).
        case duration
        /// A string in `"…"`, `'…'` or `` `…` ``; its unescaped value is in `stringValue`.
        case string
        case leftBrace, rightBrace, leftParen, rightParen, leftBracket, rightBracket
        case comma, colon, at
        /// `=` `==` `!=` `=~` `!~`
        case assign, equalEqual, notEqual, regexMatch, regexNoMatch
        /// `<` `<=` `>` `>=`
        case less, lessEqual, greater, greaterEqual
        /// `+` `-` `*` `/` `%` `^`
        case plus, minus, star, slash, percent, caret
        case endOfInput
    }

    public var kind: Kind
    /// Byte offsets of the token in the source, quotes included for strings.
    public var range: Range<Int>
    /// The token as written.
    public var text: String
    /// For `.string`: the value with escapes resolved. Nil for other kinds.
    public var stringValue: String?

    public init(kind: Kind, range: Range<Int>, text: String, stringValue: String? = nil) {
        self.kind = kind
        self.range = range
        self.text = text
        self.stringValue = stringValue
    }

    /// How error messages name the token: `")"`, `identifier "foo"`, `string "a\n"`, `end of input`.
    public var errorDescription: String {
        switch kind {
        case .endOfInput: return "end of input"
        case .identifier: return "identifier " + ByteText.quote(Array(text.utf8))
        case .number: return "number " + ByteText.quote(Array(text.utf8))
        case .duration: return "duration " + ByteText.quote(Array(text.utf8))
        case .string: return "string " + ByteText.quote(Array(text.utf8))
        default: return ByteText.quote(Array(text.utf8))
        }
    }
}

/// Splits PromQL source into tokens: identifiers, numbers, durations, strings (with Go escapes
/// resolved, see `PromQLStringLiteral`) and operators. Whitespace and `#` comments are skipped.
/// Errors carry the 1-based line and byte column of the offending character.
///
/// It does not know PromQL's grammar: `sum`, `by` and `offset` are plain identifiers. Its only
/// context is whether it is inside `[…]`, where `:` is a token of its own (`[5m:1m]`).
public struct PromQLLexer {
    public let source: [UInt8]
    public let fileName: String?
    /// Offset of the next byte to read.
    public private(set) var offset = 0
    /// Inside `[…]` a `:` is a `.colon` (subquery step); elsewhere it can start a metric name
    /// (`:foo`, as recording rules use), as in Prometheus' lexer.
    private var bracketDepth = 0

    public init(_ source: String, fileName: String? = nil) {
        self.source = Array(source.utf8)
        self.fileName = fileName
    }

    /// A `ParseError` at a byte offset of the source, with line and column computed from it.
    public func error(at offset: Int, _ message: String) -> ParseError {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, source.count) where source[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return ParseError(file: fileName, line: line, column: offset - lineStart + 1, message: message)
    }

    /// The next token without consuming it.
    public func peek() throws(ParseError) -> PromQLToken {
        var copy = self
        return try copy.next()
    }

    /// Consumes and returns the next token; `.endOfInput` once the source is exhausted (repeatedly).
    public mutating func next() throws(ParseError) -> PromQLToken {
        skipSpaceAndComments()
        let start = offset
        guard start < source.count else { return token(.endOfInput, start) }
        let byte = source[start]
        offset += 1
        func two(_ second: UInt8, _ ifTwo: PromQLToken.Kind, else ifOne: PromQLToken.Kind) -> PromQLToken {
            if offset < source.count, source[offset] == second {
                offset += 1
                return token(ifTwo, start)
            }
            return token(ifOne, start)
        }
        switch byte {
        case UInt8(ascii: "{"): return token(.leftBrace, start)
        case UInt8(ascii: "}"): return token(.rightBrace, start)
        case UInt8(ascii: "("): return token(.leftParen, start)
        case UInt8(ascii: ")"): return token(.rightParen, start)
        case UInt8(ascii: "["):
            bracketDepth += 1
            return token(.leftBracket, start)
        case UInt8(ascii: "]"):
            bracketDepth = max(0, bracketDepth - 1)
            return token(.rightBracket, start)
        case UInt8(ascii: ":") where bracketDepth > 0:
            return token(.colon, start)
        case UInt8(ascii: ","): return token(.comma, start)
        case UInt8(ascii: "@"): return token(.at, start)
        case UInt8(ascii: "+"): return token(.plus, start)
        case UInt8(ascii: "-"): return token(.minus, start)
        case UInt8(ascii: "*"): return token(.star, start)
        case UInt8(ascii: "/"): return token(.slash, start)
        case UInt8(ascii: "%"): return token(.percent, start)
        case UInt8(ascii: "^"): return token(.caret, start)
        case UInt8(ascii: "<"): return two(UInt8(ascii: "="), .lessEqual, else: .less)
        case UInt8(ascii: ">"): return two(UInt8(ascii: "="), .greaterEqual, else: .greater)
        case UInt8(ascii: "="):
            if offset < source.count, source[offset] == UInt8(ascii: "~") {
                offset += 1
                return token(.regexMatch, start)
            }
            return two(UInt8(ascii: "="), .equalEqual, else: .assign)
        case UInt8(ascii: "!"):
            if offset < source.count, source[offset] == UInt8(ascii: "=") {
                offset += 1
                return token(.notEqual, start)
            }
            if offset < source.count, source[offset] == UInt8(ascii: "~") {
                offset += 1
                return token(.regexNoMatch, start)
            }
            throw error(at: offset, "unexpected \(describe(offset)) after \"!\", expected \"=\" or \"~\"")
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
            offset = start
            return try lexString()
        default:
            break
        }
        if MetricNames.isMetricNameStart(byte) {
            while offset < source.count, MetricNames.isMetricNameContinuation(source[offset]) { offset += 1 }
            return token(.identifier, start)
        }
        if ByteText.isDigit(byte) || (byte == UInt8(ascii: ".") && offset < source.count && ByteText.isDigit(source[offset])) {
            offset = start
            return try lexNumberOrDuration()
        }
        // Prometheus' words for a printable character (`unexpected character: '.'`, or
        // `unexpected character inside braces: '~'` within a selector's braces).
        if (0x21...0x7e).contains(byte), byte != UInt8(ascii: "'") {
            let place = isInsideBraces(start) ? " inside braces" : ""
            throw error(at: start, "unexpected character\(place): '\(Character(Unicode.Scalar(byte)))'")
        }
        throw error(at: start, "unexpected character \(describe(start))")
    }

    /// Whether `offset` lies after a `{` not yet closed, strings skipped: only asked when an
    /// error is about to be reported, so the scan costs nothing on good input.
    private func isInsideBraces(_ offset: Int) -> Bool {
        var depth = 0
        var index = 0
        while index < offset {
            let byte = source[index]
            switch byte {
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"): depth = max(depth - 1, 0)
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
                // Skip to the closing quote; backslash escapes it in "…" and '…' only.
                index += 1
                while index < offset, source[index] != byte {
                    if byte != UInt8(ascii: "`"), source[index] == UInt8(ascii: "\\") { index += 1 }
                    index += 1
                }
            default: break
            }
            index += 1
        }
        return depth > 0
    }

    func describe(_ at: Int) -> String {
        source.withUnsafeBytes { ByteText.describe($0, at: at) }
    }

    func token(_ kind: PromQLToken.Kind, _ start: Int, stringValue: String? = nil) -> PromQLToken {
        PromQLToken(
            kind: kind, range: start..<offset, text: String(decoding: source[start..<offset], as: UTF8.self),
            stringValue: stringValue)
    }

    mutating func skipSpaceAndComments() {
        while offset < source.count {
            switch source[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                offset += 1
            case UInt8(ascii: "#"):
                while offset < source.count, source[offset] != UInt8(ascii: "\n") { offset += 1 }
            default:
                return
            }
        }
    }

    mutating func lexNumberOrDuration() throws(ParseError) -> PromQLToken {
        let start = offset
        func digits(_ isDigit: (UInt8) -> Bool) -> Int {
            let from = offset
            while offset < source.count, isDigit(source[offset]) { offset += 1 }
            return offset - from
        }
        let isHex: (UInt8) -> Bool = { ByteText.isDigit($0) || ($0 | 0x20) &- UInt8(ascii: "a") < 6 }
        if source[offset] == UInt8(ascii: "0"), offset + 1 < source.count, source[offset + 1] | 0x20 == UInt8(ascii: "x") {
            offset += 2
            if digits(isHex) == 0 {
                throw error(at: start, "error parsing number: strconv.ParseFloat: parsing \(ByteText.quote(Array(source[start..<offset]))): invalid syntax")
            }
        } else {
            let integerDigits = digits(ByteText.isDigit)
            // A duration: digits directly followed by a unit letter, e.g. 5m or 1h30m.
            if integerDigits > 0, offset < source.count, Self.isDurationUnitStart(source[offset]) {
                while offset < source.count,
                    ByteText.isDigit(source[offset]) || Self.isDurationUnitStart(source[offset])
                {
                    offset += 1
                }
                if offset < source.count, MetricNames.isLabelNameContinuation(source[offset]) {
                    throw error(at: offset, "unexpected \(describe(offset)) in duration, expected a unit (ms, s, m, h, d, w or y)")
                }
                return token(.duration, start)
            }
            if offset < source.count, source[offset] == UInt8(ascii: ".") {
                offset += 1
                if digits(ByteText.isDigit) == 0, integerDigits == 0 {
                    throw error(at: offset, "unexpected \(describe(offset)), expected a digit after \".\"")
                }
            }
            if offset < source.count, source[offset] | 0x20 == UInt8(ascii: "e") {
                offset += 1
                if offset < source.count, source[offset] == UInt8(ascii: "+") || source[offset] == UInt8(ascii: "-") {
                    offset += 1
                }
                if digits(ByteText.isDigit) == 0 {
                    throw error(at: start, "error parsing number: strconv.ParseFloat: parsing \(ByteText.quote(Array(source[start..<offset]))): invalid syntax")
                }
            }
        }
        // `1.5m`, `2e3s`: a number followed by a unit lexes as a duration, as in Prometheus' lexer,
        // whose parser then refuses it (`not a valid duration string: "1.5m"`).
        if offset < source.count, "smhdwy".utf8.contains(source[offset]) {
            while offset < source.count, MetricNames.isLabelNameContinuation(source[offset]) { offset += 1 }
            return token(.duration, start)
        }
        if offset < source.count, MetricNames.isLabelNameContinuation(source[offset]) || source[offset] == UInt8(ascii: ".") {
            throw error(at: offset, "unexpected \(describe(offset)) in number")
        }
        return token(.number, start)
    }

    static func isDurationUnitStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "y"), UInt8(ascii: "w"), UInt8(ascii: "d"), UInt8(ascii: "h"), UInt8(ascii: "m"),
            UInt8(ascii: "s"):
            return true
        default:
            return false
        }
    }

    mutating func lexString() throws(ParseError) -> PromQLToken {
        let start = offset
        let result = source.withUnsafeBytes { PromQLStringLiteral.scan($0, at: start) }
        switch result {
        case .success(let (value, end)):
            offset = end
            return token(.string, start, stringValue: value)
        case .failure(let failure):
            throw error(at: failure.offset, failure.message)
        }
    }
}

/// PromQL string literals: `"…"` and `'…'` with Go's escapes (`\a \b \f \n \r \t \v \\`, the quote
/// itself, `\xHH`, octal `\OOO`, `\uHHHH`, `\UHHHHHHHH`), and raw `` `…` `` strings without escapes
/// (which may span lines). The result must be valid UTF-8.
public enum PromQLStringLiteral {
    /// Where and why a literal is malformed; `offset` is a byte offset in the scanned buffer.
    public struct Failure: Error, Sendable, Equatable {
        public var offset: Int
        public var message: String
    }

    /// Unescapes the whole of `text`, which must be exactly one quoted literal.
    public static func unquote(_ text: String) throws(ParseError) -> String {
        let result = text.withParsingBytes { (bytes) -> Result<String, Failure> in
            switch scan(bytes, at: 0) {
            case .success(let (value, end)):
                if end != bytes.count {
                    return .failure(Failure(offset: end, message: "unexpected \(ByteText.describe(bytes, at: end)) after the string, expected end of input"))
                }
                return .success(value)
            case .failure(let failure):
                return .failure(failure)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let failure): throw .atOffset(failure.offset, failure.message)
        }
    }

    /// Scans the literal starting at `start` (its opening quote) and returns its value and the offset
    /// just after the closing quote.
    public static func scan(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Result<(String, Int), Failure> {
        guard start < bytes.count else {
            return .failure(Failure(offset: start, message: "unexpected end of input, expected a quoted string"))
        }
        let quote = bytes[start]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") || quote == UInt8(ascii: "`") else {
            return .failure(Failure(offset: start, message: "unexpected \(ByteText.describe(bytes, at: start)), expected a quoted string"))
        }
        let quoteName = quote == UInt8(ascii: "`") ? "\"`\"" : ByteText.quote(CollectionOfOne(quote))
        var index = start + 1
        var value: [UInt8] = []
        while true {
            guard index < bytes.count else {
                return .failure(Failure(offset: start, message: "unterminated quoted string"))
            }
            let byte = bytes[index]
            if byte == quote {
                index += 1
                break
            }
            if quote == UInt8(ascii: "`") {
                if byte != UInt8(ascii: "\r") { value.append(byte) }  // Go drops \r from raw strings
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\n") {
                return .failure(Failure(offset: start, message: "unterminated string, expected a closing \(quoteName) before the end of the line"))
            }
            if byte != UInt8(ascii: "\\") {
                value.append(byte)
                index += 1
                continue
            }
            let escapeStart = index
            index += 1
            guard index < bytes.count else {
                return .failure(Failure(offset: start, message: "unterminated quoted string"))
            }
            let escape = bytes[index]
            index += 1
            func hex(_ digits: Int) -> UInt32? {
                var result: UInt32 = 0
                for _ in 0..<digits {
                    guard index < bytes.count else { return nil }
                    guard let nibble = Hex.digitValue(bytes[index]) else { return nil }
                    result = result << 4 | UInt32(nibble)
                    index += 1
                }
                return result
            }
            func badEscape(_ message: String) -> Result<(String, Int), Failure> {
                .failure(Failure(offset: escapeStart, message: message))
            }
            switch escape {
            case UInt8(ascii: "a"): value.append(7)
            case UInt8(ascii: "b"): value.append(8)
            case UInt8(ascii: "f"): value.append(12)
            case UInt8(ascii: "n"): value.append(10)
            case UInt8(ascii: "r"): value.append(13)
            case UInt8(ascii: "t"): value.append(9)
            case UInt8(ascii: "v"): value.append(11)
            case UInt8(ascii: "\\"): value.append(escape)
            case quote: value.append(escape)
            case UInt8(ascii: "x"):
                guard let byteValue = hex(2) else { return badEscape("invalid escape \"\\x\", expected 2 hexadecimal digits") }
                value.append(UInt8(byteValue))
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let digits = escape == UInt8(ascii: "u") ? 4 : 8
                guard let scalarValue = hex(digits) else {
                    return badEscape("invalid escape \"\\\(Character(Unicode.Scalar(escape)))\", expected \(digits) hexadecimal digits")
                }
                guard let scalar = Unicode.Scalar(scalarValue) else {
                    return badEscape("invalid escape: U+\(String(scalarValue, radix: 16, uppercase: true)) is not a Unicode scalar value")
                }
                value.append(contentsOf: String(Character(scalar)).utf8)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var octal = UInt32(escape &- UInt8(ascii: "0"))
                for _ in 0..<2 {
                    guard index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 8 else {
                        return badEscape("invalid escape, expected 3 octal digits after \"\\\"")
                    }
                    octal = octal * 8 + UInt32(bytes[index] &- UInt8(ascii: "0"))
                    index += 1
                }
                guard octal <= 255 else { return badEscape("invalid octal escape, expected a value of at most \\377") }
                value.append(UInt8(octal))
            default:
                let shown = ByteText.describe(bytes, at: index - 1)
                return badEscape(
                    "invalid escape \"\\\" followed by \(shown), expected one of \\a \\b \\f \\n \\r \\t \\v \\\\ \\\(Character(Unicode.Scalar(quote))) \\x \\u \\U or an octal escape"
                )
            }
        }
        guard let string = String(validating: value, as: UTF8.self) else {
            return .failure(Failure(offset: start, message: "string is not valid UTF-8"))
        }
        return .success((string, index))
    }
}
