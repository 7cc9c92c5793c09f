import SondeCollectors
import SondeCore
import Testing

@Suite("GunicornAccessMetrics")
struct GunicornAccessMetricsTests {
    static let format = #"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s"#

    func metrics(_ options: GunicornMetricsOptions = GunicornMetricsOptions()) throws -> GunicornAccessMetrics {
        GunicornAccessMetrics(app: "shop", decoder: try AccessLogDecoder(format: Self.format), options: options)
    }

    func line(_ second: Int, _ request: String, _ status: Int, bytes: String = "120", duration: String = "0.030000") -> String {
        let s = String(second % 60)
        return #"127.0.0.1 - - [22/Nov/2026:10:00:\#(s.count == 1 ? "0" + s : s) +0000] "\#(request)" \#(status) \#(bytes) "-" "curl/8.0" \#(duration)"#
    }

    static let base: Int64 = 1_795_341_600_000  // 2026-11-22T10:00:00Z

    func feed(_ m: inout GunicornAccessMetrics, _ text: String, now: Int64 = 0) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { m.ingest($0, fallbackTime: now) }
    }

    func samples(_ out: [MetricSample], _ name: String, _ match: [String: String] = [:]) -> [(Int64, Double)] {
        out.filter { s in s.labels.metricName == name && match.allSatisfy { s.labels[$0.key] == $0.value } }
            .map { ($0.timestamp ?? -1, $0.value) }
    }

    @Test("requests by method, status, class and folded route; each second emitted at its own time")
    func requests() throws {
        var m = try metrics()
        feed(&m, line(0, "GET /api/v1/standards/42/?page=2 HTTP/1.1", 200))
        feed(&m, line(0, "GET /api/v1/standards/43/ HTTP/1.1", 200))
        feed(&m, line(1, "POST /api/v1/standards/ HTTP/1.1", 201))
        feed(&m, line(1, "GET /api/v1/standards/7/ HTTP/1.1", 500))
        let out = m.finishRound(now: 0, caughtUp: false)
        let standards = ["method": "GET", "route": "/api/v1/standards/:id/", "status": "200", "status_class": "2xx", "app": "shop"]
        #expect(samples(out, "gunicorn_requests_total", standards).map(\.1) == [2])
        #expect(samples(out, "gunicorn_requests_total", standards).map(\.0) == [Self.base])
        #expect(samples(out, "gunicorn_requests_total", ["status": "201", "route": "/api/v1/standards/"]).map(\.0) == [Self.base, Self.base + 1000])
        // the 500 series is new in second 1: a 0 before it, so increase() sees the first one
        #expect(samples(out, "gunicorn_requests_total", ["status": "500"]).map(\.1) == [0, 1])
        #expect(samples(out, "gunicorn_requests_total", ["status": "500"]).map(\.0) == [Self.base, Self.base + 1000])
        #expect(m.total("gunicorn_requests_total") == 4)
        #expect(m.value("gunicorn_response_bytes_total", ["route": "/api/v1/standards/:id/"]) == 360)
    }

    @Test("duration histogram: cumulative buckets, sum and count per route")
    func histogram() throws {
        var options = GunicornMetricsOptions()
        options.durationBuckets = [0.1, 1]
        var m = try metrics(options)
        for duration in ["0.050000", "0.100000", "0.500000", "3.000000"] {
            feed(&m, line(0, "GET /health HTTP/1.1", 200, duration: duration))
        }
        _ = m.finishRound(now: 0, caughtUp: false)
        let route = ["route": "/health"]
        #expect(m.value("gunicorn_request_duration_seconds_bucket", route.merging(["le": "0.1"]) { $1 }) == 2)
        #expect(m.value("gunicorn_request_duration_seconds_bucket", route.merging(["le": "1"]) { $1 }) == 3)
        #expect(m.value("gunicorn_request_duration_seconds_bucket", route.merging(["le": "+Inf"]) { $1 }) == 4)
        #expect(m.value("gunicorn_request_duration_seconds_count", route) == 4)
        #expect(abs((m.value("gunicorn_request_duration_seconds_sum", route) ?? 0) - 3.65) < 1e-9)
    }

    @Test("no duration atom, no histogram; `-` bytes add nothing")
    func noDuration() throws {
        var m = GunicornAccessMetrics(app: "shop", decoder: try AccessLogDecoder(format: nil))
        feed(&m, #"127.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 304 - "-" "curl/8.0""#)
        _ = m.finishRound(now: 0, caughtUp: false)
        #expect(m.total("gunicorn_requests_total") == 1)
        #expect(m.total("gunicorn_request_duration_seconds_count") == 0)
        #expect(m.value("gunicorn_response_bytes_total", ["route": "/"]) == 0)
    }

    @Test("route cap: routes beyond it count as other; unknown methods as other")
    func cardinality() throws {
        var options = GunicornMetricsOptions()
        options.maxRoutes = 2
        var m = try metrics(options)
        for path in ["/a/", "/b/", "/c/", "/d/", "/a/"] { feed(&m, line(0, "GET \(path) HTTP/1.1", 200)) }
        feed(&m, line(0, "BREW /a/ HTTP/1.1", 418))
        feed(&m, line(0, "GET ../../etc/passwd HTTP/1.1", 400))  // not a path: no route of its own
        _ = m.finishRound(now: 0, caughtUp: false)
        #expect(m.value("gunicorn_requests_total", ["method": "GET", "route": "other", "status": "400", "status_class": "4xx"]) == 1)
        #expect(m.value("gunicorn_requests_total", ["method": "GET", "route": "/a/", "status": "200", "status_class": "2xx"]) == 2)
        #expect(m.value("gunicorn_requests_total", ["method": "GET", "route": "other", "status": "200", "status_class": "2xx"]) == 2)
        #expect(m.value("gunicorn_requests_total", ["method": "other", "route": "/a/", "status": "418", "status_class": "4xx"]) == 1)
    }

    @Test("unparsed lines are counted by reason, never fatal")
    func unparsed() throws {
        var m = try metrics()
        feed(&m, "garbage")
        feed(&m, "\u{0}\u{0}\u{0}binary")
        feed(&m, #"127.0.0.1 - - [99/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8.0" 0.1"#)
        var invalid = Array(line(0, "GET /x HTTP/1.1", 200).utf8)
        invalid[invalid.firstIndex(of: UInt8(ascii: "x"))!] = 0xFF
        invalid.withUnsafeBytes { m.ingest($0, fallbackTime: 0) }
        m.countUnparsed("too_long", fallbackTime: 0)
        feed(&m, line(1, "GET / HTTP/1.1", 200))
        _ = m.finishRound(now: 0, caughtUp: false)
        for reason in ["format", "binary", "timestamp", "invalid_utf8", "too_long"] {
            #expect(m.value("sonde_log_lines_unparsed_total", ["log": "access", "reason": reason]) == 1, "\(reason)")
        }
        #expect(m.total("gunicorn_requests_total") == 1)
    }

    @Test("a line older than what was emitted counts just after it; samples never go back in time")
    func lateLines() throws {
        var m = try metrics()
        feed(&m, line(5, "GET / HTTP/1.1", 200))
        let first = m.finishRound(now: 0, caughtUp: false)
        feed(&m, line(4, "GET / HTTP/1.1", 200))  // a worker's late write
        feed(&m, line(5, "GET / HTTP/1.1", 200))
        let second = m.finishRound(now: 0, caughtUp: false)
        let times = (first + second).filter { $0.labels.metricName == "gunicorn_requests_total" }.map { $0.timestamp! }
        #expect(times == [Self.base + 5000, Self.base + 5001])
        #expect(second.last { $0.labels.metricName == "gunicorn_requests_total" }?.value == 3)
    }

    @Test("idle series are written again when the log is read to its end, not while catching up")
    func idle() throws {
        var m = try metrics()
        feed(&m, line(0, "GET / HTTP/1.1", 200))
        _ = m.finishRound(now: Self.base + 1500, caughtUp: true)
        #expect(m.finishRound(now: Self.base + 5000, caughtUp: true).isEmpty)  // emitted 5 s ago
        #expect(m.finishRound(now: Self.base + 11_000, caughtUp: false).isEmpty)
        let again = m.finishRound(now: Self.base + 11_200, caughtUp: true)
        #expect(!again.isEmpty && again.allSatisfy { $0.timestamp == Self.base + 11_000 })
    }

    @Test("checkpoint round trip: a restart continues the counters exactly, route cap included")
    func checkpoint() throws {
        var options = GunicornMetricsOptions()
        options.maxRoutes = 1
        var whole = try metrics(options)
        var before = try metrics(options)
        let lines = (0..<40).map { line($0 / 10, "GET /\($0 % 3 == 0 ? "a" : "b")/ HTTP/1.1", $0 % 7 == 0 ? 500 : 200) }
        for l in lines { feed(&whole, l) }
        for l in lines[..<25] { feed(&before, l) }
        _ = before.finishRound(now: 0, caughtUp: false)
        var writer = CheckpointWriter()
        before.encode(into: &writer)
        var after = try metrics(options)
        var reader = CheckpointReader(writer.bytes)
        try after.restore(from: &reader)
        #expect(reader.isAtEnd)
        for l in lines[25...] { feed(&after, l) }
        _ = after.finishRound(now: 0, caughtUp: false)
        _ = whole.finishRound(now: 0, caughtUp: false)
        for name in ["gunicorn_requests_total", "gunicorn_response_bytes_total", "gunicorn_request_duration_seconds_count"] {
            #expect(after.total(name) == whole.total(name), "\(name)")
        }
        #expect(after.value("gunicorn_requests_total", ["method": "GET", "route": "other", "status": "200", "status_class": "2xx"])
            == whole.value("gunicorn_requests_total", ["method": "GET", "route": "other", "status": "200", "status_class": "2xx"]))
        var garbage = CheckpointReader([1, 2, 3])
        #expect(throws: CheckpointReader.Malformed.self) { try after.restore(from: &garbage) }
    }
}

