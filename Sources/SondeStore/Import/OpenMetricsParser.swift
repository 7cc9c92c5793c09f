import SondeCore

/// One classified line of OpenMetrics / Prometheus text input.
public enum OpenMetricsLine: Equatable, Sendable {
    /// A sample. `series` is the byte range of `name{labels}` exactly as written, relative to the line
    /// buffer; look it up by its bytes and call `OpenMetricsParser.parseSeries` only for new text.
    case sample(series: Range<Int>, value: Double, timestampMs: Int64)
    /// `# TYPE`, `# HELP`, `# UNIT` or another `#` comment; nothing is kept.
    case comment
    /// An empty line or one of only spaces and tabs.
    case blank
    /// The `# EOF` marker.
    case eof

    public static func == (lhs: OpenMetricsLine, rhs: OpenMetricsLine) -> Bool {
        switch (lhs, rhs) {
        case let (.sample(s1, v1, t1), .sample(s2, v2, t2)):
            return s1 == s2 && v1.bitPattern == v2.bitPattern && t1 == t2  // bitwise, so NaN == NaN
        case (.comment, .comment), (.blank, .blank), (.eof, .eof):
            return true
        default:
            return false
        }
    }
}

/// A line-at-a-time parser for the input of `promtool tsdb create-blocks-from openmetrics`:
/// OpenMetrics (or Prometheus text) where every sample carries a timestamp.
///
/// Per line it validates the syntax fully but allocates nothing: a sample comes back as the byte
/// range of its series text, its value and its timestamp, so an importer can key a hash map by the
/// series bytes and build `Labels` (`parseSeries`) once per distinct series.
///
/// Decisions, all deliberate:
/// - Timestamps are seconds with an optional fraction and exponent, converted exactly to Int64
///   milliseconds; digits below a millisecond are truncated toward negative infinity (floor), see
///   `EpochSeconds`. A missing timestamp is an error (`expected a timestamp`).
/// - Values are floats parsed bit-exactly like `strtod` in the C locale, plus `NaN`, `Inf`,
///   `+Inf`, `-Inf` (any case); hexadecimal floats are rejected.
/// - `# TYPE`/`# HELP`/`# UNIT` are checked for shape (a metric name, a known type) and discarded;
///   other `#` lines are accepted as comments, as Prometheus' text format allows.
/// - `# EOF` ends the input: afterwards only blank lines are accepted. Whether `# EOF` is required
///   is the caller's choice (`finish`).
/// - Between series, value, timestamp and exemplar one or more spaces or tabs are accepted; inside
///   `{…}` no whitespace is (OpenMetrics). A trailing comma in `{…}` is accepted.
/// - Exemplars (` # {…} value [timestamp]`) after the timestamp are skipped unparsed.
/// - Label values unescape `\\`, `\"` and `\n`; any other backslash pair is kept verbatim, as
///   Prometheus does (exporters that forget to escape `C:\temp` stay importable).
/// - Not supported: OpenMetrics 2.0 quoted metric names (`{"my.metric"}`), native histograms.
public struct OpenMetricsParser {
    public let fileName: String?
    /// Whether `# EOF` has been seen.
    public private(set) var sawEOF = false

    public init(fileName: String?) {
        self.fileName = fileName
    }

