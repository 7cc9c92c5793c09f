import SondeCore

/// Parses JSON-lines access logs: one flat JSON object per line.
///
/// Recognised keys (first match wins per field, case-sensitive):
/// - time: `time`, `timestamp`, `@timestamp`, `ts` — an RFC 3339 string, or epoch seconds,
///   milliseconds or microseconds as a number or numeric string (chosen by magnitude);
/// - `method`; path: `path`, `url`, `uri`, `request_uri`, `request_path` (scheme, host and query dropped);
/// - status: `status`, `status_code` (number or numeric string);
/// - bytes: `bytes`, `body_bytes_sent`, `response_bytes`, `response_length`, `size`;
/// - duration in seconds: `duration`, `request_time`, `duration_s`; `duration_ms`; `duration_us`.
///
/// Deliberately minimal: it validates the top-level object's syntax, skips nested objects and arrays
/// (bounded depth), decodes string escapes including surrogate pairs, and never traps. It is not a
/// general JSON library and does not reject duplicate keys.
public struct AccessLogJSONParser: Sendable, Equatable {
    /// Lines longer than this fail with ``AccessLogMalformed/tooLong``.
    public var maxLineLength: Int
    /// Maximum nesting depth of skipped values.
    public var maxDepth: Int

    public init(maxLineLength: Int = 16_384, maxDepth: Int = 32) {
        self.maxLineLength = maxLineLength
        self.maxDepth = maxDepth
    }

    /// Parses one line given as a String.
    public func parse(_ line: String) throws(AccessLogMalformed) -> AccessLogRecord {
        try line.withParsingBytes { (bytes) throws(AccessLogMalformed) -> AccessLogRecord in try parse(bytes) }
    }

    private enum Field {
        case time, method, path, status, bytes, seconds, milliseconds, microseconds, ignored
        init(_ key: [UInt8]) {
            switch String(decoding: key, as: UTF8.self) {
            case "time", "timestamp", "@timestamp", "ts": self = .time
            case "method": self = .method
            case "path", "url", "uri", "request_uri", "request_path": self = .path
            case "status", "status_code": self = .status
            case "bytes", "body_bytes_sent", "response_bytes", "response_length", "size": self = .bytes
            case "duration", "request_time", "duration_s": self = .seconds
            case "duration_ms": self = .milliseconds
            case "duration_us": self = .microseconds
            default: self = .ignored
            }
        }
    }

    private enum Value {
        case string([UInt8])
        case number(Double)
        case other
    }

