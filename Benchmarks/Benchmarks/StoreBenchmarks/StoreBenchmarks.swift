// Figures of the foundation issue (docs/performance.md has the results and the machine):
//   append ≥ 3 M samples/s through the public API; import ≥ 2 M samples/s end to end;
//   decode ≥ 50 M samples/s; 24 h of one 1 s series in < 5 ms; 30 days at 1 h step in < 1 ms;
//   ≤ 1 KiB resident per active series beyond its open chunk: measured in a fresh process by
//   `sonde-store-stress --report-memory` instead (see docs/performance.md), since RSS growth inside
//   the benchmark process mixes in the other benchmarks' memory.
// Every benchmark runs on one core; the store lives in a fresh directory under /tmp.
import Benchmark
import Glibc
import SondeCore
import SondeStore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5), maxIterations: 50)

    // MARK: append

    Benchmark("append: 1,000 series x 1,000 samples, one at a time", configuration: .init(scalingFactor: .mega)) { benchmark in
        let directory = Scratch()
        let store = try Store.open(directory: directory.path, options: HostLike.options)
        let refs = (0..<1_000).compactMap { store.seriesRef(HostLike.labels($0)) }
        benchmark.startMeasurement()
        for step in 0..<1_000 {
            let timestamp = HostLike.start + Int64(step) * 1000
            for (index, ref) in refs.enumerated() {
                store.append(ref, timestamp: timestamp, value: HostLike.value(series: index, step: step))
            }
        }
        benchmark.stopMeasurement()
        try store.close()
    }

    Benchmark("append: 1,000 series x 1,000 samples, batches of one scrape", configuration: .init(scalingFactor: .mega)) { benchmark in
        let directory = Scratch()
        let store = try Store.open(directory: directory.path, options: HostLike.options)
        let refs = (0..<1_000).compactMap { store.seriesRef(HostLike.labels($0)) }
        var batch = SampleBatch()
        benchmark.startMeasurement()
        for step in 0..<1_000 {
            let timestamp = HostLike.start + Int64(step) * 1000
            for (index, ref) in refs.enumerated() {
                batch.add(ref, timestamp: timestamp, value: HostLike.value(series: index, step: step))
            }
            store.append(batch)
            batch.removeAll()
        }
        benchmark.stopMeasurement()
        try store.close()
    }

    // MARK: import

    // The real host dump when SONDE_HOST_DUMP names it (Benchmarks/data/record-host-dump.sh records
    // one), else the committed 20-second excerpt. Reports samples/s and the raw tier's bytes per
    // sample (everything counted: chunks, headers, segment indexes, series index), times 1,000.
    Benchmark("import: OpenMetrics file end to end (parse + store)",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident, Custom.samplesPerSecond, Custom.milliBytesPerSample], maxIterations: 10)) { benchmark in
        let file = HostLike.dumpPath
        let directory = Scratch()
        var options = StoreOptions()
        options.headLogEnabled = false
        let store = try Store.open(directory: directory.path, options: options)
        let importer = OpenMetricsImporter(store: store)
        let started = Custom.now()
        benchmark.startMeasurement()
        let result = try importer.importFile(file)
        store.sealAll()
        try store.close()
        benchmark.stopMeasurement()
        precondition(result.error == nil, "\(String(describing: result.error))")
        benchmark.measurement(Custom.samplesPerSecond, Int(Double(result.samples) / (Custom.now() - started)))
        if let raw = try store.stats().tiers.first(where: { $0.name == "raw" }) {
            benchmark.measurement(Custom.milliBytesPerSample, Int(raw.bytesPerSample * 1000))
        }
    }

    // MARK: decode and read

    let chunks = HostLike.sealedChunks()
    let decodedPerIteration = chunks.count * HostLike.samplesPerChunk
    Benchmark("decode: sealed chunks of host-like series (\(decodedPerIteration) samples per iteration)",
              configuration: .init(metrics: [.wallClock, Custom.samplesPerSecond], maxIterations: 200)) { benchmark in
        var timestamps: [Int64] = []
        var columns: [[Double]] = []
        timestamps.reserveCapacity(HostLike.samplesPerChunk)
        let started = Custom.now()
        benchmark.startMeasurement()
        for chunk in chunks {
            timestamps.removeAll(keepingCapacity: true)
            for index in columns.indices { columns[index].removeAll(keepingCapacity: true) }
            try chunk.withUnsafeBytes { try SealedChunk.decode($0, timestamps: &timestamps, columns: &columns) }
            blackHole(timestamps.count)
        }
        benchmark.stopMeasurement()
        benchmark.measurement(Custom.samplesPerSecond, Int(Double(decodedPerIteration) / (Custom.now() - started)))
    }

    let day = ReadFixture(seconds: 86_400, step: 1000)
    Benchmark("read: one 1 s series over 24 h (86,400 samples)") { benchmark in
        for _ in benchmark.scaledIterations {
            let data = try day.store.select(day.matchers, start: day.start, end: day.end, tier: .tier(.raw))
            precondition(data.first?.timestamps.count == 86_400)
        }
    }

    let month = ReadFixture(seconds: 30 * 86_400, step: 60_000)
    Benchmark("read: 30 days at 1 h step from the hourly tier") { benchmark in
        for _ in benchmark.scaledIterations {
            let data = try month.store.select(month.matchers, start: month.start, end: month.end, tier: .automatic, step: 3_600_000)
            precondition(data.first?.tier == .hour && (data.first?.timestamps.count ?? 0) >= 719)
        }
    }
}