@Suite("GunicornErrorMetrics")
struct GunicornErrorMetricsTests {
    @Test("worker events from a Gunicorn error log, tracebacks at the record before them")
    func events() {
        let log = """
            [2026-11-22 10:00:00 +0000] [100] [INFO] Starting gunicorn 20.1.0
            [2026-11-22 10:00:00 +0000] [100] [INFO] Listening at: http://127.0.0.1:8000 (100)
            [2026-11-22 10:00:00 +0000] [101] [INFO] Booting worker with pid: 101
            [2026-11-22 10:00:00 +0000] [102] [INFO] Booting worker with pid: 102
            [2026-11-22 10:00:31 +0000] [100] [CRITICAL] WORKER TIMEOUT (pid:101)
            [2026-11-22 10:00:32 +0000] [100] [WARNING] Worker with pid 101 was terminated due to signal 9
            [2026-11-22 10:00:32 +0000] [100] [ERROR] Worker (pid:101) was sent SIGKILL! Perhaps out of memory?
            [2026-11-22 10:00:32 +0000] [103] [INFO] Booting worker with pid: 103
            [2026-11-22 10:00:40 +0000] [102] [ERROR] Error handling request /boom/
            Traceback (most recent call last):
              File "/app/views.py", line 3, in boom
            ZeroDivisionError: division by zero
            [2026-11-22 10:00:41 +0000] [100] [ERROR] Worker (pid:103) exited with code 3
            [2026-11-22 10:00:41 +0000] [100] [ERROR] Reason: Worker failed to boot.
            [bad prefix
            """
        var m = GunicornErrorMetrics(app: "shop")
        for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            bytes.withUnsafeBytes { m.ingest($0, fallbackTime: 0) }
        }
        let out = m.finishRound(now: 0, caughtUp: false)
        #expect(m.value("gunicorn_worker_timeouts_total") == 1)
        #expect(m.value("gunicorn_worker_kills_total", ["signal": "SIGKILL"]) == 1)
        #expect(m.value("gunicorn_worker_boots_total") == 3)
        #expect(m.value("gunicorn_worker_exits_total", ["code": "3"]) == 1)
        #expect(m.value("gunicorn_boot_failures_total", ["reason": "worker_boot_error"]) == 1)
        #expect(m.value("gunicorn_boot_failures_total", ["reason": "app_load_error"]) == 0)
        #expect(m.value("gunicorn_tracebacks_total") == 1)
        #expect(m.value("gunicorn_error_log_lines_total", ["level": "error"]) == 4)
        #expect(m.value("gunicorn_error_log_lines_total", ["level": "critical"]) == 1)
        #expect(m.value("sonde_log_lines_unparsed_total", ["log": "error", "reason": "format"]) == 1)
        let tracebacks = out.filter { $0.labels.metricName == "gunicorn_tracebacks_total" }
        #expect(tracebacks.map(\.timestamp) == [1_795_341_640_000])
    }
}
