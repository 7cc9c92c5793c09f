import SondeCollectors
import Testing

@Suite("ErrorLogParser")
struct ErrorLogParserTests {
    private func entry(_ line: String) -> ErrorLogEntry? {
        if case .entry(let e) = ErrorLogParser.classify(line) { return e }
        return nil
    }

    @Test("the prefix: exact timestamp in ms with the UTC offset applied, pid and level")
    func prefix() {
        let e = entry("[2024-05-01 12:00:00 +0000] [12345] [INFO] Booting worker with pid: 12346")
        #expect(e == ErrorLogEntry(timestampMilliseconds: 1_714_564_800_000, pid: 12345, level: .info, event: .workerBooting(pid: 12346)))
        #expect(entry("[2024-05-01 12:00:00 +0530] [1] [INFO] x")?.timestampMilliseconds == 1_714_545_000_000)
        #expect(entry("[2023-12-31 23:59:59 -0700] [1] [INFO] x")?.timestampMilliseconds == 1_704_092_399_000)
        #expect(entry("[2024-02-29 00:00:00 +0000] [1] [DEBUG] x")?.timestampMilliseconds == 1_709_164_800_000)
        #expect(entry("[2024-05-01 12:00:00 +0000] [7] [DEBUG] x")?.level == .debug)
        #expect(entry("[2024-05-01 12:00:00 +0000] [7] [WARNING] x")?.level == .warning)
        #expect(entry("[2024-05-01 12:00:00 +0000] [7] [ERROR] x")?.level == .error)
        #expect(entry("[2024-05-01 12:00:00 +0000] [7] [CRITICAL] x")?.level == .critical)
        // a trailing CRLF is ignored
        #expect(entry("[2024-05-01 12:00:00 +0000] [7] [INFO] Booting worker with pid: 8\r\n")?.event == .workerBooting(pid: 8))
    }

    @Test("a gunicorn 21 boot, timeout, OOM kill and shutdown, as the arbiter prints them")
    func arbiterLifecycle() {
        let log: [(String, ErrorLogLevel, ErrorLogEvent)] = [
            ("[2024-05-01 12:00:00 +0000] [12345] [INFO] Starting gunicorn 21.2.0", .info, .masterStarting(version: "21.2.0")),
            ("[2024-05-01 12:00:00 +0000] [12345] [INFO] Listening at: http://127.0.0.1:8000 (12345)", .info, .other),
            ("[2024-05-01 12:00:00 +0000] [12345] [INFO] Using worker: sync", .info, .other),
            ("[2024-05-01 12:00:00 +0000] [12346] [INFO] Booting worker with pid: 12346", .info, .workerBooting(pid: 12346)),
            ("[2024-05-01 12:00:31 +0000] [12345] [CRITICAL] WORKER TIMEOUT (pid:12346)", .critical, .workerTimeout(pid: 12346)),
            ("[2024-05-01 12:00:31 +0000] [12346] [INFO] Worker exiting (pid: 12346)", .info, .other),
            ("[2024-05-01 12:00:32 +0000] [12345] [ERROR] Worker (pid:12346) was sent SIGKILL! Perhaps out of memory?", .error,
             .workerSignaled(pid: 12346, signal: "SIGKILL", outOfMemoryHint: true)),
            ("[2024-05-01 12:00:32 +0000] [12345] [ERROR] Worker (pid:12347) was sent SIGTERM!", .error,
             .workerSignaled(pid: 12347, signal: "SIGTERM", outOfMemoryHint: false)),
            ("[2024-05-01 12:00:32 +0000] [12345] [ERROR] Worker (pid:12348) was sent code 42!", .error,
             .workerSignaled(pid: 12348, signal: "code 42", outOfMemoryHint: false)),
            ("[2024-05-01 12:00:33 +0000] [12345] [ERROR] Worker (pid:12349) exited with code 1", .error, .workerExited(pid: 12349, code: 1)),
            ("[2024-05-01 12:00:33 +0000] [12345] [ERROR] Worker (pid:12350) exited with code 1.", .error, .workerExited(pid: 12350, code: 1)),
            ("[2024-05-01 12:00:34 +0000] [12345] [INFO] Handling signal: term", .info, .other),
            ("[2024-05-01 12:00:35 +0000] [12345] [INFO] Shutting down: Master", .info, .shutdown(name: "Master")),
        ]
        for (line, level, event) in log {
            let e = entry(line)
            #expect(e?.level == level, "\(line)")
            #expect(e?.event == event, "\(line)")
        }
    }

