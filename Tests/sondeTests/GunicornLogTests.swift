import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Gunicorn log collector end to end: the real agent binary, a real Gunicorn (Debian package)
/// and real logrotate, with counts checked against the log files themselves.
@Suite("Gunicorn logs, end to end", .exclusiveMachineUse, .serialized)
struct GunicornLogTests {
    static let format = #"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s"#

    static func config(app: String, accessLog: String, errorLog: String? = nil) -> String {
        var lines = [
            "storage: {max_bytes: 16MiB, flush_interval: 500ms}",
            "collectors:",
            "  host: {enabled: false}",
            "  process: {enabled: false}",
            "  systemd: {enabled: false}",
            "  statsd: {enabled: false}",
            "  gunicorn:",
            "    - app: \(app)",
            "      access_log: \(accessLog)",
            "      format: '\(format)'",
            "      rotate_wait: 1500ms",
        ]
        if let errorLog { lines.append("      error_log: \(errorLog)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A writer like Gunicorn's logging: one line per write, numbered requests at a steady rate,
    /// reopening its file on SIGUSR1 (as Gunicorn does for logrotate), its count written at SIGTERM.
    static let writer = #"""
        import os, signal, sys, time
        path, ledger, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
        state = {"reopen": False, "stop": False}
        signal.signal(signal.SIGUSR1, lambda s, f: state.__setitem__("reopen", True))
        signal.signal(signal.SIGTERM, lambda s, f: state.__setitem__("stop", True))
        out = open(path, "a", buffering=1)
        seq = 0
        due = time.monotonic()
        while not state["stop"]:
            if state["reopen"]:
                out.close()
                out = open(path, "a", buffering=1)
                state["reopen"] = False
            stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
            status = 500 if seq % 10 == 0 else 200
            out.write('127.0.0.1 - - [%s] "GET /seq/%d/ HTTP/1.1" %d 12 "-" "writer" 0.001000\n' % (stamp, seq, status))
            seq += 1
            due += 1.0 / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        out.close()
        with open(ledger + ".tmp", "w") as f:
            f.write(str(seq))
        os.rename(ledger + ".tmp", ledger)
        """#

    func logrotate(_ dir: String, _ log: String, _ style: String, writerPID: pid_t?) {
        let postrotate = writerPID.map { "    postrotate\n        kill -USR1 \($0)\n    endscript\n" } ?? ""
        writeFile(dir + "/rotate.conf", "\(log) {\n    rotate 30\n    missingok\n\(style)\n\(postrotate)}\n")
        let status = TestFiles.run(["logrotate", "-f", "-s", dir + "/rotate.state", dir + "/rotate.conf"])
        #expect(status == 0, "logrotate \(style)")
    }

    /// The request number in a writer line (`GET /seq/N/`).
    func sequenceNumbers(_ text: String) -> [Int] {
        text.split(separator: "\n").compactMap { line in
            guard let start = line.firstRange(of: "/seq/") else { return nil }
            return Int(line[start.upperBound...].prefix { $0.isNumber })
        }
    }

    @Test("logrotate in every style while lines are written, kill -9 of the agent: no line lost, none counted twice")
    func rotationsAndKill() throws {
        let dir = TestFiles.makeDirectory("sonde-rotate")
        defer { if getenv("SONDE_KEEP_TEST_FILES") == nil { TestFiles.removeTree(dir) } }
        let log = dir + "/app.log"
        let data = dir + "/data"
        writeFile(dir + "/writer.py", Self.writer)
        writeFile(dir + "/sonde.yaml", Self.config(app: "rot", accessLog: log))
        let writer = ChildProcess(["python3", dir + "/writer.py", log, dir + "/ledger", "400"], output: dir + "/writer.out")
        usleep(500_000)
        var agent = Sonde.start(["run", "--config", dir + "/sonde.yaml", "--data-dir", data])
        usleep(2_000_000)

        // rename + create, the writer told to reopen
        logrotate(dir, log, "    create 0644", writerPID: writer.pid)
        usleep(2_000_000)
        // copytruncate: lines written between logrotate's copy and its truncation are lost by design
        logrotate(dir, log, "    copytruncate", writerPID: nil)
        usleep(300_000)
        let copied = sequenceNumbers(readFile(log + ".1")).max() ?? -1
        let afterTruncate = sequenceNumbers(readFile(log)).min() ?? copied + 1
        let lostByCopytruncate = afterTruncate - copied - 1
        #expect(lostByCopytruncate >= 0)
        usleep(1_700_000)
        // rename + create with compression of the previous rotation
        logrotate(dir, log, "    create 0644\n    compress\n    delaycompress", writerPID: writer.pid)
        usleep(2_000_000)
        // delete + recreate: lines written to the deleted file before the writer reopens still count
        unlink(log)
        usleep(200_000)
        kill(writer.pid, SIGUSR1)
        usleep(2_500_000)

        // kill -9 while tailing, then two rotations while the agent is down: the file it was reading
        // ends up compressed (app.log.2.gz), a whole file lies between, and a new one is being written.
        kill(agent.pid, SIGKILL)
        var status: Int32 = 0
        waitpid(agent.pid, &status, 0)
        let killed = agent.finish(status: status)
        logrotate(dir, log, "    create 0644\n    compress\n    delaycompress", writerPID: writer.pid)
        usleep(1_000_000)
        logrotate(dir, log, "    create 0644\n    compress\n    delaycompress", writerPID: writer.pid)
        usleep(500_000)
        agent = Sonde.start(["run", "--config", dir + "/sonde.yaml", "--data-dir", data])
        usleep(3_000_000)

        writer.stop()
        let written = Int(readFile(dir + "/ledger")) ?? -1
        #expect(written > 3000, "the writer wrote \(written) lines")
        usleep(4_000_000)  // catch up, then a graceful stop
        kill(agent.pid, SIGTERM)
        waitpid(agent.pid, &status, 0)
        let stopped = agent.finish(status: status)
        #expect(stopped.status == 0, "\(stopped.stderr)")

        let requests = StoredSeries.query(data, #"gunicorn_requests_total{app="rot"}"#)
        #expect(requests.allMonotonic, "a counter went down: something was counted from 0 again")
        #expect(Int(requests.sumOfLast) == written - lostByCopytruncate,
            "stored \(requests.sumOfLast), written \(written), lost by copytruncate \(lostByCopytruncate); before the kill: \(killed.stderr) after: \(stopped.stderr)")
        let errors = StoredSeries.query(data, #"gunicorn_requests_total{app="rot",status="500"}"#)
        #expect(Int(errors.sumOfLast) == (0..<written).filter { $0 % 10 == 0 }.count - (copied + 1..<afterTruncate).filter { $0 % 10 == 0 }.count)
        let rotations = StoredSeries.query(data, #"sonde_log_rotations_total{app="rot"}"#)
        #expect(rotations.maximum >= 3, "rotations seen before the kill")
    }

    @Test("sonde logs import: rotated files in any order, .gz too, counted oldest first; bad lines counted, not fatal")
    func logsImport() throws {
        let dir = TestFiles.makeDirectory("sonde-logs-import")
        defer { TestFiles.removeTree(dir) }
        func lines(day: Int, count: Int) -> String {
            (0..<count).map { i in
                let second = String(i % 60)
                let stamp = "\(day)/Nov/2026:10:\(i / 60 < 10 ? "0" : "")\(i / 60):\(second.count == 1 ? "0" + second : second) +0000"
                return #"10.0.0.1 - - [\#(stamp)] "GET /api/items/\#(i)/ HTTP/1.1" \#(i % 50 == 0 ? 503 : 200) 512 "-" "curl/8" 0.0\#(i % 10)0000"#
            }.joined(separator: "\n") + "\n"
        }
        writeFile(dir + "/access.log.2", lines(day: 20, count: 300))
        #expect(TestFiles.run(["gzip", dir + "/access.log.2"]) == 0)
        writeFile(dir + "/access.log.1", lines(day: 21, count: 300) + "not an access log line\n")
        writeFile(dir + "/access.log", lines(day: 22, count: 120))
        let imported = Sonde.run([
            "logs", "import", "--data-dir", dir + "/data", "--app", "web", "--format", Self.format,
            dir + "/access.log", dir + "/access.log.2.gz", dir + "/access.log.1",
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 3 file(s) for app web: 721 lines (1 unparsed)"), "\(imported.stdout)")
        #expect(imported.stdout.contains("from 2026-11-20T10:00:00.000Z to 2026-11-22T10:01:59.000Z"), "\(imported.stdout)")
        let stored = StoredSeries.query(dir + "/data", #"gunicorn_requests_total{app="web"}"#, start: "2026-11-19T00:00:00Z")
        #expect(Int(stored.sumOfLast) == 720)
        #expect(stored.allMonotonic, "files were not counted oldest first")
        let errors = StoredSeries.query(dir + "/data", #"gunicorn_requests_total{app="web",status_class="5xx"}"#, start: "2026-11-19T00:00:00Z")
        #expect(Int(errors.sumOfLast) == 6 + 6 + 3)
        let unparsed = StoredSeries.query(dir + "/data", #"sonde_log_lines_unparsed_total{app="web"}"#, start: "2026-11-19T00:00:00Z")
        #expect(Int(unparsed.sumOfLast) == 1)

        let badFormat = Sonde.run(["logs", "import", "--data-dir", dir + "/data", "--app", "web", "--format", "%(h)s %(nope)s", dir + "/access.log"])
        #expect(badFormat.status != 0)
        #expect(badFormat.stderr.contains("unknown atom '%(nope)s'"), "\(badFormat.stderr)")
    }

    @Test("sonde check points at a bad access_log_format in the file")
    func checkFormat() throws {
        let dir = TestFiles.makeDirectory("sonde-check")
        defer { TestFiles.removeTree(dir) }
        writeFile(dir + "/sonde.yaml", """
            collectors:
              gunicorn:
                - app: web
                  access_log: /var/log/web/access.log
                  format: '%(h)s %(t)s "%(r)s" %(s)s %(zz)s'
            """)
        let checked = Sonde.run(["check", "--config", dir + "/sonde.yaml"])
        #expect(checked.status == 1)
        #expect(checked.stderr.contains("sonde.yaml:5:42: gunicorn app \"web\" format: access_log_format: unknown atom '%(zz)s'"), "\(checked.stderr)")
    }

    static let wsgiApp = #"""
        import time

        def application(environ, start_response):
            path = environ.get("PATH_INFO", "/")
            if path.startswith("/ok/"):
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"ok\n"]
            if path == "/redirect/":
                start_response("302 Found", [("Location", "/ok/1/")])
                return [b""]
            if path == "/boom/":
                raise RuntimeError("boom")
            if path == "/slow/":
                time.sleep(30)
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"missing\n"]
        """#

    static let driver = #"""
        import http.client, sys, threading
        port = int(sys.argv[1])
        def get(path, timeout=10):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                c.request("GET", path)
                c.getresponse().read()
                c.close()
            except Exception as e:
                print("no response for", path, e)
        slow = threading.Thread(target=get, args=("/slow/", 20))
        slow.start()
        for i in range(40):
            get("/ok/%d/" % i)
        for _ in range(6):
            get("/redirect/")
        for _ in range(9):
            get("/missing/")
        for _ in range(3):
            get("/boom/")
        slow.join()
        """#

    @Test("a real Gunicorn's 2xx, 3xx, 4xx, 5xx and a worker timeout: the stored counts equal the logs'")
    func realGunicorn() throws {
        let dir = TestFiles.makeDirectory("sonde-gunicorn")
        defer { TestFiles.removeTree(dir) }
        let access = dir + "/access.log"
        let errors = dir + "/error.log"
        let data = dir + "/data"
        writeFile(dir + "/app.py", Self.wsgiApp)
        writeFile(dir + "/driver.py", Self.driver)
        writeFile(dir + "/sonde.yaml", Self.config(app: "shop", accessLog: access, errorLog: errors))
        let agent = Sonde.start(["run", "--config", dir + "/sonde.yaml", "--data-dir", data])
        let port = TestNetwork.freeLoopbackPort()
        let gunicorn = ChildProcess([
            "/usr/bin/gunicorn", "--bind", "127.0.0.1:\(port)", "--workers", "2", "--timeout", "2",
            "--access-logfile", access, "--error-logfile", errors, "--access-logformat", Self.format,
            "--chdir", dir, "app:application",
        ], output: dir + "/gunicorn.out")
        defer { gunicorn.stop() }
        #expect(waitForFile(errors, containing: "Booting worker", seconds: 20), "gunicorn did not start: \(readFile(dir + "/gunicorn.out"))")
        usleep(500_000)
        #expect(TestFiles.run(["python3", dir + "/driver.py", String(port)]) == 0)
        #expect(waitForFile(errors, containing: "WORKER TIMEOUT", seconds: 20), "\(readFile(errors))")
        usleep(3_000_000)
        var status: Int32 = 0
        kill(agent.pid, SIGTERM)
        waitpid(agent.pid, &status, 0)
        let stopped = agent.finish(status: status)
        #expect(stopped.status == 0, "\(stopped.stderr)")

        // What the logs say, counted here independently of sonde's parser.
        let accessLines = readFile(access).split(separator: "\n")
        var byStatus: [String: Int] = [:]
        for line in accessLines {
            let fields = line.split(separator: "\"", omittingEmptySubsequences: false)
            guard fields.count > 2, let code = fields[2].split(separator: " ").first else { continue }
            byStatus[String(code), default: 0] += 1
        }
        #expect(byStatus["200"] == 40 && byStatus["302"] == 6 && byStatus["404"] == 9 && byStatus["500"] == 3, "\(byStatus)")
        for (code, count) in byStatus {
            let stored = StoredSeries.query(data, #"gunicorn_requests_total{app="shop",status="\#(code)"}"#)
            #expect(Int(stored.sumOfLast) == count, "status \(code)")
        }
        let routes = StoredSeries.query(data, #"gunicorn_requests_total{app="shop",route="/ok/:id/"}"#)
        #expect(Int(routes.sumOfLast) == 40)
        let histogram = StoredSeries.query(data, #"gunicorn_request_duration_seconds_count{app="shop"}"#)
        #expect(Int(histogram.sumOfLast) == accessLines.count)

        let errorText = readFile(errors)
        func occurrences(_ text: String) -> Int { errorText.components(of: text) }
        for (metric, text) in [
            ("gunicorn_worker_timeouts_total", "WORKER TIMEOUT"),
            ("gunicorn_worker_boots_total", "Booting worker with pid"),
            ("gunicorn_tracebacks_total", "Traceback (most recent call last)"),
        ] {
            let stored = StoredSeries.query(data, #"\#(metric){app="shop"}"#)
            #expect(Int(stored.sumOfLast) == occurrences(text), "\(metric): log has \(occurrences(text))")
        }
        #expect(occurrences("WORKER TIMEOUT") >= 1 && occurrences("Traceback (most recent call last)") >= 3)
    }
}

/// Series read back with `sonde query --format csv`.
struct StoredSeries {
    var points: [String: [(time: Double, value: Double)]] = [:]

    static func query(_ data: String, _ selector: String, start: String = "now-1h") -> StoredSeries {
        let result = Sonde.run(["query", "--data-dir", data, selector, "--start", start, "--format", "csv"])
        var stored = StoredSeries()
        for row in result.stdout.split(separator: "\n").dropFirst() {
            guard let valueComma = row.lastIndex(of: ","), let timeComma = row[..<valueComma].lastIndex(of: ",") else { continue }
            let series = String(row[..<timeComma])
            let time = Double(row[row.index(after: timeComma)..<valueComma]) ?? .nan
            let value = Double(row[row.index(after: valueComma)...]) ?? .nan
            stored.points[series, default: []].append((time, value))
        }
        return stored
    }

    /// The sum over series of each one's last value.
    var sumOfLast: Double { points.values.reduce(0) { $0 + ($1.last?.value ?? 0) } }

    /// The largest value of any point.
    var maximum: Double { points.values.flatMap { $0.map(\.value) }.max() ?? 0 }

    var allMonotonic: Bool {
        points.values.allSatisfy { series in zip(series, series.dropFirst()).allSatisfy { $0.value <= $1.value } }
    }
}

extension String {
    /// How many times `needle` occurs.
    func components(of needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let found = rest.firstRange(of: needle) {
            count += 1
            rest = rest[found.upperBound...]
        }
        return count
    }
}
