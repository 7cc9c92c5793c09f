import SondeCore

/// How an app's access log is written: Gunicorn's `access_log_format` (or nginx `combined`, which
/// compiles the same way), or JSON lines.
public enum AccessLogDecoder: Sendable, Equatable {
    case format(AccessLogParser)
    case json(AccessLogJSONParser)

    /// From the configuration's `format`: `json`, `combined` / `nginx_combined`, a Gunicorn
    /// `access_log_format` string, or nil for Gunicorn's default.
    public init(format: String?, file: String? = nil, line: Int = 1, maxLineLength: Int = LogTailLineFramer.defaultLimit) throws(ParseError) {
        switch format {
        case nil:
            self = .format(AccessLogParser(format: .gunicornDefault, maxLineLength: maxLineLength))
        case "json":
            self = .json(AccessLogJSONParser(maxLineLength: maxLineLength))
        case "combined", "nginx_combined":
            self = .format(AccessLogParser(format: .nginxCombined, maxLineLength: maxLineLength))
        case let text?:
            self = .format(AccessLogParser(format: try AccessLogFormat(text, file: file, line: line), maxLineLength: maxLineLength))
        }
    }

    public func parse(_ line: UnsafeRawBufferPointer) throws(AccessLogMalformed) -> AccessLogRecord {
        switch self {
        case .format(let parser): try parser.parse(line)
        case .json(let parser): try parser.parse(line)
        }
    }

    /// False when lines cannot carry their own time (the format has no `%(t)s`).
    public var hasTimestamp: Bool {
        switch self {
        case .format(let parser): parser.hasTimestamp
        case .json: true
        }
    }
}

/// What the access-log metrics are shaped by (configuration).
public struct GunicornMetricsOptions: Sendable, Equatable {
    /// Prometheus' default buckets, in seconds.
    public static let defaultDurationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public var durationBuckets = GunicornMetricsOptions.defaultDurationBuckets
    public var maxRoutes = 100
    public var routePatterns: [RouteFolding.Pattern] = []
    /// How often a series with no new lines is written again, so `rate()` sees it as 0, not absent.
    public var idleEmitMilliseconds: Int64 = 10_000

    public init() {}
}

/// Turns one app's access-log lines into cumulative request, latency and byte counters.
///
/// - `gunicorn_requests_total{app,method,status,status_class,route}`
/// - `gunicorn_request_duration_seconds_bucket{app,route,le}`, `_sum`, `_count` (when lines carry a time)
/// - `gunicorn_response_bytes_total{app,route}`
/// - `sonde_log_lines_unparsed_total{app,log="access",reason}`
///
/// Each line counts at its own timestamp (`LogSampleClock`). A new series first gets a 0 at the last
/// emitted instant, so `increase()` sees its first request. The whole state round-trips through
/// `encode`/`init(decoding:)`, which the collector writes with the tail positions.
public struct GunicornAccessMetrics: LogLineMetrics {
    public let app: String
    public let options: GunicornMetricsOptions
    private let decoder: AccessLogDecoder
    private let folding: RouteFolding

    private var recorder: LogSeriesRecorder
    private var cardinality: RouteCardinality

    /// Methods are a closed set (labels); anything else (a scanner's garbage) is `other`.
    static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other"]

    /// Method, status and route number packed in one integer: hashing it is cheap.
    private struct RequestKey: Hashable {
        var packed: UInt64
        init(method: Int, status: Int, route: Int) {
            packed = UInt64(method) | UInt64(status & 0x3FF) << 8 | UInt64(route) << 24
        }
        var method: Int { Int(packed & 0xFF) }
        var status: Int { Int(packed >> 8 & 0x3FF) }
        var route: Int { Int(packed >> 24) }
    }

    private struct RouteSeries {
        /// Cumulative buckets, +Inf last; empty until a line with a duration arrives.
        var buckets: [Int] = []
        var sum = -1
        var count = -1
        var bytes: Int
    }

    private var requestSeries: [RequestKey: Int] = [:]
    private var unparsedSeries: [String: Int] = [:]
    /// The routes seen, numbered, with their series; found by their folded bytes without building a String.
    private var routes = RouteTable()
    private var routeSeries: [RouteSeries?] = []
    /// The folded path of the current line (reused buffer).
    private var folded: [UInt8] = []

