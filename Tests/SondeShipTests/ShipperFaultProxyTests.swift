import Logging
import SondeAWS
import SondeCore
import SondeNet
import SondeShip
import SondeStore
import SondeTestSupport
import Testing

/// The shipper with the real CloudWatch client, over HTTP through a fault-injecting proxy in front
/// of moto: a ten-minute outage (connection refused, then 503), Throttling, a connection dropped
/// mid-request, slow answers, a new shipper each round (a restart). Every minute reaches CloudWatch
/// once, and what it holds equals the store: no sample lost, none counted twice.
@Suite(.exclusiveMachineUse) struct ShipperFaultProxyTests {
    static let base = ShipDatumsTests.base
    static let minutes = 16

    /// Sixteen minutes of 10 s samples: a gauge and a counter.
    func store(_ directory: TemporaryDirectory) throws -> Store {
        let store = try Store.open(directory: directory.path + "/data")
        for step in 0..<(Self.minutes * 6) {
            let time = Self.base + Int64(step) * 10_000
            store.append(Labels(name: "host_cpu_utilization_percent", ["instance": "web-1"]), timestamp: time, value: Double(step % 7) * 10)
            store.append(Labels(name: "gunicorn_requests_total", ["app": "shop"]), timestamp: time, value: Double(step * 3))
        }
        return store
    }

    @Test func everyMinuteOnceThroughRefusedFailedThrottledDroppedAndSlowRequests() async throws {
        let directory = TemporaryDirectory("sonde-ship-proxy")
        defer { directory.remove() }
        let store = try store(directory)
        let config = try SondeConfig.parse("ship:\n  cloudwatch: {include: [host_cpu_utilization_percent, gunicorn_requests_total], dimensions: [instance, app]}\n", file: nil).ship.cloudwatch
        let planner = ShipDatums(config: config, appended: [])
        let credentials = StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDSHIP", secretAccessKey: "ship", source: "test"))
        let retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20))
        var quiet = Logger(label: "ship-proxy-test")
        quiet.logLevel = .critical
        let cursorPath = directory.path + "/cursor.json"
        try ShipCursor(minute: Self.base).save(cursorPath)
        func shipper(_ endpoint: String) -> CloudWatchShipper {
            let client = CloudWatchClient(endpoint: endpoint, region: "eu-west-3", credentials: credentials, http: HTTPClient(), retry: retry, timeout: .seconds(5))
            return CloudWatchShipper(planner: planner, store: store, cursorPath: cursorPath, logger: quiet) { request throws(AWSError) in
                try await client.putMetricData(request)
            }
        }
        /// The round at the end of minute `k` (each a new shipper: a restart).
        func now(_ k: Int) -> Int64 { Self.base + Int64(k + 1) * 60_000 + 20_000 }

        try await MotoServer.with { server in
            try await FaultProxy.with(upstream: server.endpoint) { proxy in
                let http = HTTPClient()
                func mode(_ text: String) async throws {
                    #expect(try await http.send(HTTPRequest(method: "POST", url: proxy.base + "/_fault", body: Array(text.utf8))).status == 200)
                }
                var errors: [String: Int] = [:]
                // Rounds 0 to 4: nothing listens; 5 to 9: 503. Ten minutes of outage.
                try await LoopbackServer.withClosedPort { port in
                    for round in 0..<5 {
                        let refused = shipper("http://127.0.0.1:\(port)")
                        #expect(await refused.ship(now: now(round)) == ShipCursor(minute: Self.base), "refused: the cursor stays")
                        errors.merge(refused.statistics.errors, uniquingKeysWith: +)
                    }
                }
                for (round, fault) in (Array(repeating: "503", count: 5) + ["throttle", "throttle", "drop"]).enumerated() {
                    try await mode(fault)
                    let failing = shipper(proxy.base)
                    #expect(await failing.ship(now: now(round + 5)) == ShipCursor(minute: Self.base), "\(fault): the cursor stays")
                    errors.merge(failing.statistics.errors, uniquingKeysWith: +)
                }
                #expect(errors["ServiceUnavailable"] == 5 && errors["Throttling"] == 2, "\(errors)")
                #expect(errors.values.reduce(0, +) == 13, "one failed request a round, after its retries: \(errors)")

                // Slow answers (within the timeout): the backlog of fourteen minutes goes, oldest first.
                try await mode("slow:300")
                let slow = shipper(proxy.base)
                #expect(await slow.ship(now: now(13)) == ShipCursor(minute: Self.base + 14 * 60_000))
                #expect(slow.statistics.requestsSent == 14 && slow.statistics.errors.isEmpty)
                try await mode("pass")
                for k in 14..<Self.minutes {
                    #expect(await shipper(proxy.base).ship(now: now(k)) == ShipCursor(minute: Self.base + Int64(k + 1) * 60_000))
                }
                let stats = try await http.send(HTTPRequest(url: proxy.base + "/_fault/stats")).text
                #expect(stats.hasPrefix("forwarded=\(Self.minutes) "), "one request reached moto per minute, none twice: \(stats)")

                // What CloudWatch holds equals the store, minute by minute.
                let end = Self.base + Int64(Self.minutes) * 60_000
                let expected = try planner.datums(from: store, start: Self.base, end: end)
                let client = CloudWatchClient(endpoint: server.endpoint, region: "eu-west-3", credentials: credentials, http: http, retry: .none)
                let cpu = CloudWatchClient.Metric(namespace: "Sonde", name: "host_cpu_utilization_percent", dimensions: [CloudWatchClient.Dimension("instance", "web-1")])
                let requests = CloudWatchClient.Metric(namespace: "Sonde", name: "gunicorn_requests_total", dimensions: [CloudWatchClient.Dimension("app", "shop")])
                let queries = ["SampleCount", "Sum", "Minimum", "Maximum"].enumerated().map { CloudWatchClient.MetricStatQuery(id: "c\($0.offset)", metric: cpu, periodSeconds: 60, stat: $0.element) }
                    + [CloudWatchClient.MetricStatQuery(id: "r", metric: requests, periodSeconds: 60, stat: "Sum")]
                let results = try await client.getMetricData(queries, start: Self.base, end: end)
                func points(_ id: String) -> [Double] { results.first { $0.id == id }?.points.map(\.value) ?? [] }
                let gauge = expected.filter { $0.metricName == "host_cpu_utilization_percent" }.compactMap(\.statistics)
                #expect(gauge.count == Self.minutes)
                #expect(points("c0") == gauge.map(\.sampleCount) && points("c1") == gauge.map(\.sum))
                #expect(points("c2") == gauge.map(\.minimum) && points("c3") == gauge.map(\.maximum))
                // The counter's increases add up to its last value: 95 steps of 3.
                #expect(points("r").reduce(0, +) == Double((Self.minutes * 6 - 1) * 3), "\(points("r"))")
            }
        }
    }
}
