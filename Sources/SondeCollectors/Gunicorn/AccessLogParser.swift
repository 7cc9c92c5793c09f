/// One parsed access-log line: the fields the Gunicorn collector turns into metrics.
public struct AccessLogRecord: Sendable, Equatable {
    /// Milliseconds since the epoch, from `%(t)s` (or the JSON `time` key); nil when the line has none.
    public var timestampMilliseconds: Int64?
    /// Request method (`GET`), from `%(r)s` or `%(m)s`.
    public var method: String?
    /// URL path without the query string, from `%(U)s` or else `%(r)s`.
    public var path: String?
    /// HTTP status.
    public var status: Int
    /// Response length in bytes; nil for `-`.
    public var responseBytes: Int64?
    /// Request time in seconds, from the most precise time atom present (`D`, `L`, `M`, then `T`).
    public var durationSeconds: Double?

    public init(
        timestampMilliseconds: Int64? = nil, method: String? = nil, path: String? = nil, status: Int,
        responseBytes: Int64? = nil, durationSeconds: Double? = nil
    ) {
        self.timestampMilliseconds = timestampMilliseconds
        self.method = method
        self.path = path
        self.status = status
        self.responseBytes = responseBytes
        self.durationSeconds = durationSeconds
    }
}

/// Why a line was not parsed. The collector counts these by reason instead of logging every line.
public enum AccessLogMalformed: Error, Sendable, Equatable, CaseIterable {
    /// The line does not follow the format (a literal is missing, a field is not where it should be).
    case format
    /// The date field is missing or not a valid `[dd/Mon/yyyy:HH:MM:SS ±hhmm]` (or RFC 3339 / epoch in JSON).
    case timestamp
    /// The status is missing or not three digits.
    case status
    /// The line is longer than the parser's limit.
    case tooLong
    /// The method or path is not valid UTF-8 (or the JSON string escapes are broken).
    case encoding
}

/// Parses access-log lines written with a compiled ``AccessLogFormat``.
///
/// Works on the line's bytes: literals are matched in place, quoted atoms (`"%(r)s"`, `"%(a)s"`)
/// run to the first `"` not escaped by a backslash, other atoms to the next literal. Only the
/// fields the collector needs are materialised as values. It does not unescape quoted values
/// (a path containing `\"` keeps its backslash), and it never traps on any input.
public struct AccessLogParser: Sendable, Equatable {
    /// The compiled format.
    public let format: AccessLogFormat
    /// Lines longer than this (after the line ending is dropped) fail with ``AccessLogMalformed/tooLong``.
    public var maxLineLength: Int
    /// True when the format has `%(t)s`.
    public let hasTimestamp: Bool
    /// True when the format has a request-time atom.
    public let hasDuration: Bool
    private let steps: [AccessLogFormat.Step]
    private let hasStatus: Bool

    public init(format: AccessLogFormat = .gunicornDefault, maxLineLength: Int = 16_384) {
        self.format = format
        self.maxLineLength = maxLineLength
        self.steps = format.steps
        self.hasTimestamp = format.elements.contains(.atom(.time))
        self.hasDuration = format.hasDuration
        self.hasStatus = format.elements.contains(.atom(.status))
    }

    /// Parses one line given as a String.
    public func parse(_ line: String) throws(AccessLogMalformed) -> AccessLogRecord {
        try line.withParsingBytes { (bytes) throws(AccessLogMalformed) -> AccessLogRecord in try parse(bytes) }
    }

