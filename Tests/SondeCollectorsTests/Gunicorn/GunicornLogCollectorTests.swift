import Logging
import SondeCollectors
import SondeCore
import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("GunicornLogCollector", .serialized)
struct GunicornLogCollectorTests {
    func line(_ i: Int, status: Int = 200) -> String {
        #"127.0.0.1 - - [22/Nov/2026:10:00:\#(i % 50 < 10 ? "0" : "")\#(i % 50) +0000] "GET /items/\#(i)/ HTTP/1.1" \#(status) 10 "-" "t""# + "\n"
    }

    func collector(_ dir: String) throws -> GunicornLogCollector {
        var settings = GunicornLogCollector.Settings(
            app: "shop", accessLog: dir + "/access.log", errorLog: dir + "/error.log",
            decoder: try AccessLogDecoder(format: nil), checkpointPath: dir + "/shop.checkpoint")
        settings.rotateWait = .zero
        return GunicornLogCollector(settings: settings, logger: Logger(label: "test"))
    }

    func lastRequests(_ batches: [MetricBatch]) -> Double {
        var last: [Labels: Double] = [:]
        for batch in batches {
            for sample in batch.samples where sample.labels.metricName == "gunicorn_requests_total" { last[sample.labels] = sample.value }
        }
        return last.values.reduce(0, +)
    }

    @Test("a new instance resumes from the checkpoint: counters continue, nothing is read twice")
    func resume() async throws {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        TestFiles.append(dir + "/access.log", (0..<30).map { line($0) }.joined())
        var first = MetricBatch()
        try await collector(dir).collect(into: &first)
        #expect(lastRequests([first]) == 30)
        // no error log yet, but its counters exist at 0, so the first timeout shows in increase()
        #expect(first.samples.contains { $0.labels.metricName == "gunicorn_worker_timeouts_total" && $0.value == 0 })
        TestFiles.append(dir + "/access.log", (30..<45).map { line($0) }.joined())
        var second = MetricBatch()
        try await collector(dir).collect(into: &second)  // as after a restart
        #expect(lastRequests([first, second]) == 45)
        #expect(second.samples.contains { $0.labels.metricName == "sonde_log_lines_read_total" && $0.value == 15 })
    }

    @Test("a glob tails every matching file, also one that appears later, each from its start")
    func glob() async throws {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        TestFiles.append(dir + "/a.access.log", (0..<5).map { line($0) }.joined())
        TestFiles.append(dir + "/b.access.log", (0..<7).map { line($0) }.joined())
        TestFiles.append(dir + "/a.access.log.1", (0..<100).map { line($0) }.joined())  // a rotation: not matched
        var settings = GunicornLogCollector.Settings(
            app: "shop", accessLog: dir + "/*.access.log", errorLog: nil,
            decoder: try AccessLogDecoder(format: nil), checkpointPath: dir + "/shop.checkpoint")
        settings.startAtEnd = true  // applies to files there at the first run only
        let collector = GunicornLogCollector(settings: settings, logger: Logger(label: "test"))
        var first = MetricBatch()
        try await collector.collect(into: &first)
        #expect(lastRequests([first]) == 0)
        TestFiles.append(dir + "/a.access.log", (5..<8).map { line($0) }.joined())
        TestFiles.append(dir + "/c.access.log", (0..<4).map { line($0) }.joined())
        var second = MetricBatch()
        try await collector.collect(into: &second)
        #expect(lastRequests([first, second]) == 7)
        #expect(second.samples.contains { $0.labels.metricName == "sonde_log_files" && $0.value == 3 })
        // no error log configured: no worker counters at all (not zeros that look like "no timeouts")
        #expect(!(first.samples + second.samples).contains { $0.labels.metricName.hasPrefix("gunicorn_worker") })
    }

    @Test("a damaged checkpoint is reported and the logs are read from their start")
    func damagedCheckpoint() async throws {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        TestFiles.append(dir + "/access.log", (0..<10).map { line($0) }.joined())
        var first = MetricBatch()
        try await collector(dir).collect(into: &first)
        var bytes = TestFiles.read(dir + "/shop.checkpoint")
        bytes[bytes.count / 2] ^= 0x55
        unlink(dir + "/shop.checkpoint")
        TestFiles.append(dir + "/shop.checkpoint", bytes)
        var second = MetricBatch()
        await #expect(throws: SondeError.self) { try await collector(dir).collect(into: &second) }
        #expect(lastRequests([second]) == 10)
    }

    @Test("an unreadable log is an error of this collector only; the other log still counts")
    func unreadable() async throws {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        TestFiles.append(dir + "/error.log", "[2026-11-22 10:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:2)\n")
        mkdir(dir + "/access.log", 0o755)  // a directory where the log should be
        var batch = MetricBatch()
        try? await collector(dir).collect(into: &batch)
        #expect(batch.samples.contains { $0.labels.metricName == "gunicorn_worker_timeouts_total" && $0.value == 1 })
    }
}