    /// Parses one line (without its newline). lineNumber is 1-based and used in errors.
    public mutating func parseLine(_ line: UnsafeRawBufferPointer, lineNumber: Int) throws(ParseError) -> OpenMetricsLine {
        guard let base = line.baseAddress, line.count > 0 else { return .blank }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = line.count
        let first = p[0]
        if MetricNames.isMetricNameStart(first), !sawEOF {
            return try parseSample(p, n, lineNumber)
        }
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            var index = 0
            while index < n, p[index] == UInt8(ascii: " ") || p[index] == UInt8(ascii: "\t") { index += 1 }
            if index == n { return .blank }
            throw error(lineNumber, index, "unexpected leading whitespace, expected a metric name or \"#\" at the start of the line")
        }
        if sawEOF {
            throw error(lineNumber, 0, "unexpected content after \"# EOF\", expected the end of the input")
        }
        if first == UInt8(ascii: "#") {
            return try parseComment(p, n, lineNumber)
        }
        throw error(lineNumber, 0, "unexpected \(describe(p, n, 0)), expected a metric name or \"#\"")
    }

    /// Throws unless `# EOF` was seen; call at the end of the input if the marker is required.
    /// `lineNumber` is where the missing marker is reported: one past the last line read.
    public func finish(lineNumber: Int) throws(ParseError) {
        guard sawEOF else {
            throw ParseError(file: fileName, line: lineNumber, column: 1, message: "unexpected end of input, expected \"# EOF\"")
        }
    }

    // MARK: - Samples

    @inline(__always)
    private func parseSample(_ p: UnsafePointer<UInt8>, _ n: Int, _ lineNumber: Int) throws(ParseError) -> OpenMetricsLine {
        var i = 1
        while i < n, MetricNames.isMetricNameContinuation(p[i]) { i += 1 }
        var hasLabels = false
        if i < n, p[i] == UInt8(ascii: "{") {
            hasLabels = true
            i = try skipLabels(p, n, i + 1, lineNumber)
        }
        let seriesEnd = i
        guard i < n, p[i] == UInt8(ascii: " ") || p[i] == UInt8(ascii: "\t") else {
            if i == n { throw error(lineNumber, i, "unexpected end of line, expected a space and a value after the series") }
            let expected = hasLabels ? "expected a space after \"}\"" : "expected \"{\" or a space after the metric name"
            throw error(lineNumber, i, "unexpected \(describe(p, n, i)), \(expected)")
        }
        i += 1
        while i < n, p[i] == UInt8(ascii: " ") || p[i] == UInt8(ascii: "\t") { i += 1 }
        let valueStart = i
        while i < n, p[i] != UInt8(ascii: " "), p[i] != UInt8(ascii: "\t") { i += 1 }
        if i == valueStart { throw error(lineNumber, i, "unexpected end of line, expected a value") }
        guard let value = FloatParsing.parse(p + valueStart, count: i - valueStart) else {
            throw error(
                lineNumber, valueStart,
                "invalid value \(ByteText.quote(p, valueStart, i)), expected a number, NaN, +Inf or -Inf")
        }
        while i < n, p[i] == UInt8(ascii: " ") || p[i] == UInt8(ascii: "\t") { i += 1 }
        if i == n || p[i] == UInt8(ascii: "#") {
            throw error(lineNumber, i, "unexpected \(describe(p, n, i)), expected a timestamp")
        }
        let timestampStart = i
        while i < n, p[i] != UInt8(ascii: " "), p[i] != UInt8(ascii: "\t") { i += 1 }
        guard
            let timestamp = EpochSeconds.milliseconds(
                UnsafeRawBufferPointer(start: p + timestampStart, count: i - timestampStart))
        else {
            throw error(
                lineNumber, timestampStart,
                "invalid timestamp \(ByteText.quote(p, timestampStart, i)), expected seconds since the epoch like 1795331271.123")
        }
        if i < n {
            while i < n, p[i] == UInt8(ascii: " ") || p[i] == UInt8(ascii: "\t") { i += 1 }
            if i < n, p[i] != UInt8(ascii: "#") {
                throw error(lineNumber, i, "unexpected \(describe(p, n, i)) after the timestamp, expected the end of the line or an exemplar (\"# {…}\")")
            }
        }
        return .sample(series: 0..<seriesEnd, value: value, timestampMs: timestamp)
    }

    /// Validates `{…}` from just after `{`; returns the offset after `}`.
    @inline(__always)
    private func skipLabels(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ lineNumber: Int) throws(ParseError) -> Int {
        var i = start
        while true {
            guard i < n else { throw error(lineNumber, i, "unexpected end of line, expected a label name or \"}\"") }
            if p[i] == UInt8(ascii: "}") { return i + 1 }
            guard MetricNames.isLabelNameStart(p[i]) else {
                throw error(lineNumber, i, "unexpected \(describe(p, n, i)), expected a label name or \"}\"")
            }
            i += 1
            while i < n, MetricNames.isLabelNameContinuation(p[i]) { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "=") else {
                throw error(lineNumber, i, "unexpected \(describe(p, n, i)), expected \"=\" after label name")
            }
            i += 1
            guard i < n, p[i] == UInt8(ascii: "\"") else {
                throw error(lineNumber, i, "unexpected \(describe(p, n, i)), expected a quoted label value")
            }
            i += 1
            while true {
                guard i < n else {
                    throw error(lineNumber, n, "unexpected end of line, expected \"\\\"\" to close the label value")
                }
                let byte = p[i]
                if byte == UInt8(ascii: "\"") { break }
                i += byte == UInt8(ascii: "\\") ? 2 : 1
            }
            i += 1
            guard i < n else { throw error(lineNumber, i, "unexpected end of line, expected \",\" or \"}\"") }
            if p[i] == UInt8(ascii: ",") {
                i += 1
            } else if p[i] == UInt8(ascii: "}") {
                return i + 1
            } else {
                throw error(lineNumber, i, "unexpected \(describe(p, n, i)), expected \",\" or \"}\" after label value")
            }
        }
    }

    // MARK: - Comments

    private static let metricTypes: [String] = [
        "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown", "untyped",
    ]

    private mutating func parseComment(_ p: UnsafePointer<UInt8>, _ n: Int, _ lineNumber: Int) throws(ParseError) -> OpenMetricsLine {
        let text = UnsafeBufferPointer(start: p, count: n)
        func hasPrefix(_ prefix: StaticString) -> Bool {
            n >= prefix.utf8CodeUnitCount
                && memcmpEqual(p, prefix.utf8Start, prefix.utf8CodeUnitCount)
        }
        var end = n
        while end > 0, text[end - 1] == UInt8(ascii: " ") || text[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        if end == 5, hasPrefix("# EOF") {
            sawEOF = true
            return .eof
        }
        let keyword: String
        if hasPrefix("# TYPE") {
            keyword = "# TYPE"
        } else if hasPrefix("# HELP") {
            keyword = "# HELP"
        } else if hasPrefix("# UNIT") {
            keyword = "# UNIT"
        } else {
            return .comment
        }
        var i = 6
        if i < n, MetricNames.isMetricNameContinuation(p[i]) { return .comment }  // e.g. "# TYPES of …"
        guard i < n, p[i] == UInt8(ascii: " ") else {
            throw error(lineNumber, i, "unexpected \(describe(p, n, i)), expected a space and a metric name after \"\(keyword)\"")
        }
        i += 1
        let nameStart = i
        guard i < n, MetricNames.isMetricNameStart(p[i]) else {
            throw error(lineNumber, i, "unexpected \(describe(p, n, i)), expected a metric name after \"\(keyword)\"")
        }
        while i < n, MetricNames.isMetricNameContinuation(p[i]) { i += 1 }
        if i < n, p[i] != UInt8(ascii: " ") {
            throw error(lineNumber, i, "unexpected \(describe(p, n, i)) in metric name, expected a space")
        }
        if keyword == "# TYPE" {
            let typeStart = min(i + 1, n)
            guard typeStart < end else {
                throw error(
                    lineNumber, typeStart,
                    "unexpected \(describe(p, n, typeStart)), expected a metric type after \(ByteText.quote(p, nameStart, i))")
            }
            i = typeStart
            let type = String(decoding: UnsafeBufferPointer(start: p + i, count: end - i), as: UTF8.self)
            guard Self.metricTypes.contains(type) else {
                throw error(
                    lineNumber, i,
                    "unknown metric type \(ByteText.quote(p, i, max(i, end))), expected one of \(Self.metricTypes.joined(separator: ", "))")
            }
        }
        return .comment
    }

    // MARK: - Errors

    private func error(_ lineNumber: Int, _ offset: Int, _ message: String) -> ParseError {
        ParseError(file: fileName, line: lineNumber, column: offset + 1, message: message)
    }

    private func describe(_ p: UnsafePointer<UInt8>, _ n: Int, _ offset: Int) -> String {
        if offset >= n { return "end of line" }
        return ByteText.describe(UnsafeRawBufferPointer(start: p, count: n), at: offset)
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for index in 0..<count where a[index] != b[index] { return false }
    return true
}

// MARK: - Full series parse

extension OpenMetricsParser {
    /// Full parse of a series text as returned in .sample (validates names, unescapes values, sorts).
    /// Errors are positioned within `text` (line 1, columns from 1).
    public static func parseSeries(_ text: UnsafeRawBufferPointer) throws(ParseError) -> Labels {
        try parseSeries(text, fileName: nil, lineNumber: 1, columnOffset: 0)
    }

    /// As `parseSeries(_:)`, with errors positioned in the input file: `columnOffset` is the offset of
    /// `text` within its line (0 for series text taken from `.sample`, which starts the line).
    public static func parseSeries(
        _ text: UnsafeRawBufferPointer, fileName: String?, lineNumber: Int, columnOffset: Int
    ) throws(ParseError) -> Labels {
        let n = text.count
        func error(_ offset: Int, _ message: String) -> ParseError {
            ParseError(file: fileName, line: lineNumber, column: columnOffset + offset + 1, message: message)
        }
        func describe(_ offset: Int) -> String { ByteText.describe(text, at: offset) }
        guard n > 0, MetricNames.isMetricNameStart(text[0]) else {
            throw error(0, "unexpected \(describe(0)), expected a metric name")
        }
        var i = 1
        while i < n, MetricNames.isMetricNameContinuation(text[i]) { i += 1 }
        var pairs = [Label(Labels.metricNameLabel, String(decoding: text[0..<i], as: UTF8.self))]
        var seen: Set<String> = [Labels.metricNameLabel]
        if i < n {
            guard text[i] == UInt8(ascii: "{") else {
                throw error(i, "unexpected \(describe(i)), expected \"{\" or the end of the series")
            }
            i += 1
            labels: while true {
                guard i < n else { throw error(i, "unexpected end of input, expected a label name or \"}\"") }
                if text[i] == UInt8(ascii: "}") {
                    i += 1
                    break labels
                }
                let nameStart = i
                guard MetricNames.isLabelNameStart(text[i]) else {
                    throw error(i, "unexpected \(describe(i)), expected a label name or \"}\"")
                }
                while i < n, MetricNames.isLabelNameContinuation(text[i]) { i += 1 }
                let name = String(decoding: text[nameStart..<i], as: UTF8.self)
                guard seen.insert(name).inserted else {
                    throw error(nameStart, "duplicate label name \(ByteText.quote(text[nameStart..<i]))")
                }
                guard i < n, text[i] == UInt8(ascii: "=") else {
                    throw error(i, "unexpected \(describe(i)), expected \"=\" after label name")
                }
                i += 1
                guard i < n, text[i] == UInt8(ascii: "\"") else {
                    throw error(i, "unexpected \(describe(i)), expected a quoted label value")
                }
                let valueStart = i
                i += 1
                var value: [UInt8] = []
                while true {
                    guard i < n else { throw error(i, "unexpected end of input, expected \"\\\"\" to close the label value") }
                    let byte = text[i]
                    if byte == UInt8(ascii: "\"") { break }
                    if byte == UInt8(ascii: "\\"), i + 1 < n {
                        switch text[i + 1] {
                        case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                        case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                        case UInt8(ascii: "n"): value.append(10)
                        default: value.append(byte); value.append(text[i + 1])  // kept verbatim, as Prometheus does
                        }
                        i += 2
                        continue
                    }
                    if byte == UInt8(ascii: "\\") {
                        throw error(i + 1, "unexpected end of input, expected \"\\\"\" to close the label value")
                    }
                    value.append(byte)
                    i += 1
                }
                i += 1
                guard let string = String(validating: value, as: UTF8.self) else {
                    throw error(valueStart, "label value is not valid UTF-8")
                }
                pairs.append(Label(name, string))
                guard i < n else { throw error(i, "unexpected end of input, expected \",\" or \"}\"") }
                if text[i] == UInt8(ascii: ",") {
                    i += 1
                } else if text[i] == UInt8(ascii: "}") {
                    i += 1
                    break labels
                } else {
                    throw error(i, "unexpected \(describe(i)), expected \",\" or \"}\" after label value")
                }
            }
            if i < n { throw error(i, "unexpected \(describe(i)) after \"}\", expected the end of the series") }
        }
        return Labels(pairs)
    }
}
