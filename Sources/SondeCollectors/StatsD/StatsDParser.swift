#if canImport(Glibc)
import Glibc
#endif
import SondeCore

/// The kind of a StatsD metric line, from its type field.
///
/// `d` (DogStatsD distribution) is read as a histogram: sonde has no server-side distribution
/// sketches, and both end up as the same summary.
public enum StatsDMetricType: UInt8, Sendable, Hashable, CaseIterable {
    /// `c`: an increment; with `|@rate`, the increment is divided by the rate.
    case counter = 0x63  // "c"
    /// `g`: a value that persists; a leading `+` or `-` makes it a delta.
    case gauge = 0x67  // "g"
    /// `ms`: a duration in milliseconds, exported in seconds.
    case timer = 0x6D  // "m"
    /// `h` and `d`: an observation with no unit.
    case histogram = 0x68  // "h"
    /// `s`: a member whose distinct count per interval is exported.
    case set = 0x73  // "s"
}

/// Why a line was not aggregated: the `reason` label of `sonde_statsd_bad_lines_total`.
public enum StatsDRejection: String, Sendable, Hashable, CaseIterable, Error {
    /// No `:` before the value, or no `|` before the type.
    case malformed
    /// The name is empty, or holds control bytes.
    case invalidName = "invalid_name"
    /// Not a finite decimal number (NaN, Inf and hex are refused), a negative counter, an empty
    /// set member, or a value that would overflow a total.
    case invalidValue = "invalid_value"
    /// The type field is none of `c`, `g`, `ms`, `h`, `d`, `s`.
    case invalidType = "invalid_type"
    /// `|@rate` that is not a number in (0, 1].
    case invalidSampleRate = "invalid_sample_rate"
    /// A tag whose key is empty or reserved (`__…`, or `quantile` on a timer/histogram), or whose
    /// value is not UTF-8.
    case invalidTag = "invalid_tag"
    /// DogStatsD events (`_e{…}`) and service checks (`_sc|…`): understood but not collected.
    case unsupported
    /// The same metric name already arrived with another type.
    case typeConflict = "type_conflict"
    /// The datagram was larger than the receive buffer; its lines were not read.
    case truncated
}

/// One metric line as the parser sees it: views into the packet, valid only while the packet is.
///
/// `name` and `tags` are the raw bytes (not yet sanitised): the aggregator keys its cache on them
/// and only decodes them (`StatsDParser.decodeIdentity`) when it meets a new combination.
public struct StatsDLine {
    public var type: StatsDMetricType
    /// The metric name as sent, before sanitising.
    public var name: UnsafeRawBufferPointer
    /// The number; for a gauge delta it carries its sign. Unused (0) for sets.
    public var value: Double
    /// Whether a gauge value started with `+` or `-` (statsd's delta syntax).
    public var isDelta: Bool
    /// The raw value bytes: the member of a set.
    public var rawValue: UnsafeRawBufferPointer
    /// `|@rate`, 1 when absent. Ignored for gauges and sets.
    public var sampleRate: Double
    /// The text after `|#` (comma-separated `key:value` tags), empty when absent.
    public var tags: UnsafeRawBufferPointer
}

/// A line fully decoded into owned values: what `StatsDParser.parse(_:)` returns, for tests and
/// tools. The listener's hot path never builds it.
public struct StatsDMetric: Sendable, Equatable {
    public var type: StatsDMetricType
    /// The sanitised name (dots and invalid characters replaced by `_`), without unit suffixes.
    public var name: String
    public var value: Double
    public var isDelta: Bool
    /// The member of a set, as sent.
    public var member: String?
    public var sampleRate: Double
    /// The tags as labels, sorted by name, the last of a repeated key winning.
    public var labels: [Label]

    public init(
        type: StatsDMetricType, name: String, value: Double, isDelta: Bool = false, member: String? = nil,
        sampleRate: Double = 1, labels: [Label] = []
    ) {
        self.type = type
        self.name = name
        self.value = value
        self.isDelta = isDelta
        self.member = member
        self.sampleRate = sampleRate
        self.labels = labels
    }
}