    /// Parses one line (a trailing `\n` / `\r\n` is ignored).
    public func parse(_ line: UnsafeRawBufferPointer) throws(AccessLogMalformed) -> AccessLogRecord {
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        guard end <= maxLineLength else { throw .tooLong }
        var cursor = Cursor(p: line, pos: 0, end: end, maxDepth: maxDepth)

        var timestamp: Int64?
        var method: String?
        var path: String?
        var status: Int?
        var bytes: Int64?
        var duration: Double?

        cursor.skipSpace()
        guard cursor.take(UInt8(ascii: "{")) else { throw .format }
        cursor.skipSpace()
        if !cursor.take(UInt8(ascii: "}")) {
            while true {
                cursor.skipSpace()
                let key = try cursor.string()
                cursor.skipSpace()
                guard cursor.take(UInt8(ascii: ":")) else { throw .format }
                cursor.skipSpace()
                let field = Field(key)
                let value = try cursor.value(keep: field != .ignored)
                switch (field, value) {
                case (.time, .string(let s)):
                    guard timestamp == nil else { break }
                    if let n = Self.number(s) {
                        timestamp = try Self.epoch(n)
                    } else {
                        guard let t = s.withUnsafeBytes({ try? RFC3339.parse($0) }) else {
                            throw .timestamp
                        }
                        timestamp = t
                    }
                case (.time, .number(let n)):
                    if timestamp == nil { timestamp = try Self.epoch(n) }
                case (.time, .other):
                    throw .timestamp
                case (.method, .string(let s)):
                    guard method == nil else { break }
                    guard !s.isEmpty, s.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .encoding }
                    method = String(decoding: s, as: UTF8.self)
                case (.path, .string(let s)):
                    guard path == nil else { break }
                    guard let text = String(validating: Self.pathPart(s), as: UTF8.self) else { throw .encoding }
                    path = text
                case (.status, .number(let n)):
                    guard status == nil else { break }
                    guard n >= 100, n <= 999, n == n.rounded(.towardZero) else { throw .status }
                    status = Int(n)
                case (.status, .string(let s)):
                    guard status == nil else { break }
                    guard let n = Self.number(s), n >= 100, n <= 999, n == n.rounded(.towardZero) else { throw .status }
                    status = Int(n)
                case (.status, .other):
                    throw .status
                case (.bytes, .number(let n)):
                    if bytes == nil, n >= 0, n < 9e18 { bytes = Int64(n) }
                case (.bytes, .string(let s)):
                    if bytes == nil, let n = Self.number(s), n >= 0, n < 9e18 { bytes = Int64(n) }
                case (.seconds, .number(let n)), (.milliseconds, .number(let n)), (.microseconds, .number(let n)):
                    if duration == nil, n >= 0, n.isFinite {
                        duration = field == .seconds ? n : field == .milliseconds ? n / 1_000 : n / 1_000_000
                    }
                case (.seconds, .string(let s)), (.milliseconds, .string(let s)), (.microseconds, .string(let s)):
                    if duration == nil, let n = Self.number(s), n >= 0, n.isFinite {
                        duration = field == .seconds ? n : field == .milliseconds ? n / 1_000 : n / 1_000_000
                    }
                default:
                    break
                }
                cursor.skipSpace()
                if cursor.take(UInt8(ascii: ",")) { continue }
                guard cursor.take(UInt8(ascii: "}")) else { throw .format }
                break
            }
        }
        cursor.skipSpace()
        guard cursor.pos == cursor.end else { throw .format }
        guard let status else { throw .status }
        return AccessLogRecord(
            timestampMilliseconds: timestamp, method: method, path: path, status: status, responseBytes: bytes,
            durationSeconds: duration)
    }

    /// Epoch seconds, milliseconds or microseconds (by magnitude) to milliseconds.
    private static func epoch(_ n: Double) throws(AccessLogMalformed) -> Int64 {
        guard n.isFinite, n >= 0, n < 1e17 else { throw .timestamp }
        if n < 1e11 { return Int64((n * 1_000).rounded(.towardZero)) }
        if n < 1e14 { return Int64(n.rounded(.towardZero)) }
        return Int64((n / 1_000).rounded(.towardZero))
    }

    private static func number(_ s: [UInt8]) -> Double? {
        guard !s.isEmpty, s.count <= 40,
            s.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 | 0x20 == 0x65 })
        else { return nil }
        return Double(String(decoding: s, as: UTF8.self))
    }

    /// Drops `scheme://host` and the query string / fragment from a URL or path.
    static func pathPart(_ s: [UInt8]) -> ArraySlice<UInt8> {
        guard let range = s.withUnsafeBytes({ pathRange($0) }) else { return [0x2F][...] }
        return s[range]
    }

    /// Where the path of a request target is: after `scheme://host`, before `?` or `#`; nil for an
    /// absolute URL without a path (its path is `/`).
    static func pathRange(_ s: UnsafeRawBufferPointer) -> Range<Int>? {
        var start = 0
        var colon = 0
        while colon < s.count, s[colon] != UInt8(ascii: ":") { colon += 1 }
        if colon < s.count, colon + 2 < s.count, s[colon + 1] == 0x2F, s[colon + 2] == 0x2F,
            s[..<colon].allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A })
        {
            start = colon + 3
            while start < s.count, s[start] != 0x2F { start += 1 }
            if start == s.count { return nil }
        }
        var end = start
        while end < s.count, s[end] != UInt8(ascii: "?"), s[end] != UInt8(ascii: "#") { end += 1 }
        return start..<end
    }

    private struct Cursor {
        let p: UnsafeRawBufferPointer
        var pos: Int
        let end: Int
        let maxDepth: Int

        mutating func skipSpace() {
            while pos < end, p[pos] == 0x20 || p[pos] == 0x09 || p[pos] == 0x0A || p[pos] == 0x0D { pos += 1 }
        }

        mutating func take(_ c: UInt8) -> Bool {
            guard pos < end, p[pos] == c else { return false }
            pos += 1
            return true
        }

        mutating func value(keep: Bool) throws(AccessLogMalformed) -> Value {
            guard pos < end else { throw .format }
            switch p[pos] {
            case UInt8(ascii: "\""):
                if keep { return .string(try string()) }
                try skipString()
                return .other
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                try skipContainer()
                return .other
            case UInt8(ascii: "t"):
                try literal("true")
                return .other
            case UInt8(ascii: "f"):
                try literal("false")
                return .other
            case UInt8(ascii: "n"):
                try literal("null")
                return .other
            default:
                let start = pos
                while pos < end {
                    let c = p[pos]
                    guard (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D || c == 0x2B || c | 0x20 == 0x65 else { break }
                    pos += 1
                }
                guard pos > start, pos - start <= 40 else { throw .format }
                guard let n = Double(String(decoding: UnsafeRawBufferPointer(rebasing: p[start..<pos]), as: UTF8.self))
                else { throw .format }
                return .number(n)
            }
        }

        mutating func literal(_ word: StaticString) throws(AccessLogMalformed) {
            let count = word.utf8CodeUnitCount
            guard end - pos >= count else { throw .format }
            let w = UnsafeRawBufferPointer(start: word.utf8Start, count: count)
            for i in 0..<count where p[pos + i] != w[i] { throw .format }
            pos += count
        }

        mutating func skipString() throws(AccessLogMalformed) {
            guard take(UInt8(ascii: "\"")) else { throw .format }
            while pos < end {
                let c = p[pos]
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    return
                }
                if c < 0x20 { throw .format }
                pos += c == UInt8(ascii: "\\") ? 2 : 1
            }
            throw .format
        }

        mutating func skipContainer() throws(AccessLogMalformed) {
            var depth = 0
            while pos < end {
                let c = p[pos]
                switch c {
                case UInt8(ascii: "\""):
                    try skipString()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard depth <= maxDepth else { throw .format }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        pos += 1
                        return
                    }
                default:
                    break
                }
                pos += 1
            }
            throw .format
        }

        /// A JSON string with escapes decoded, as UTF-8 bytes (validated).
        mutating func string() throws(AccessLogMalformed) -> [UInt8] {
            guard take(UInt8(ascii: "\"")) else { throw .format }
            var out: [UInt8] = []
            while pos < end {
                let c = p[pos]
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    guard String(validating: out, as: UTF8.self) != nil else { throw .encoding }
                    return out
                }
                if c < 0x20 { throw .format }
                if c != UInt8(ascii: "\\") {
                    out.append(c)
                    pos += 1
                    continue
                }
                guard pos + 1 < end else { throw .format }
                let e = p[pos + 1]
                pos += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800, scalar <= 0xDBFF {
                        guard end - pos >= 6, p[pos] == UInt8(ascii: "\\"), p[pos + 1] == UInt8(ascii: "u") else {
                            throw .encoding
                        }
                        pos += 2
                        let low = try hex4()
                        guard low >= 0xDC00, low <= 0xDFFF else { throw .encoding }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                        throw .encoding
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .encoding }
                    out.append(contentsOf: UTF8.encode(u).map { Array($0) } ?? [])
                default:
                    throw .encoding
                }
            }
            throw .format
        }

        mutating func hex4() throws(AccessLogMalformed) -> UInt32 {
            guard end - pos >= 4 else { throw .encoding }
            var v: UInt32 = 0
            for i in 0..<4 {
                guard let d = Hex.digitValue(p[pos + i]) else { throw .encoding }
                v = v << 4 | UInt32(d)
            }
            pos += 4
            return v
        }
    }
}