    @Test("a worker that fails to boot: exception, traceback, halt with a reason")
    func bootFailure() {
        let lines = [
            "[2024-05-01 12:00:00 +0000] [12346] [INFO] Booting worker with pid: 12346",
            "[2024-05-01 12:00:00 +0000] [12346] [ERROR] Exception in worker process",
            "Traceback (most recent call last):",
            "  File \"/usr/lib/python3/dist-packages/gunicorn/arbiter.py\", line 609, in spawn_worker",
            "    worker.init_process()",
            "  File \"/app/wsgi.py\", line 3, in <module>",
            "    import missing_module",
            "ModuleNotFoundError: No module named 'missing_module'",
            "",
            "[2024-05-01 12:00:00 +0000] [12346] [INFO] Worker exiting (pid: 12346)",
            "[2024-05-01 12:00:01 +0000] [12345] [ERROR] Worker (pid:12346) exited with code 3",
            "[2024-05-01 12:00:01 +0000] [12345] [ERROR] Shutting down: Master",
            "[2024-05-01 12:00:01 +0000] [12345] [ERROR] Reason: Worker failed to boot.",
        ]
        let classes = lines.map { ErrorLogParser.classify($0) }
        #expect(classes.filter { $0 == .tracebackStart }.count == 1)
        #expect(classes.filter { $0 == .continuation }.count == 6)
        #expect(!classes.contains(.unparsed))
        #expect(entry(lines[12])?.event == .bootFailure(.workerFailedToBoot))
        #expect(entry("[2024-05-01 12:00:01 +0000] [12345] [ERROR] Reason: App failed to load.")?.event == .bootFailure(.appFailedToLoad))
        #expect(entry("[2024-05-01 12:00:01 +0000] [12345] [ERROR] Worker failed to boot.")?.event == .bootFailure(.workerFailedToBoot))
        #expect(entry("[2024-05-01 12:00:01 +0000] [12345] [ERROR] Reason: something else")?.event == .other)
    }

    @Test("malformed prefixes are unparsed; near-miss messages are other")
    func malformed() {
        for line in [
            "[2024-13-01 12:00:00 +0000] [1] [INFO] x",
            "[2023-02-29 12:00:00 +0000] [1] [INFO] x",
            "[2024-05-01 12:00:00] [1] [INFO] x",
            "[2024-05-01 12:00:00 +0000] [] [INFO] x",
            "[2024-05-01 12:00:00 +0000] [99999999999] [INFO] x",
            "[2024-05-01 12:00:00 +0000] [1] [NOTICE] x",
            "[2024-05-01 12:00:00 +0000] [1] [INFO",
            "[",
        ] {
            #expect(ErrorLogParser.classify(line) == .unparsed, "\(line)")
        }
        #expect(entry("[2024-05-01 12:00:00 +0000] [1] [INFO] Booting worker with pid: abc")?.event == .other)
        #expect(entry("[2024-05-01 12:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:)")?.event == .other)
        #expect(entry("[2024-05-01 12:00:00 +0000] [1] [ERROR] Worker (pid:5) exited with code x")?.event == .other)
        #expect(entry("[2024-05-01 12:00:00 +0000] [1] [INFO] Starting gunicorn ")?.event == .other)
        #expect(entry("[2024-05-01 12:00:00 +0000] [1] [INFO]")?.event == .other)
    }
}
