import SondeAWS
import SondeCore
import SondeNet
import SondeShip
import SondeStore
import SondeTestSupport
import Testing

/// The 60 s datums from the store's 1-minute tier: statistics per minute for gauges, increases for
/// counters, series folded by the dimensions kept; and read back from a real moto server equal.
@Suite struct ShipDatumsTests {
    /// 2026-12-07T10:00:00Z.
    static let base: Int64 = 1_796_637_600_000

    func store() throws -> (TemporaryDirectory, Store) {
        let directory = TemporaryDirectory("sonde-ship")
        let store = try Store.open(directory: directory.path + "/data")
        // Three minutes of 10 s samples: a gauge on two CPUs (cpu is not a dimension: they fold),
        // a counter that resets in the third minute, and a series outside the selection.
        for step in 0..<18 {
            let time = Self.base + Int64(step) * 10_000
            for cpu in ["0", "1"] {
                store.append(Labels(name: "host_cpu_utilization_percent", ["instance": "web-1", "cpu": cpu]), timestamp: time, value: Double(step + (cpu == "1" ? 100 : 0)))
            }
            let requests = step < 12 ? Double(step * 5) : Double(step - 12)
            store.append(Labels(name: "gunicorn_requests_total", ["app": "shop", "status_class": "2xx"]), timestamp: time, value: requests)
            store.append(Labels(name: "node_load1", [:]), timestamp: time, value: 1)
        }
        return (directory, store)
    }

    func config(_ yaml: String) throws -> CloudWatchShipConfig {
        try SondeConfig.parse("ship:\n  cloudwatch: \(yaml)\n", file: nil).ship.cloudwatch
    }

    @Test func gaugesAsStatisticsCountersAsIncreasesFoldedByDimensions() throws {
        let (directory, store) = try store()
        defer { directory.remove() }
        let planner = ShipDatums(config: try config("{dimensions: [instance, app, status_class]}"), appended: [CloudWatchClient.Dimension("InstanceId", "i-0abc")])
        let datums = try planner.datums(from: store, start: Self.base, end: Self.base + 180_000)
        let cpu = datums.filter { $0.metricName == "host_cpu_utilization_percent" }
        #expect(cpu.map(\.timestamp) == [Self.base, Self.base + 60_000, Self.base + 120_000])
        #expect(cpu[0].dimensions == [CloudWatchClient.Dimension("instance", "web-1"), CloudWatchClient.Dimension("InstanceId", "i-0abc")])
        // Minute 0: steps 0…5 on cpu 0 (0…5) and cpu 1 (100…105).
        #expect(cpu[0].statistics == CloudWatchClient.StatisticSet(sampleCount: 12, sum: 15 + 615, minimum: 0, maximum: 105))
        #expect(cpu[0].unit == "Percent")
        let requests = datums.filter { $0.metricName == "gunicorn_requests_total" }
        // The first minute has no minute before it: 25 − 0 within it; then 55 − 25 = 30; then a
        // reset: 5 counted from zero.
        #expect(requests.map(\.timestamp) == [Self.base, Self.base + 60_000, Self.base + 120_000])
        #expect(requests.map { $0.statistics?.sum } == [25, 30, 5])
        #expect(requests.first?.unit == "Count")
        #expect(!datums.contains { $0.metricName == "node_load1" }, "not in the default selection")

        let excluding = ShipDatums(config: try config("{exclude: ['gunicorn_requests_total{app=\"shop\"}']}"), appended: [])
        #expect(try !excluding.datums(from: store, start: Self.base, end: Self.base + 180_000).contains { $0.metricName == "gunicorn_requests_total" })
    }

