import SondeCore

// A small byte-level scanner for the line-oriented text of /proc and /sys. It works in place on the
// bytes read from the file: no splitting into arrays of strings, and a `String` is made only for the
// tokens that become labels or metric names.

/// Walks the lines of one file. Lines count from 1, as `ParseError` wants.
struct HostProcText {
    let bytes: UnsafeRawBufferPointer
    let file: String?
    private var offset = 0
    private(set) var lineNumber = 0

    init(_ bytes: UnsafeRawBufferPointer, file: String?) {
        self.bytes = bytes
        self.file = file
    }

    /// The next line without its newline, or nil at the end of the input.
    mutating func nextLine() -> HostProcLine? {
        guard offset < bytes.count else { return nil }
        let start = offset
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        offset = end + 1
        lineNumber += 1
        return HostProcLine(bytes: bytes, start: start, end: end, number: lineNumber, file: file)
    }

    /// An error about the file as a whole (a required line is missing), placed after its last line.
    func errorAtEnd(_ message: String) -> ParseError {
        ParseError(file: file, line: max(1, lineNumber), column: 1, message: message)
    }
}

/// One line, consumed token by token (tokens are separated by spaces and tabs).
struct HostProcLine {
    let bytes: UnsafeRawBufferPointer
    let start: Int
    let end: Int
    let number: Int
    let file: String?
    var position: Int

    init(bytes: UnsafeRawBufferPointer, start: Int, end: Int, number: Int, file: String?) {
        self.bytes = bytes
        self.start = start
        self.end = end
        self.number = number
        self.file = file
        self.position = start
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    /// The next token, or nil when only blanks are left.
    mutating func nextToken() -> Range<Int>? {
        while position < end, Self.isSpace(bytes[position]) { position += 1 }
        guard position < end else { return nil }
        let tokenStart = position
        while position < end, !Self.isSpace(bytes[position]) { position += 1 }
        return tokenStart..<position
    }

    /// The next token; an error naming `what` when the line ends first.
    mutating func token(_ what: @autoclosure () -> String) throws -> Range<Int> {
        guard let range = nextToken() else {
            throw error(at: end, "line ends before \(what())")
        }
        return range
    }

    /// The next token as an unsigned decimal integer.
    mutating func unsigned(_ what: @autoclosure () -> String) throws -> UInt64 {
        let range = try token(what())
        return try unsigned(range, what())
    }

    /// The next token as a decimal number (`-1`, `0.28`).
    mutating func decimal(_ what: @autoclosure () -> String) throws -> Double {
        let range = try token(what())
        return try decimal(range, what())
    }

    func unsigned(_ range: Range<Int>, _ what: @autoclosure () -> String) throws -> UInt64 {
        guard let value = HostProcLine.parseUnsigned(bytes, range) else {
            throw error(at: range.lowerBound, "expected \(what()) as an unsigned integer, found \(ByteText.quote(bytes[range]))")
        }
        return value
    }

    func decimal(_ range: Range<Int>, _ what: @autoclosure () -> String) throws -> Double {
        guard let value = HostProcLine.parseDecimal(bytes, range) else {
            throw error(at: range.lowerBound, "expected \(what()) as a number, found \(ByteText.quote(bytes[range]))")
        }
        return value
    }

    /// `[0-9]+` without overflow, else nil.
    static func parseUnsigned(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for index in range {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// `-?[0-9]+(\.[0-9]*)?`, else nil. Integers take the exact path; fractions go through
    /// Swift's correctly rounded `Double(_:)` on a small (non-allocating) string.
    static func parseDecimal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        var index = range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var sawDigit = false
        var sawPoint = false
        for position in index..<range.upperBound {
            let byte = bytes[position]
            if ByteText.isDigit(byte) {
                sawDigit = true
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                return nil
            }
        }
        guard sawDigit else { return nil }
        if !sawPoint, let magnitude = parseUnsigned(bytes, index..<range.upperBound) {
            return negative ? -Double(magnitude) : Double(magnitude)
        }
        return Double(String(decoding: bytes[range], as: UTF8.self))
    }

    /// Whether the token's bytes are exactly `literal`.
    func token(_ range: Range<Int>, is literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != pointer[offset] {
            return false
        }
        return true
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    var isBlank: Bool {
        var index = position
        while index < end, Self.isSpace(bytes[index]) { index += 1 }
        return index == end
    }

    /// An error at byte `offset` of the input (columns count from 1 within the line).
    func error(at offset: Int, _ message: String) -> ParseError {
        ParseError(file: file, line: number, column: offset - start + 1, message: message)
    }
}

extension String {
    /// Runs `body` on the string's UTF-8 bytes (copied once only if the string is not native).
    func withHostProcBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        let copy = Array(utf8)
        return try copy.withUnsafeBytes { try body($0) }
    }
}
