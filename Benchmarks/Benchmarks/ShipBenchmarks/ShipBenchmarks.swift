// Figures of the CloudWatch shipping issue (docs/performance.md has the results and the machine):
//   2,000 shipped series at 60 s: one round's CPU time (≤ 0.2 % of one core means ≤ 120 ms a
//   minute) and its requests (≤ 5 a minute), to a loopback receiver answering as CloudWatch does;
//   the bytes on the wire per datum, with gzip and without.
import Benchmark
import BenchmarkSupport
import Foundation
import Logging
import SondeAWS
import SondeCore
import SondeNet
import SondeShip
import SondeStore
import Synchronization

/// A store with `series` gauges sampled every 10 s for three minutes, and a shipper over it.
struct BenchShip {
    static let series = 2_000
    let directory: String
    let store: Store
    let receiver = LoopbackReceiver(body: "<PutMetricDataResponse><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></PutMetricDataResponse>")
    /// The start of the last whole minute stored.
    let minute: Int64

    init() {
        directory = "/tmp/sonde-bench-ship-\(getpid())"
        guard let store = try? Store.open(directory: directory) else { fatalError("cannot open a store in \(directory)") }
        self.store = store
        minute = SystemClock().wallMilliseconds / 60_000 * 60_000 - 60_000
        for index in 0..<Self.series {
            // Host-like series: a metric per hundred, instance and mountpoint dimensions.
            let labels = Labels([
                Label("__name__", "host_metric_\(index / 100)_percent"), Label("instance", "web-\(index % 10)"), Label("mountpoint", "/data/\(index % 100)"),
            ])
            for step in 0..<18 { store.append(labels, timestamp: minute - 120_000 + Int64(step) * 10_000, value: Double((index * 7 + step) % 100)) }
        }
    }

    func shipper(gzip: Bool) -> CloudWatchShipper {
        let yaml = "ship:\n  cloudwatch: {include: ['{__name__=~\"host_metric_.*\"}'], dimensions: [instance, mountpoint], gzip: \(gzip)}\n"
        guard let config = try? SondeConfig.parse(yaml, file: nil).ship.cloudwatch else { fatalError("configuration") }
        let credentials = StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDBENCH", secretAccessKey: "bench", source: "bench"))
        let client = CloudWatchClient(endpoint: "http://127.0.0.1:\(receiver.port)", region: "us-east-1", credentials: credentials, http: HTTPClient(), retry: .none)
        var quiet = Logger(label: "bench")
        quiet.logLevel = .error
        let cursor = directory + "/cursor-\(gzip).json"
        return CloudWatchShipper(planner: ShipDatums(config: config, appended: [CloudWatchClient.Dimension("InstanceId", "i-0123456789abcdef0")]), store: store, cursorPath: cursor, logger: quiet) {
            request throws(AWSError) in try await client.putMetricData(request, gzip: gzip)
        }
    }

    /// One round that ships the last whole minute, from a cursor at its start.
    func round(_ shipper: CloudWatchShipper, gzip: Bool) async {
        try? ShipCursor(minute: minute).save(directory + "/cursor-\(gzip).json")
        let cursor = await shipper.ship(now: minute + 60_000 + 20_000)
        guard cursor.minute == minute + 60_000 else { fatalError("the round did not ship the minute: \(cursor)") }
    }
}

/// Which figures were printed already.
let printed = Mutex(Set<Bool>())

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 30)
    let bench = BenchShip()
    for gzip in [true, false] {
        Benchmark("ship one minute of 2,000 series, gzip \(gzip ? "on" : "off")") { benchmark in
            let shipper = bench.shipper(gzip: gzip)
            let requestsBefore = bench.receiver.received.load(ordering: .relaxed)
            let bytesBefore = bench.receiver.bodyBytes.load(ordering: .relaxed)
            benchmark.startMeasurement()
            await bench.round(shipper, gzip: gzip)
            benchmark.stopMeasurement()
            let requests = bench.receiver.received.load(ordering: .relaxed) - requestsBefore
            let bytes = bench.receiver.bodyBytes.load(ordering: .relaxed) - bytesBefore
            let datums = shipper.statistics.datumsSent
            // Once per benchmark: the bytes on the wire do not change between iterations.
            guard printed.withLock({ $0.insert(gzip).inserted }) else { return }
            print("gzip \(gzip ? "on" : "off"): \(datums) datums in \(requests) requests, \(bytes) body bytes, \(String(format: "%.1f", Double(bytes) / Double(max(1, datums)))) bytes per datum")
        }
    }
}