    @Test func parametersAsPutMetricDataTakesThem() {
        let datum = CloudWatchClient.Datum(
            metricName: "m", dimensions: [CloudWatchClient.Dimension("instance", "a")], timestamp: Self.base,
            statistics: CloudWatchClient.StatisticSet(sampleCount: 6, sum: 1.5, minimum: 0.25, maximum: 0.5), unit: "Seconds")
        let parameters = CloudWatchClient.putMetricDataParameters(namespace: "Sonde", [datum])
        #expect(parameters.map { "\($0.0)=\($0.1)" } == [
            "Namespace=Sonde", "MetricData.member.1.MetricName=m", "MetricData.member.1.Dimensions.member.1.Name=instance",
            "MetricData.member.1.Dimensions.member.1.Value=a", "MetricData.member.1.Timestamp=2026-12-07T10:00:00Z",
            "MetricData.member.1.StatisticValues.SampleCount=6.0", "MetricData.member.1.StatisticValues.Sum=1.5",
            "MetricData.member.1.StatisticValues.Minimum=0.25", "MetricData.member.1.StatisticValues.Maximum=0.5",
            "MetricData.member.1.Unit=Seconds",
        ])
    }

    @Test(.exclusiveMachineUse)
    func readBackFromMotoEqualsTheStore() async throws {
        let (directory, store) = try store()
        defer { directory.remove() }
        let datums = try ShipDatums(config: try config("{dimensions: [instance]}"), appended: []).datums(from: store, start: Self.base, end: Self.base + 180_000)
        try await MotoServer.with { server in
            let credentials = StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDSHIP", secretAccessKey: "ship", source: "test"))
            let client = CloudWatchClient(endpoint: server.endpoint, region: "eu-west-3", credentials: credentials, http: HTTPClient(), retry: .none)
            try await client.putMetricData(namespace: "Sonde", datums)
            let metric = CloudWatchClient.Metric(namespace: "Sonde", name: "host_cpu_utilization_percent", dimensions: [CloudWatchClient.Dimension("instance", "web-1")])
            let queries = ["SampleCount", "Sum", "Minimum", "Maximum"].enumerated().map { index, stat in
                CloudWatchClient.MetricStatQuery(id: "q\(index)", metric: metric, periodSeconds: 60, stat: stat)
            }
            let results = try await client.getMetricData(queries, start: Self.base, end: Self.base + 180_000)
            let cpu = datums.filter { $0.metricName == "host_cpu_utilization_percent" }
            #expect(cpu.count == 3)
            for (index, path) in [\CloudWatchClient.StatisticSet.sampleCount, \.sum, \.minimum, \.maximum].enumerated() {
                let points = try #require(results.first { $0.id == "q\(index)" }).points.sorted { $0.timestamp < $1.timestamp }
                #expect(points.map(\.timestamp) == cpu.map(\.timestamp), "\(queries[index].stat)")
                #expect(points.map(\.value) == cpu.compactMap { $0.statistics?[keyPath: path] }, "\(queries[index].stat)")
            }
        }
    }
}

/// `resolution: 1s` and `distribution`: datums from the raw ring.
@Suite struct RawShipDatumsTests {
    static let base = ShipDatumsTests.base

    func config(_ yaml: String) throws -> CloudWatchShipConfig { try ShipDatumsTests().config(yaml) }

    @Test func oneDatumPerSampledSecondWithHighResolution() throws {
        let (directory, store) = try ShipDatumsTests().store()
        defer { directory.remove() }
        let planner = ShipDatums(config: try config("{resolution: 1s, include: [node_load1, host_cpu_utilization_percent, gunicorn_requests_total], dimensions: [instance, app]}"), appended: [])
        let datums = try planner.datums(from: store, start: Self.base + 60_000, end: Self.base + 120_000)
        #expect(datums.allSatisfy { $0.storageResolution == 1 })
        let load = datums.filter { $0.metricName == "node_load1" }
        #expect(load.map(\.timestamp) == (0..<6).map { Self.base + 60_000 + Int64($0) * 10_000 })
        #expect(load.allSatisfy { $0.value == 1 && $0.statistics == nil }, "one series, one sample: a Value")
        // Two CPUs fold into one datum a second: steps 6…11 on cpu 0 and 106…111 on cpu 1.
        let cpu = datums.filter { $0.metricName == "host_cpu_utilization_percent" }
        #expect(cpu.first?.statistics == CloudWatchClient.StatisticSet(sampleCount: 2, sum: 112, minimum: 6, maximum: 106))
        // The counter's increase from the sample before each, the first from the minute before's last.
        let requests = datums.filter { $0.metricName == "gunicorn_requests_total" }
        #expect(requests.map(\.value) == [5, 5, 5, 5, 5, 5])
        let third = try planner.datums(from: store, start: Self.base + 120_000, end: Self.base + 180_000).filter { $0.metricName == "gunicorn_requests_total" }
        #expect(third.map(\.value) == [0, 1, 1, 1, 1, 1], "a reset counts from zero")
    }

    /// Four probes' durations (target is not a dimension: they fold), 240 samples over 200 distinct values.
    func probeStore() throws -> (TemporaryDirectory, Store) {
        let directory = TemporaryDirectory("sonde-ship-distribution")
        let store = try Store.open(directory: directory.path + "/data")
        for step in 0..<60 {
            for target in 0..<4 {
                let value = Double((step * 4 + target) % 200) / 1000
                store.append(Labels(name: "probe_duration_seconds", ["target": "t\(target)", "instance": "web-1"]), timestamp: Self.base + Int64(step) * 1000, value: value)
            }
        }
        return (directory, store)
    }