    public init(app: String, decoder: AccessLogDecoder, options: GunicornMetricsOptions = GunicornMetricsOptions()) {
        self.app = app
        self.decoder = decoder
        self.options = options
        self.folding = RouteFolding(compiled: options.routePatterns)
        self.cardinality = RouteCardinality(max: options.maxRoutes)
        self.recorder = LogSeriesRecorder(idleEmitMilliseconds: options.idleEmitMilliseconds)
    }

    /// Number of series held.
    public var seriesCount: Int { recorder.table.count }
    public var clock: LogSampleClock { recorder.clock }

    // MARK: lines

    /// Counts one line; `fallbackTime` is used when the line has no timestamp of its own.
    public mutating func ingest(_ line: UnsafeRawBufferPointer, fallbackTime: Int64) {
        let record: AccessLogRecord
        do {
            record = try decoder.parse(line)
        } catch {
            countUnparsed(Self.reason(error, line), fallbackTime: fallbackTime)
            return
        }
        place(record.timestampMilliseconds ?? fallbackTime)
        let route = routeNumber(record.path)
        let key = RequestKey(method: Self.methodCode(record.method), status: record.status, route: route)
        let request = requestSeries[key] ?? newRequestSeries(key)
        recorder.add(request, 1)
        var series = routeSeries[route] ?? newRouteSeries(route)
        if let bytes = record.responseBytes, bytes > 0 { recorder.add(series.bytes, Double(bytes)) }
        if let duration = record.durationSeconds, duration.isFinite, duration >= 0 {
            if series.buckets.isEmpty {
                addHistogram(&series, route: routes.names[route])
                routeSeries[route] = series
            }
            var index = 0
            let bounds = options.durationBuckets
            while index < bounds.count, duration > bounds[index] { index += 1 }
            for bucket in index..<series.buckets.count { recorder.add(series.buckets[bucket], 1) }
            recorder.add(series.sum, duration)
            recorder.add(series.count, 1)
        }
    }

    public mutating func takeSamples() -> [MetricSample] { recorder.takeSamples() }

    public mutating func finishRound(now: Int64, caughtUp: Bool) -> [MetricSample] {
        recorder.finishRound(now: now, caughtUp: caughtUp)
    }

    /// Counts a line the tailer dropped before parsing (too long).
    public mutating func countUnparsed(_ reason: String, fallbackTime: Int64) {
        place(recorder.clock.open ?? fallbackTime)
        let id = unparsedSeries[reason] ?? {
            let id = newSeries("sonde_log_lines_unparsed_total", [("app", app), ("log", "access"), ("reason", reason)])
            unparsedSeries[reason] = id
            return id
        }()
        recorder.add(id, 1)
    }

    /// The value of a series (tests, `sonde logs import` summaries).
    public func value(_ name: String, _ pairs: [String: String]) -> Double? {
        var labels = pairs
        labels["app"] = app
        return recorder.table.value(of: Labels(name: name, labels))
    }

    /// The sum of every series named `name` (all label values).
    public func total(_ name: String) -> Double {
        var sum = 0.0
        for (id, labels) in recorder.table.labels.enumerated() where labels.metricName == name { sum += recorder.table.values[id] }
        return sum
    }

    public static func firstTimestamp(in bytes: [UInt8], decoder: AccessLogDecoder?) -> Int64? {
        guard let decoder else { return nil }
        var found: Int64?
        forEachLine(bytes) { line in
            if found == nil, let record = try? decoder.parse(line) { found = record.timestampMilliseconds }
            return found == nil
        }
        return found
    }

    // MARK: series

    private mutating func place(_ time: Int64) { recorder.place(time) }

    private mutating func newSeries(_ name: String, _ pairs: [(String, String)]) -> Int { recorder.series(name, pairs) }

    private mutating func newRequestSeries(_ key: RequestKey) -> Int {
        let id = newSeries("gunicorn_requests_total", [
            ("app", app), ("method", Self.methods[key.method]), ("route", routes.names[key.route]),
            ("status", String(key.status)), ("status_class", "\(key.status / 100)xx"),
        ])
        requestSeries[key] = id
        return id
    }

    private mutating func newRouteSeries(_ route: Int) -> RouteSeries {
        let series = RouteSeries(bytes: newSeries("gunicorn_response_bytes_total", [("app", app), ("route", routes.names[route])]))
        routeSeries[route] = series
        return series
    }

