import SondeAWS
import SondeCore
import SondeNet
import SondeShip
import SondeStore
import SondeTestSupport
import Testing

/// The 60 s datums from the store's 1-minute tier: statistics per minute for gauges, increases for
/// counters, series folded by the dimensions kept; and read back from a real moto server equal.
@Suite struct MinuteDatumsTests {
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
        let planner = MinuteDatums(config: try config("{dimensions: [instance, app, status_class]}"), appended: [CloudWatchClient.Dimension("InstanceId", "i-0abc")])
        let datums = try planner.datums(from: store, start: Self.base, end: Self.base + 180_000)
        let cpu = datums.filter { $0.metricName == "host_cpu_utilization_percent" }
        #expect(cpu.map(\.timestamp) == [Self.base, Self.base + 60_000, Self.base + 120_000])
        #expect(cpu[0].dimensions == [CloudWatchClient.Dimension("instance", "web-1"), CloudWatchClient.Dimension("InstanceId", "i-0abc")])
        // Minute 0: steps 0…5 on cpu 0 (0…5) and cpu 1 (100…105).
        #expect(cpu[0].statistics == CloudWatchClient.StatisticSet(sampleCount: 12, sum: 15 + 615, minimum: 0, maximum: 105))
        #expect(cpu[0].unit == "Percent")
        let requests = datums.filter { $0.metricName == "gunicorn_requests_total" }
        // The first minute has no minute before it; then 55 − 25 = 30; then a reset: 5 counted from zero.
        #expect(requests.map(\.timestamp) == [Self.base + 60_000, Self.base + 120_000])
        #expect(requests.map { $0.statistics?.sum } == [30, 5])
        #expect(requests.first?.unit == "Count")
        #expect(!datums.contains { $0.metricName == "node_load1" }, "not in the default selection")

        let excluding = MinuteDatums(config: try config("{exclude: ['gunicorn_requests_total{app=\"shop\"}']}"), appended: [])
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
        let datums = try MinuteDatums(config: try config("{dimensions: [instance]}"), appended: []).datums(from: store, start: Self.base, end: Self.base + 180_000)
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

@Suite struct CloudWatchPricingTests {
    @Test func tiersAndRequests() {
        #expect(CloudWatchPricing.metricsCost(0) == 0)
        #expect(abs(CloudWatchPricing.metricsCost(40) - 12) < 1e-9)
        #expect(abs(CloudWatchPricing.metricsCost(10_001) - 3_000.10) < 1e-9)
        #expect(abs(CloudWatchPricing.metricsCost(250_001) - (3_000 + 24_000 + 0.05)) < 1e-6)
        #expect(abs(CloudWatchPricing.requestsCost(43_200) - 0.432) < 1e-9)
    }
}
