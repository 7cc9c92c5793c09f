import Logging
import SondeAWS
import SondeCore
import SondeNet
import SondeShip
import SondeStore
import SondeTestSupport
import Synchronization
import Testing

/// Shipping rounds against a real moto server, with faults injected in front of it: nothing the
/// store holds is lost, nothing is sent twice, a refused datum is isolated, a backlog drains.
/// The month's metrics and requests, and the cost they add up to.
@Suite struct ShipLedgerTests {
    @Test func countsDistinctMetricsAndProjectsRequestsToTheMonthsEnd() throws {
        let december = CivilDate.monthBounds(containing: ShipDatumsTests.base)
        var ledger = ShipLedger(month: december.start)
        let datum = { (name: String, instance: String) in
            CloudWatchClient.Datum(metricName: name, dimensions: [CloudWatchClient.Dimension("instance", instance)], timestamp: 0, value: 1)
        }
        let first = ledger.record(namespace: "Sonde", [datum("a", "1"), datum("a", "2")])
        let again = ledger.record(namespace: "Sonde", [datum("a", "1")])
        let otherNamespace = ledger.record(namespace: "CWAgent", [datum("a", "1")])
        #expect(first && !again && otherNamespace, "the same metric again is not new; another namespace is another metric")
        #expect(ledger.metrics.count == 3 && ledger.requests == 3)
        // A tenth of December gone with 3 requests: 30 requests by its end, 3 metrics at $0.30.
        let tenth = december.start + (december.end - december.start) / 10
        #expect(abs(ledger.estimatedMonthlyCost(now: tenth) - (0.90 + 30 * 0.01 / 1000)) < 1e-12)
        #expect(ledger.current(at: tenth) == ledger)
        #expect(ledger.current(at: december.end) == ShipLedger(month: december.end), "January starts over")
        let directory = TemporaryDirectory("sonde-ledger")
        defer { directory.remove() }
        try ledger.save(directory.path + "/month.json")
        #expect(ShipLedger.load(directory.path + "/month.json") == ledger)
        try AtomicFile.replace(directory.path + "/bad.json", with: Array("{\"month\": ".utf8))
        #expect(ShipLedger.load(directory.path + "/bad.json") == nil)
    }
}

