import SondeCore

/// Turns one app's Gunicorn error-log lines into worker-health counters:
///
/// - `gunicorn_worker_timeouts_total{app}` (`WORKER TIMEOUT`)
/// - `gunicorn_worker_kills_total{app,signal}` (`Worker (pid:…) was sent SIGKILL! Perhaps out of memory?`)
/// - `gunicorn_worker_exits_total{app,code}` (`Worker (pid:…) exited with code 3`)
/// - `gunicorn_worker_boots_total{app}` (`Booting worker with pid: …`)
/// - `gunicorn_boot_failures_total{app,reason}` (`Worker failed to boot.`, `App failed to load.`)
/// - `gunicorn_tracebacks_total{app}`, `gunicorn_error_log_lines_total{app,level}`
/// - `sonde_log_lines_unparsed_total{app,log="error",reason}`
///
/// The counters without variable labels exist at 0 from the start, so the first timeout already
/// shows in `increase()`. Continuation lines (traceback frames) take the time of the record before them.
public struct GunicornErrorMetrics: LogLineMetrics {
    public let app: String
    private var recorder: LogSeriesRecorder
    /// Time of the last record with a prefix, for the lines after it.
    private var lastRecordTime: Int64?

    private var timeouts = 0
    private var boots = 0
    private var tracebacks = 0
    private var levels: [ErrorLogLevel: Int] = [:]
    private var failures: [ErrorLogBootFailure: Int] = [:]
    private var keyed: [String: Int] = [:]

    public init(app: String, idleEmitMilliseconds: Int64 = 10_000) {
        self.app = app
        self.recorder = LogSeriesRecorder(idleEmitMilliseconds: idleEmitMilliseconds)
        createFixedSeries()
    }

    private mutating func createFixedSeries() {
        timeouts = recorder.series("gunicorn_worker_timeouts_total", [("app", app)])
        boots = recorder.series("gunicorn_worker_boots_total", [("app", app)])
        tracebacks = recorder.series("gunicorn_tracebacks_total", [("app", app)])
        _ = recorder.series("gunicorn_worker_kills_total", [("app", app), ("signal", "SIGKILL")])
        for level in ErrorLogLevel.allCases {
            levels[level] = recorder.series("gunicorn_error_log_lines_total", [("app", app), ("level", level.rawValue)])
        }
        for failure in ErrorLogBootFailure.allCases {
            failures[failure] = recorder.series("gunicorn_boot_failures_total", [("app", app), ("reason", failure.rawValue)])
        }
    }

    public var seriesCount: Int { recorder.table.count }
    public var clock: LogSampleClock { recorder.clock }

    public mutating func ingest(_ line: UnsafeRawBufferPointer, fallbackTime: Int64) {
        switch ErrorLogParser.classify(line: line) {
        case .entry(let entry):
            lastRecordTime = entry.timestampMilliseconds
            place(entry.timestampMilliseconds)
            recorder.add(levels[entry.level]!, 1)
            switch entry.event {
            case .workerTimeout:
                recorder.add(timeouts, 1)
            case .workerBooting:
                recorder.add(boots, 1)
            case .workerSignaled(_, let signal, _):
                recorder.add(keyedSeries("gunicorn_worker_kills_total", "signal", signal), 1)
            case .workerExited(_, let code):
                recorder.add(keyedSeries("gunicorn_worker_exits_total", "code", String(code)), 1)
            case .bootFailure(let failure):
                recorder.add(failures[failure]!, 1)
            case .masterStarting, .shutdown, .other:
                break
            }
        case .tracebackStart:
            place(lastRecordTime ?? fallbackTime)
            recorder.add(tracebacks, 1)
        case .continuation:
            break
        case .unparsed:
            countUnparsed(Self.looksBinary(line) ? "binary" : "format", fallbackTime: fallbackTime)
        }
    }

    /// Counts a line the tailer dropped before parsing (too long).
    public mutating func countUnparsed(_ reason: String, fallbackTime: Int64) {
        place(recorder.clock.open ?? lastRecordTime ?? fallbackTime)
        recorder.add(keyedSeries("sonde_log_lines_unparsed_total", "reason", reason, extra: ("log", "error")), 1)
    }

    public mutating func takeSamples() -> [MetricSample] { recorder.takeSamples() }

    public mutating func finishRound(now: Int64, caughtUp: Bool) -> [MetricSample] {
        recorder.finishRound(now: now, caughtUp: caughtUp)
    }

    public func value(_ name: String, _ pairs: [String: String] = [:]) -> Double? {
        var labels = pairs
        labels["app"] = app
        return recorder.table.value(of: Labels(name: name, labels))
    }

    private mutating func place(_ time: Int64) { recorder.place(time) }

    private mutating func keyedSeries(_ name: String, _ label: String, _ value: String, extra: (String, String)? = nil) -> Int {
        let key = name + "\u{0}" + value
        if let id = keyed[key] { return id }
        var pairs = [("app", app), (label, value)]
        if let extra { pairs.append(extra) }
        let id = recorder.series(name, pairs)
        keyed[key] = id
        return id
    }

    public static func firstTimestamp(in bytes: [UInt8], decoder: AccessLogDecoder?) -> Int64? {
        var found: Int64?
        forEachLine(bytes) { line in
            if case .entry(let entry) = ErrorLogParser.classify(line: line) { found = entry.timestampMilliseconds }
            return found == nil
        }
        return found
    }

    static func looksBinary(_ line: UnsafeRawBufferPointer) -> Bool {
        line.contains { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0x0A) || $0 == 0x7F }
    }

    // MARK: checkpoint

    private static let formatVersion: UInt8 = 1

    public func encode(into writer: inout CheckpointWriter) {
        writer.u8(Self.formatVersion)
        writer.i64(lastRecordTime ?? .min)
        recorder.encode(into: &writer)
    }

    public mutating func restore(from reader: inout CheckpointReader) throws(CheckpointReader.Malformed) {
        guard try reader.u8() == Self.formatVersion else { throw .init() }
        let last = try reader.i64()
        lastRecordTime = last == .min ? nil : last
        try recorder.restore(from: &reader)
        keyed = [:]
        levels = [:]
        failures = [:]
        createFixedSeries()
    }
}