    private mutating func addHistogram(_ series: inout RouteSeries, route: String) {
        let base = [("app", app), ("route", route)]
        series.buckets = (options.durationBuckets + [.infinity]).map { bound in
            newSeries("gunicorn_request_duration_seconds_bucket", base + [("le", ValueFormat.string(bound))])
        }
        series.sum = newSeries("gunicorn_request_duration_seconds_sum", base)
        series.count = newSeries("gunicorn_request_duration_seconds_count", base)
    }

    /// The number of the line's route: folded, then admitted under the cap (or `other`).
    private mutating func routeNumber(_ path: String?) -> Int {
        guard let path, !path.isEmpty else { return intern(RouteCardinality.overflowRoute) }
        if !folding.patterns.isEmpty {
            return intern(cardinality.admit(folding.route(forPath: path)))
        }
        var text = path
        text.withUTF8 { RouteFolding.fold(path: UnsafeRawBufferPointer($0), into: &folded) }
        if let known = routes.find(folded) { return known }
        // Not a path at all (`OPTIONS *`, a scanner's `../../etc/passwd`): no route of its own.
        guard folded.first == UInt8(ascii: "/") else { return intern(RouteCardinality.overflowRoute) }
        // A route not seen before: admitted while under the cap (the rare, slow path).
        let admitted = cardinality.admit(String(decoding: folded, as: UTF8.self))
        return intern(admitted)
    }

    private mutating func intern(_ route: String) -> Int {
        let bytes = Array(route.utf8)
        if let known = routes.find(bytes) { return known }
        routeSeries.append(nil)
        return routes.insert(bytes, name: route)
    }

    static func methodCode(_ method: String?) -> Int {
        switch method {
        case "GET": 0
        case "HEAD": 1
        case "POST": 2
        case "PUT": 3
        case "DELETE": 4
        case "PATCH": 5
        case "OPTIONS": 6
        case "CONNECT": 7
        case "TRACE": 8
        default: 9
        }
    }

    /// The `reason` label of an unparsed line: `binary` for control bytes (NULs of a torn write,
    /// garbage), else what the parser said.
    static func reason(_ error: AccessLogMalformed, _ line: UnsafeRawBufferPointer) -> String {
        if error == .tooLong { return "too_long" }
        for byte in line where (byte < 0x20 && byte != 0x09 && byte != 0x0D) || byte == 0x7F { return "binary" }
        switch error {
        case .format: return "format"
        case .timestamp: return "timestamp"
        case .status: return "status"
        case .tooLong: return "too_long"
        case .encoding: return "invalid_utf8"
        }
    }

    // MARK: checkpoint

    private static let formatVersion: UInt8 = 1

    public func encode(into writer: inout CheckpointWriter) {
        writer.u8(Self.formatVersion)
        let routes = cardinality.seen.sorted()
        writer.u32(UInt32(routes.count))
        for route in routes { writer.string(route) }
        recorder.encode(into: &writer)
    }

    /// Restores counters saved by `encode` into a fresh instance built from the current options.
    public mutating func restore(from reader: inout CheckpointReader) throws(CheckpointReader.Malformed) {
        guard try reader.u8() == Self.formatVersion else { throw .init() }
        let routeCount = try reader.u32()
        for _ in 0..<routeCount { _ = cardinality.admit(try reader.string()) }
        try recorder.restore(from: &reader)
        // The typed lookups fill again on first use, finding the restored series through the
        // table's label index (so no baseline 0 is written for them).
        requestSeries = [:]
        routes = RouteTable()
        routeSeries = []
        unparsedSeries = [:]
    }
}

/// Routes by number, found from their bytes through an FNV-1a hash (no String per lookup).
struct RouteTable {
    private(set) var names: [String] = []
    private var bytes: [[UInt8]] = []
    private var byHash: [UInt64: [Int]] = [:]

    func find(_ route: [UInt8]) -> Int? {
        guard let candidates = byHash[Self.hash(route)] else { return nil }
        for index in candidates where bytes[index] == route { return index }
        return nil
    }

    mutating func insert(_ route: [UInt8], name: String) -> Int {
        let index = names.count
        names.append(name)
        bytes.append(route)
        byHash[Self.hash(route), default: []].append(index)
        return index
    }

    static func hash(_ route: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in route { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }
}