    /// Parses one line (a trailing `\n` / `\r\n` is ignored).
    public func parse(_ line: UnsafeRawBufferPointer) throws(AccessLogMalformed) -> AccessLogRecord {
        let p = line
        var end = p.count
        while end > 0, p[end - 1] == 0x0A || p[end - 1] == 0x0D { end -= 1 }
        guard end <= maxLineLength else { throw .tooLong }
        guard end > 0 else { throw .format }

        var pos = 0
        var timestamp: Int64?
        var methodStart = -1
        var methodEnd = -1
        var requestPathStart = -1
        var requestPathEnd = -1
        var urlPathStart = -1
        var urlPathEnd = -1
        var status = -1
        var bytes: Int64?
        var duration: Double?
        var durationRank = 0

        let steps = self.steps
        var index = 0
        while index < steps.count {
            switch steps[index] {
            case .literal(let literal):
                guard Self.matches(p, pos, end, literal) else { throw .format }
                pos += literal.count
            case .atom(let atom, let terminator):
                var valueEnd: Int
                switch terminator {
                case .bracket:
                    guard pos < end, p[pos] == UInt8(ascii: "[") else { throw .timestamp }
                    var j = pos + 1
                    while j < end, p[j] != UInt8(ascii: "]") { j += 1 }
                    guard j < end else { throw .timestamp }
                    valueEnd = j + 1
                case .quote:
                    var j = pos
                    while j < end {
                        let c = p[j]
                        if c == UInt8(ascii: "\"") { break }
                        j += c == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard j < end else { throw .format }
                    valueEnd = j
                case .literal:
                    guard index + 1 < steps.count, case .literal(let next) = steps[index + 1],
                        let found = Self.find(p, pos, end, next)
                    else { throw .format }
                    valueEnd = found
                case .end:
                    valueEnd = end
                case .space:
                    var j = pos
                    while j < end, p[j] != 0x20 { j += 1 }
                    valueEnd = j
                }

                switch atom {
                case .time:
                    guard let t = AccessLogTime.parseCommonLog(p, pos + 1, valueEnd - 1) else { throw .timestamp }
                    timestamp = t
                case .requestLine:
                    var sp1 = pos
                    while sp1 < valueEnd, p[sp1] != 0x20 { sp1 += 1 }
                    guard sp1 < valueEnd, sp1 > pos else { throw .format }
                    var sp2 = valueEnd - 1
                    while sp2 > sp1, p[sp2] != 0x20 { sp2 -= 1 }
                    if sp2 == sp1 { sp2 = valueEnd }  // HTTP/0.9: no protocol
                    methodStart = pos
                    methodEnd = sp1
                    requestPathStart = sp1 + 1
                    var q = requestPathStart
                    while q < sp2, p[q] != UInt8(ascii: "?") { q += 1 }
                    requestPathEnd = q
                case .method:
                    methodStart = pos
                    methodEnd = valueEnd
                case .urlPath:
                    urlPathStart = pos
                    urlPathEnd = valueEnd
                case .status:
                    guard valueEnd - pos == 3 else { throw .status }
                    let a = Int(p[pos]) &- 48
                    let b = Int(p[pos + 1]) &- 48
                    let c = Int(p[pos + 2]) &- 48
                    guard a >= 1, a <= 9, b >= 0, b <= 9, c >= 0, c <= 9 else { throw .status }
                    status = a * 100 + b * 10 + c
                case .responseLength:
                    guard let v = Self.integer(p, pos, valueEnd) else { throw .format }
                    bytes = v
                case .responseLengthOrDash:
                    if valueEnd - pos == 1, p[pos] == UInt8(ascii: "-") {
                        bytes = nil
                    } else {
                        guard let v = Self.integer(p, pos, valueEnd) else { throw .format }
                        bytes = v
                    }
                case .durationSeconds:
                    guard let v = Self.integer(p, pos, valueEnd) else { throw .format }
                    if durationRank < 1 { duration = Double(v); durationRank = 1 }
                case .durationMilliseconds:
                    guard let v = Self.integer(p, pos, valueEnd) else { throw .format }
                    if durationRank < 2 { duration = Double(v) / 1_000; durationRank = 2 }
                case .durationDecimalSeconds:
                    guard let v = Self.decimal(p, pos, valueEnd) else { throw .format }
                    if durationRank < 3 { duration = v; durationRank = 3 }
                case .durationMicroseconds:
                    guard let v = Self.integer(p, pos, valueEnd) else { throw .format }
                    if durationRank < 4 { duration = Double(v) / 1_000_000; durationRank = 4 }
                default:
                    break
                }
                pos = valueEnd
            }
            index += 1
        }
        guard pos == end else { throw .format }
        if hasStatus, status < 0 { throw .status }

        var record = AccessLogRecord(status: max(status, 0))
        record.timestampMilliseconds = timestamp
        record.responseBytes = bytes
        record.durationSeconds = duration
        if methodStart >= 0 {
            guard methodEnd > methodStart else { throw .format }
            for i in methodStart..<methodEnd where p[i] <= 0x20 || p[i] >= 0x7F { throw .encoding }
            record.method = String(decoding: UnsafeRawBufferPointer(rebasing: p[methodStart..<methodEnd]), as: UTF8.self)
        }
        if urlPathStart >= 0 {
            record.path = try Self.utf8(p, urlPathStart, urlPathEnd)
        } else if requestPathStart >= 0 {
            record.path = try Self.utf8(p, requestPathStart, requestPathEnd)
        }
        return record
    }

    // MARK: byte helpers

    @inline(__always)
    static func matches(_ p: UnsafeRawBufferPointer, _ pos: Int, _ end: Int, _ literal: [UInt8]) -> Bool {
        guard end - pos >= literal.count else { return false }
        var i = 0
        while i < literal.count {
            if p[pos + i] != literal[i] { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
    static func find(_ p: UnsafeRawBufferPointer, _ from: Int, _ end: Int, _ literal: [UInt8]) -> Int? {
        guard let first = literal.first else { return from }
        var j = from
        let last = end - literal.count
        while j <= last {
            if p[j] == first, matches(p, j, end, literal) { return j }
            j += 1
        }
        return nil
    }

    /// A non-negative decimal integer of 1…18 digits.
    @inline(__always)
    static func integer(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
        guard end > start, end - start <= 18 else { return nil }
        var v: Int64 = 0
        for i in start..<end {
            let d = Int64(p[i]) &- 48
            guard d >= 0, d <= 9 else { return nil }
            v = v * 10 + d
        }
        return v
    }

    /// `digits[.digits]`, at most 18 digits in all.
    @inline(__always)
    static func decimal(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double? {
        guard end > start, end - start <= 19 else { return nil }
        var mantissa: Int64 = 0
        var fractionDigits = 0
        var seenDot = false
        var digits = 0
        for i in start..<end {
            let c = p[i]
            if c == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
                continue
            }
            let d = Int64(c) &- 48
            guard d >= 0, d <= 9 else { return nil }
            mantissa = mantissa * 10 + d
            digits += 1
            if seenDot { fractionDigits += 1 }
        }
        guard digits > 0 else { return nil }
        var scale = 1.0
        for _ in 0..<fractionDigits { scale *= 10 }
        return Double(mantissa) / scale
    }

    static func utf8(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(AccessLogMalformed) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: p[start..<end])
        var ascii = true
        for b in slice where b >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let s = String(validating: slice, as: UTF8.self) else { throw .encoding }
        return s
    }
}