    @Test func distributionsAsValuesAndCountsAtMost150ADatum() throws {
        let (directory, store) = try probeStore()
        defer { directory.remove() }
        let planner = ShipDatums(config: try config("{include: [probe_duration_seconds], distribution: [probe_duration_seconds], dimensions: [instance]}"), appended: [])
        let datums = try planner.datums(from: store, start: Self.base, end: Self.base + 60_000)
        #expect(datums.map { $0.values?.count } == [150, 50])
        #expect(datums.allSatisfy { $0.timestamp == Self.base && $0.statistics == nil && $0.unit == "Seconds" })
        let values = datums.flatMap { $0.values ?? [] }
        #expect(values == (0..<200).map { Double($0) / 1000 }, "ascending, each once")
        // Values 0…39 were sampled twice (240 samples over 200 values), the rest once.
        let expectedCounts: [Double] = (0..<200).map { (value: Int) -> Double in value < 40 ? 2 : 1 }
        #expect(datums.flatMap { $0.counts ?? [] } == expectedCounts)
        let parameters = CloudWatchClient.putMetricDataParameters(namespace: "Sonde", [datums[1]]).map { "\($0.0)=\($0.1)" }
        #expect(parameters.contains("MetricData.member.1.Values.member.1=0.15") && parameters.contains("MetricData.member.1.Counts.member.50=1.0"))

        // Once the raw ring no longer holds the minute, its statistics go instead.
        let statistics = try ShipDatums(config: try config("{include: [probe_duration_seconds], distribution: [other], dimensions: [instance]}"), appended: [])
            .datums(from: store, start: Self.base, end: Self.base + 60_000)
        #expect(statistics.count == 1 && statistics[0].statistics?.sampleCount == 240)
    }

    @Test(.exclusiveMachineUse)
    func readBackFromMotoEqualsTheRawSamples() async throws {
        let (directory, store) = try probeStore()
        defer { directory.remove() }
        let (secondsDirectory, secondsStore) = try ShipDatumsTests().store()
        defer { secondsDirectory.remove() }
        let distribution = try ShipDatums(config: try config("{include: [probe_duration_seconds], distribution: [probe_duration_seconds], dimensions: [instance]}"), appended: [])
            .datums(from: store, start: Self.base, end: Self.base + 60_000)
        let seconds = try ShipDatums(config: try config("{resolution: 1s, include: [node_load1, gunicorn_requests_total], dimensions: [app]}"), appended: [])
            .datums(from: secondsStore, start: Self.base + 60_000, end: Self.base + 180_000)
        try await MotoServer.with { server in
            let credentials = StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDSHIP", secretAccessKey: "ship", source: "test"))
            let client = CloudWatchClient(endpoint: server.endpoint, region: "eu-west-3", credentials: credentials, http: HTTPClient(), retry: .none)
            // The body goes gzip-compressed (moto reads Content-Encoding: gzip) at a fraction of its size.
            let sent = try await client.putMetricData(namespace: "Sonde", distribution + seconds)
            let plain = CloudWatchClient.PutMetricDataRequest(namespace: "Sonde", distribution + seconds).body.count
            #expect(sent > 0 && sent * 4 < plain, "\(sent) bytes sent for \(plain) plain")
            func read(_ name: String, _ dimensions: [CloudWatchClient.Dimension], period: Int, _ stats: [String], start: Int64, end: Int64) async throws -> [[Double]] {
                let metric = CloudWatchClient.Metric(namespace: "Sonde", name: name, dimensions: dimensions)
                let queries = stats.enumerated().map { CloudWatchClient.MetricStatQuery(id: "q\($0.offset)", metric: metric, periodSeconds: period, stat: $0.element) }
                let results = try await client.getMetricData(queries, start: start, end: end)
                return queries.map { query in results.first { $0.id == query.id }?.points.map(\.value) ?? [] }
            }
            let raw: [Double] = try store.select([.equal(Labels.metricNameLabel, "probe_duration_seconds")], start: Self.base, end: Self.base + 59_999).flatMap(\.columns[0])
            let probe = try await read("probe_duration_seconds", [CloudWatchClient.Dimension("instance", "web-1")], period: 60, ["SampleCount", "Sum", "Minimum", "Maximum"], start: Self.base, end: Self.base + 60_000)
            #expect(probe[0] == [240] && probe[2] == [raw.min()!] && probe[3] == [raw.max()!])
            #expect(abs((probe[1].first ?? 0) - raw.reduce(0, +)) < 1e-9, "the same sum but for the order of addition")
            // At 1 s the raw values themselves, one per sampled second.
            let load = try await read("node_load1", [], period: 1, ["Average"], start: Self.base + 60_000, end: Self.base + 180_000)
            #expect(load[0] == Array(repeating: 1, count: 12))
            let requests = try await read("gunicorn_requests_total", [CloudWatchClient.Dimension("app", "shop")], period: 1, ["Sum"], start: Self.base + 60_000, end: Self.base + 180_000)
            #expect(requests[0] == [5, 5, 5, 5, 5, 5, 0, 1, 1, 1, 1, 1])
        }
    }
}

@Suite struct CloudWatchPricingTests {
    @Test func tiersAndRequests() {
        #expect(CloudWatchPricing.metricsCost(0) == 0)
        #expect(abs(CloudWatchPricing.metricsCost(40) - 12) < 1e-9)
        #expect(abs(CloudWatchPricing.metricsCost(10_001) - 3_000.10) < 1e-9)
        #expect(abs(CloudWatchPricing.metricsCost(250_001) - (3_000 + 24_000 + 0.05)) < 1e-6)
        #expect(abs(CloudWatchPricing.requestsCost(43_200) - 0.432) < 1e-9)
    }
}