@Suite(.exclusiveMachineUse, .serialized) struct CloudWatchShipperTests {
    static let base = ShipDatumsTests.base
    static let quiet: Logger = {
        var logger = Logger(label: "ship-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Passes requests on to moto, failing the ones `fault` picks, and counts what got through.
    final class FaultyEndpoint: Sendable {
        let client: CloudWatchClient
        let fault: @Sendable (_ call: Int, _ datums: [CloudWatchClient.Datum]) -> AWSError?
        let calls = Atomic<Int>(0)
        let delivered = Mutex<[CloudWatchClient.Datum]>([])

        init(_ server: MotoServer, fault: @escaping @Sendable (Int, [CloudWatchClient.Datum]) -> AWSError? = { _, _ in nil }) {
            let credentials = StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDSHIP", secretAccessKey: "ship", source: "test"))
            client = CloudWatchClient(endpoint: server.endpoint, region: "eu-west-3", credentials: credentials, http: HTTPClient(), retry: .none)
            self.fault = fault
        }

        var send: CloudWatchShipper.Send {
            { request throws(AWSError) in
                let call = self.calls.add(1, ordering: .relaxed).newValue
                if let error = self.fault(call, request.datums) { throw error }
                let bytes = try await self.client.putMetricData(request)
                self.delivered.withLock { $0 += request.datums }
                return bytes
            }
        }
    }

    func shipper(_ store: Store, _ directory: TemporaryDirectory, _ endpoint: FaultyEndpoint, include: String = "[host_cpu_utilization_percent, gunicorn_requests_total]") throws -> CloudWatchShipper {
        let config = try SondeConfig.parse("ship:\n  cloudwatch: {include: \(include), dimensions: [instance, app, status_class, id]}\n", file: nil).ship.cloudwatch
        return CloudWatchShipper(
            planner: ShipDatums(config: config, appended: []), store: store, cursorPath: directory.path + "/cursor.json",
            logger: Self.quiet, send: endpoint.send)
    }

    @Test func shipsEveryMinuteOnceThroughOutagesAndRestarts() async throws {
        let (directory, store) = try ShipDatumsTests().store()
        defer { directory.remove() }
        let expected = try ShipDatums(config: try SondeConfig.parse("ship:\n  cloudwatch: {include: [host_cpu_utilization_percent, gunicorn_requests_total], dimensions: [instance, app, status_class, id]}\n", file: nil).ship.cloudwatch, appended: [])
            .datums(from: store, start: Self.base, end: Self.base + 180_000)
        try await MotoServer.with { server in
            // The first two requests fail: connection trouble, then Throttling.
            let endpoint = FaultyEndpoint(server) { call, _ in
                switch call {
                case 1: AWSError(kind: .transport, message: "connection refused", retryable: true)
                case 2: AWSError(kind: .service, code: "Throttling", status: 400, message: "Rate exceeded", retryable: true)
                default: nil
                }
            }
            try ShipCursor(minute: Self.base).save(directory.path + "/cursor.json")
            let now = Self.base + 180_000 + 20_000
            #expect(try await shipper(store, directory, endpoint).ship(now: now) == ShipCursor(minute: Self.base), "the outage keeps the cursor")
            #expect(try await shipper(store, directory, endpoint).ship(now: now) == ShipCursor(minute: Self.base), "so does Throttling")
            // A new shipper is a restart: it reads the cursor from disk.
            #expect(try await shipper(store, directory, endpoint).ship(now: now) == ShipCursor(minute: Self.base + 180_000))
            #expect(try await shipper(store, directory, endpoint).ship(now: now + 30_000) == ShipCursor(minute: Self.base + 180_000), "nothing new to send")
            #expect(endpoint.delivered.withLock { $0 } == expected, "every datum once, oldest first")
            // The month's ledger is on file beside the cursor: the metrics CloudWatch took, the requests.
            let ledger = try #require(ShipLedger.load(directory.path + "/cloudwatch-month.json"))
            let metrics = Set(expected.map { [$0.metricName] + $0.dimensions.map { "\($0.name)=\($0.value)" } })
            #expect(ledger.metrics.count == metrics.count && ledger.requests == 3, "one request a minute: \(ledger)")

            // What CloudWatch holds equals the store.
            let metric = CloudWatchClient.Metric(namespace: "Sonde", name: "gunicorn_requests_total", dimensions: [
                CloudWatchClient.Dimension("app", "shop"), CloudWatchClient.Dimension("status_class", "2xx"),
            ])
            let results = try await endpoint.client.getMetricData(
                [CloudWatchClient.MetricStatQuery(id: "s", metric: metric, periodSeconds: 60, stat: "Sum")], start: Self.base, end: Self.base + 180_000)
            #expect(results.first?.points.sorted { $0.timestamp < $1.timestamp }.map(\.value) == [25, 30, 5])
        }
    }

    @Test func aRefusedDatumIsIsolatedAndDropped() async throws {
        let (directory, store) = try ShipDatumsTests().store()
        defer { directory.remove() }
        try await MotoServer.with { server in
            let endpoint = FaultyEndpoint(server) { _, datums in
                datums.contains { $0.metricName == "gunicorn_requests_total" && $0.timestamp == Self.base + 120_000 }
                    ? AWSError(kind: .service, code: "InvalidParameterValue", status: 400, message: "The value 5 for parameter MetricData.member.2.Value is invalid.")
                    : nil
            }
            try ShipCursor(minute: Self.base).save(directory.path + "/cursor.json")
            let shipper = try shipper(store, directory, endpoint)
            #expect(await shipper.ship(now: Self.base + 200_000) == ShipCursor(minute: Self.base + 180_000))
            #expect(shipper.statistics.datumsRejected == 1)
            #expect(endpoint.delivered.withLock { $0 }.count == 5, "3 CPU minutes and 3 request minutes, less the refused one: \(endpoint.delivered.withLock { $0 }.map(\.metricName))")
            #expect(shipper.statistics.errors["InvalidParameterValue"] == 2, "the minute's request, then the datum alone")
        }
    }

    @Test func aMinuteOfMoreThanOneRequestResumesWhereItStopped() async throws {
        let directory = TemporaryDirectory("sonde-ship")
        defer { directory.remove() }
        let store = try Store.open(directory: directory.path + "/data")
        for id in 0..<2_500 {
            store.append(Labels(name: "host_cpu_utilization_percent", ["id": String(id)]), timestamp: Self.base + 30_000, value: Double(id))
        }
        try await MotoServer.with { server in
            // The second request fails: the first thousand are on file as sent.
            let endpoint = FaultyEndpoint(server) { call, _ in call == 2 ? AWSError(kind: .service, code: "ServiceUnavailable", status: 503, message: "busy", retryable: true) : nil }
            try ShipCursor(minute: Self.base).save(directory.path + "/cursor.json")
            #expect(try await shipper(store, directory, endpoint).ship(now: Self.base + 80_000) == ShipCursor(minute: Self.base, datumsSent: 1_000))
            #expect(try await shipper(store, directory, endpoint).ship(now: Self.base + 80_000) == ShipCursor(minute: Self.base + 60_000))
            let delivered = endpoint.delivered.withLock { $0 }
            #expect(delivered.count == 2_500 && Set(delivered.map(\.dimensions)).count == 2_500, "each of the 2,500 datums once")
            #expect(endpoint.calls.load(ordering: .relaxed) == 4, "1,000, a failure, 1,000, 500")
        }
    }

    @Test func requestsStayUnderOneMegabyte() async throws {
        let directory = TemporaryDirectory("sonde-ship")
        defer { directory.remove() }
        let store = try Store.open(directory: directory.path + "/data")
        // 1,000 datums whose dimension values are long: more than 1 MB of form body together.
        let padding = String(repeating: "x", count: 900)
        for id in 0..<1_000 {
            store.append(Labels(name: "host_cpu_utilization_percent", ["id": "\(id)-\(padding)"]), timestamp: Self.base + 30_000, value: Double(id))
        }
        try await MotoServer.with { server in
            let endpoint = FaultyEndpoint(server) { _, datums in
                CloudWatchClient.PutMetricDataRequest(namespace: "Sonde", datums).body.count > CloudWatchClient.maxRequestBytes
                    ? AWSError(kind: .service, code: "RequestEntityTooLarge", status: 413, message: "over 1 MB") : nil
            }
            try ShipCursor(minute: Self.base).save(directory.path + "/cursor.json")
            #expect(try await shipper(store, directory, endpoint).ship(now: Self.base + 80_000) == ShipCursor(minute: Self.base + 60_000))
            #expect(endpoint.calls.load(ordering: .relaxed) == 2, "two requests of 500")
            #expect(endpoint.delivered.withLock { $0 }.count == 1_000)
        }
    }

    /// At 1 s a minute of 20 series is 1,200 datums, two requests: a backlog is capped per round,
    /// the minutes that came due since the last round are not.
    @Test func highResolutionMinutesThatCameDueAlwaysGo() async throws {
        let directory = TemporaryDirectory("sonde-ship")
        defer { directory.remove() }
        let store = try Store.open(directory: directory.path + "/data")
        for second in 0..<180 {
            for id in 0..<20 {
                store.append(Labels(name: "node_load1", ["instance": "i\(id)"]), timestamp: Self.base + Int64(second) * 1000, value: Double(second))
            }
        }
        let config = try SondeConfig.parse("ship:\n  cloudwatch: {resolution: 1s, include: [node_load1], dimensions: [instance]}\n", file: nil).ship.cloudwatch
        try await MotoServer.with { server in
            let endpoint = FaultyEndpoint(server)
            func shipper() -> CloudWatchShipper {
                CloudWatchShipper(
                    planner: ShipDatums(config: config, appended: []), store: store, cursorPath: directory.path + "/cursor.json",
                    interval: .seconds(60), maxRequestsPerRound: 1, logger: Self.quiet, send: endpoint.send)
            }
            let now = Self.base + 180_000 + 20_000
            try ShipCursor(minute: Self.base).save(directory.path + "/cursor.json")
            #expect(await shipper().ship(now: now) == ShipCursor(minute: Self.base, datumsSent: 1_000), "backlog: one request a round")
            try ShipCursor(minute: Self.base + 120_000).save(directory.path + "/cursor.json")
            #expect(await shipper().ship(now: now) == ShipCursor(minute: Self.base + 180_000), "the minute due: both its requests")
            let delivered = endpoint.delivered.withLock { $0 }
            #expect(delivered.count == 2_200 && delivered.allSatisfy { $0.storageResolution == 1 && $0.value != nil })
            #expect(endpoint.calls.load(ordering: .relaxed) == 3)
        }
    }

    @Test func startsAtNowWithoutACursorAndSkipsWhatCloudWatchWouldRefuse() async throws {
        let (directory, store) = try ShipDatumsTests().store()
        defer { directory.remove() }
        try await MotoServer.with { server in
            let endpoint = FaultyEndpoint(server)
            let fresh = try shipper(store, directory, endpoint)
            #expect(await fresh.ship(now: Self.base + 200_000) == ShipCursor(minute: Self.base + 180_000))
            #expect(endpoint.calls.load(ordering: .relaxed) == 0, "history before shipping was enabled is not sent")
            #expect(try ShipCursor.load(directory.path + "/cursor.json") == ShipCursor(minute: Self.base + 180_000), "and the start is on file")
            try ShipCursor(minute: Self.base - 15 * 24 * 3_600_000).save(directory.path + "/cursor.json")
            let late = try shipper(store, directory, endpoint)
            let cursor = await late.ship(now: Self.base + 200_000)
            #expect(late.statistics.minutesTooOld >= 24 * 60, "\(late.statistics.minutesTooOld)")
            #expect(late.statistics.emptyMinutesJumped >= 14 * 24 * 60 - 10, "two weeks of nothing passed over an hour at a time: \(late.statistics)")
            #expect(cursor == ShipCursor(minute: Self.base + 180_000))
            #expect(endpoint.delivered.withLock { $0 }.count == 6, "the minutes CloudWatch still takes, with their data, went")
        }
    }
}
