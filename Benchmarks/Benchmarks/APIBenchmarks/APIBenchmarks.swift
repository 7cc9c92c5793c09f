// Figures of the HTTP API issue (docs/performance.md has the results and the machine):
//   /metrics with 10,000 stored sonde_* series, through the router in process (no socket): ≤ 20 ms;
//   a simple /api/v1/query through the router, per request (the socket's share is measured with
//   wrk, Benchmarks/api/wrk-query.sh).
import Benchmark
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SondeAPI
import SondeCore
import SondeNotify
import SondeStore

/// A store holding `series` series of one metric, with a few samples each, and a router over it.
struct BenchAPI {
    let directory: String
    let store: Store
    let responder: any HTTPResponder<APIRequestContext>
    let now: Int64

    init(metric: String, series: Int) {
        directory = "/tmp/sonde-bench-api-\(getpid())-\(metric)"
        guard let store = try? Store.open(directory: directory) else { fatalError("cannot open a store in \(directory)") }
        self.store = store
        now = SystemClock().wallMilliseconds
        for index in 0..<series {
            let labels = Labels([Label("__name__", metric), Label("instance", "web-\(index % 10)"), Label("id", String(index))])
            for step in 0..<3 { store.append(labels, timestamp: now - Int64(2 - step) * 10_000, value: Double(index + step)) }
        }
        let sources = APISources(store: store, silences: SilenceFile(directory: directory + "/notify"), clock: SystemClock())
        var quiet = Logger(label: "bench")
        quiet.logLevel = .error
        let router = APIRouter.make(sources: sources, settings: APISettings(listen: ListenAddress("127.0.0.1:0")), statistics: APIStatistics(), logger: quiet)
        responder = router.buildResponder()
    }

    /// The answer's body size, after writing the whole body.
    func get(_ path: String, headers: HTTPFields = [:]) async -> Int {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: path, headerFields: headers), body: RequestBody(buffer: ByteBuffer()))
        guard let response = try? await responder.respond(to: request, context: APIRequestContext(logger: Logger(label: "bench"))),
            response.status == .ok
        else { fatalError("\(path) failed") }
        let count = ByteCount()
        try? await response.body.write(ByteCounter(count: count))
        return count.bytes
    }

    func close() {
        try? store.close()
        _ = try? FileManager.default.removeItem(atPath: directory)
    }
}

final class ByteCount: @unchecked Sendable {
    var bytes = 0
}

struct ByteCounter: ResponseBodyWriter {
    let count: ByteCount
    mutating func write(_ buffer: ByteBuffer) async throws { count.bytes += buffer.readableBytes }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(10), maxIterations: 50)

    Benchmark("api: GET /metrics with 10,000 stored sonde_* series (text 0.0.4), through the router") { benchmark in
        let api = BenchAPI(metric: "sonde_bench_value", series: 10_000)
        defer { api.close() }
        let size = await api.get("/metrics")
        precondition(size > 10_000 * 40, "every series is in the answer")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(await api.get("/metrics")) }
        benchmark.stopMeasurement()
    }

    Benchmark("api: GET /metrics with 10,000 stored sonde_* series, gzip, through the router") { benchmark in
        let api = BenchAPI(metric: "sonde_bench_value", series: 10_000)
        defer { api.close() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(await api.get("/metrics", headers: [.acceptEncoding: "gzip"])) }
        benchmark.stopMeasurement()
    }

    Benchmark("api: GET /api/v1/query?query=node_load1 (one series), through the router, 1,000 requests", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let api = BenchAPI(metric: "node_load1", series: 1)
        defer { api.close() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(await api.get("/api/v1/query?query=node_load1")) }
        benchmark.stopMeasurement()
    }
}