/// Parses the StatsD / DogStatsD line protocol on bytes:
/// `name:value|type[|@rate][|#tag:v,tag2][|c:container][|T1700000000]`, one or more per datagram,
/// separated by `\n` (a trailing `\r` is tolerated, empty lines are skipped).
///
/// Names: every byte outside `[a-zA-Z0-9_]` becomes `_` (so `.` and `-` do, a multi-byte UTF-8
/// character becomes one `_`), a leading digit gets a `_` prefix; control bytes reject the line.
/// Tags become labels with the same rule for keys; a tag without a value (`#canary`) becomes the
/// label `canary="true"`, a tag with an empty value (`#k:`) is dropped, as Prometheus drops empty
/// label values. Sections other than `@` and `#` (container ids, timestamps, future fields) are
/// ignored. It does not support the legacy multi-value form (`name:1|c:2|ms`) nor DogStatsD's
/// packed values (`name:1:2:3|h`); both are rejected as `invalid_value`.
public enum StatsDParser {
    /// Either a metric line, a rejection, or nothing (an empty line).
    public enum Outcome {
        case metric(StatsDLine)
        case rejected(StatsDRejection)
        case empty
    }

    /// Calls `body` for each line of `packet`; the views it passes are valid only during the call.
    @inlinable
    public static func forEachLine(in packet: UnsafeRawBufferPointer, _ body: (Outcome) -> Void) {
        guard let base = packet.baseAddress, packet.count > 0 else { return }
        var start = 0
        let end = packet.count
        while start < end {
            var stop = end
            if let found = memchrIndex(base, from: start, to: end, byte: 0x0A) { stop = found }
            var lineEnd = stop
            if lineEnd > start && packet[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            body(parseLine(UnsafeRawBufferPointer(rebasing: packet[start..<lineEnd])))
            start = stop + 1
        }
    }

    /// Parses one line (without its newline).
    public static func parseLine(_ line: UnsafeRawBufferPointer) -> Outcome {
        let count = line.count
        guard count > 0, let base = line.baseAddress else { return .empty }
        // DogStatsD events and service checks.
        if count >= 3 && line[0] == UInt8(ascii: "_") {
            if line[1] == UInt8(ascii: "e") && line[2] == UInt8(ascii: "{") { return .rejected(.unsupported) }
            if count >= 4 && line[1] == UInt8(ascii: "s") && line[2] == UInt8(ascii: "c") && line[3] == UInt8(ascii: "|") {
                return .rejected(.unsupported)
            }
        }
        guard let colon = memchrIndex(base, from: 0, to: count, byte: UInt8(ascii: ":")) else { return .rejected(.malformed) }
        guard let pipe = memchrIndex(base, from: colon + 1, to: count, byte: UInt8(ascii: "|")) else {
            return .rejected(.malformed)
        }
        if colon == 0 { return .rejected(.invalidName) }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        let rawValue = UnsafeRawBufferPointer(rebasing: line[(colon + 1)..<pipe])
        if rawValue.isEmpty { return .rejected(.invalidValue) }

        // Type: up to the next '|'.
        let typeStart = pipe + 1
        let typeEnd = memchrIndex(base, from: typeStart, to: count, byte: UInt8(ascii: "|")) ?? count
        let type: StatsDMetricType
        switch typeEnd - typeStart {
        case 1:
            switch line[typeStart] {
            case UInt8(ascii: "c"): type = .counter
            case UInt8(ascii: "g"): type = .gauge
            case UInt8(ascii: "h"), UInt8(ascii: "d"): type = .histogram
            case UInt8(ascii: "s"): type = .set
            default: return .rejected(.invalidType)
            }
        case 2 where line[typeStart] == UInt8(ascii: "m") && line[typeStart + 1] == UInt8(ascii: "s"):
            type = .timer
        default:
            return .rejected(.invalidType)
        }

        // Sections.
        var sampleRate = 1.0
        var tags = UnsafeRawBufferPointer(start: nil, count: 0)
        var sectionStart = typeEnd + 1
        while sectionStart < count {
            let sectionEnd = memchrIndex(base, from: sectionStart, to: count, byte: UInt8(ascii: "|")) ?? count
            if sectionEnd > sectionStart {
                switch line[sectionStart] {
                case UInt8(ascii: "@"):
                    let text = UnsafeRawBufferPointer(rebasing: line[(sectionStart + 1)..<sectionEnd])
                    guard let rate = parseNumber(text), rate > 0, rate <= 1 else { return .rejected(.invalidSampleRate) }
                    sampleRate = rate
                case UInt8(ascii: "#"):
                    tags = UnsafeRawBufferPointer(rebasing: line[(sectionStart + 1)..<sectionEnd])
                default:
                    break  // c:container-id, T<timestamp>, and fields added later
                }
            }
            sectionStart = sectionEnd + 1
        }

        var value = 0.0
        var isDelta = false
        switch type {
        case .set:
            break
        case .gauge:
            let first = rawValue[0]
            isDelta = first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            guard let number = parseNumber(rawValue) else { return .rejected(.invalidValue) }
            value = number
        case .counter:
            guard let number = parseNumber(rawValue), number >= 0 else { return .rejected(.invalidValue) }
            value = number
        case .timer, .histogram:
            guard let number = parseNumber(rawValue) else { return .rejected(.invalidValue) }
            value = number
        }
        if type == .set {
            for byte in rawValue where byte < 0x20 || byte == 0x7F { return .rejected(.invalidValue) }
        }
        return .metric(
            StatsDLine(
                type: type, name: name, value: value, isDelta: isDelta, rawValue: rawValue,
                sampleRate: sampleRate, tags: tags))
    }

    // MARK: Identity decoding (the aggregator's slow path)

    /// Sanitises the name and decodes the tags of a line into owned strings.
    public static func decodeIdentity(
        type: StatsDMetricType, name: UnsafeRawBufferPointer, tags: UnsafeRawBufferPointer
    ) -> Result<(name: String, labels: [Label]), StatsDRejection> {
        guard let metricName = sanitisedName(name) else { return .failure(.invalidName) }
        var labels: [Label] = []
        var start = 0
        let count = tags.count
        while start < count, let base = tags.baseAddress {
            let end = memchrIndex(base, from: start, to: count, byte: UInt8(ascii: ",")) ?? count
            if end > start {
                let colon = memchrIndex(base, from: start, to: end, byte: UInt8(ascii: ":"))
                let keyBytes = UnsafeRawBufferPointer(rebasing: tags[start..<(colon ?? end)])
                guard let key = sanitisedName(keyBytes), !key.hasPrefix("__") else { return .failure(.invalidTag) }
                if key == "quantile" && (type == .timer || type == .histogram) { return .failure(.invalidTag) }
                if let colon {
                    let valueBytes = UnsafeRawBufferPointer(rebasing: tags[(colon + 1)..<end])
                    guard let value = String(validating: valueBytes, as: UTF8.self) else { return .failure(.invalidTag) }
                    if !value.isEmpty { labels.append(Label(key, value)) }
                } else {
                    labels.append(Label(key, "true"))
                }
            }
            start = end + 1
        }
        // Sorted, last of a repeated key wins (Labels' rule).
        let sorted = Labels(labels).pairs
        return .success((metricName, sorted))
    }

    /// `[a-zA-Z0-9_]` kept, anything else `_` (one per UTF-8 character), leading digit prefixed by
    /// `_`; nil when empty or holding a control byte.
    static func sanitisedName(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard !bytes.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        if bytes[0] &- UInt8(ascii: "0") < 10 { out.append(UInt8(ascii: "_")) }
        for byte in bytes {
            if byte < 0x20 || byte == 0x7F { return nil }
            if MetricNames.isLabelNameContinuation(byte) {
                out.append(byte)
            } else if byte & 0xC0 == 0x80 {
                continue  // UTF-8 continuation byte: its lead byte already gave the `_`
            } else {
                out.append(UInt8(ascii: "_"))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Owned convenience

    /// Parses a whole datagram into owned values (a convenience for tests and tools).
    public static func parse(_ packet: [UInt8]) -> [Result<StatsDMetric, StatsDRejection>] {
        var results: [Result<StatsDMetric, StatsDRejection>] = []
        packet.withUnsafeBytes { buffer in
            forEachLine(in: buffer) { outcome in
                switch outcome {
                case .empty: break
                case .rejected(let reason): results.append(.failure(reason))
                case .metric(let line):
                    switch decodeIdentity(type: line.type, name: line.name, tags: line.tags) {
                    case .failure(let reason): results.append(.failure(reason))
                    case .success(let identity):
                        results.append(
                            .success(
                                StatsDMetric(
                                    type: line.type, name: identity.name, value: line.value, isDelta: line.isDelta,
                                    member: line.type == .set ? String(decoding: line.rawValue, as: UTF8.self) : nil,
                                    sampleRate: line.sampleRate, labels: identity.labels)))
                    }
                }
            }
        }
        return results
    }

    /// `parse(Array(text.utf8))`.
    public static func parse(_ text: String) -> [Result<StatsDMetric, StatsDRejection>] {
        parse(Array(text.utf8))
    }

    // MARK: Numbers

    /// A finite decimal number: `[+-]?digits[.digits][e[+-]digits]`, read exactly as `strtod` reads
    /// it (SondeCore's `FloatParsing`). NaN and infinities are refused, and so is anything that
    /// overflows to infinity.
    public static func parseNumber(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard let value = FloatParsing.parse(bytes), value.isFinite else { return nil }
        return value
    }

    @inlinable @inline(__always)
    static func memchrIndex(_ base: UnsafeRawPointer, from start: Int, to end: Int, byte: UInt8) -> Int? {
        guard start < end else { return nil }
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }
}