enum Custom {
    static let samplesPerSecond = BenchmarkMetric.custom("samples per second", polarity: .prefersLarger, useScalingFactor: false)
    static let milliBytesPerSample = BenchmarkMetric.custom("raw bytes per 1000 samples", polarity: .prefersSmaller, useScalingFactor: false)

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// Series that look like a host's: counters that grow by small integers, gauges with two decimals,
/// constants; 1 s grid timestamps.
enum HostLike {
    static let start: Int64 = 1_795_331_271_000
    static let samplesPerChunk = 1_024

    static var options: StoreOptions {
        var options = StoreOptions()
        options.maxBytes = 256 << 20
        options.selfMetricsIntervalMilliseconds = .max / 2
        return options
    }

    static func labels(_ index: Int) -> Labels {
        Labels(name: "node_metric_\(index % 50)", ["instance": "localhost:9100", "job": "node", "device": "dev\(index / 50)"])
    }

    static func value(series: Int, step: Int) -> Double {
        switch series % 4 {
        case 0: return Double(step * (series % 97 + 1) + (step * 7919) % 13)     // counter
        case 1: return Double((step * 31 + series) % 2_000) / 100                 // gauge, 2 decimals
        case 2: return 8_388_608                                                  // constant
        default: return Double(1_000_000 + step * 4096 + (step % 5) * 512)        // bytes counter
        }
    }

    static func sealedChunks() -> [[UInt8]] {
        (0..<64).map { series in
            let timestamps = (0..<samplesPerChunk).map { start + Int64($0) * 1000 }
            let values = (0..<samplesPerChunk).map { value(series: series, step: $0) }
            var out: [UInt8] = []
            SealedChunk.encode(timestamps: timestamps, columns: [values], into: &out)
            return out
        }
    }

    static var dumpPath: String {
        if let path = getenv("SONDE_HOST_DUMP").map({ String(cString: $0) }), access(path, R_OK) == 0 { return path }
        return "../Tests/SondeStoreTests/Fixtures/hostdump-excerpt.om.gz"
    }
}

/// A store holding one series at the given step for the given span, built once per benchmark run.
final class ReadFixture: Sendable {
    let directory = Scratch()
    let store: Store
    let matchers = [LabelMatcher.equal("__name__", "read_me")]
    let start: Int64
    let end: Int64

    init(seconds: Int, step: Int64) {
        var options = HostLike.options
        options.maxBytes = 64 << 20
        options.headLogEnabled = false
        // swiftlint:disable:next force_try
        store = (try? Store.open(directory: directory.path, options: options))!
        let ref = store.seriesRef(Labels(name: "read_me"))!
        let count = Int(Int64(seconds) * 1000 / step)
        for index in 0..<count {
            store.append(ref, timestamp: HostLike.start + Int64(index) * step, value: HostLike.value(series: 1, step: index))
        }
        store.sealAll()
        start = HostLike.start
        end = HostLike.start + Int64(seconds) * 1000 - 1
    }
}

final class Scratch: Sendable {
    let path: String
    init() {
        var template = Array("/tmp/sonde-bench.XXXXXX".utf8CString)
        _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/store"
    }
    deinit { system("rm -rf '\(path.dropLast(6))'") }
}
