import Logging
import SondeAWS
import SondeCollectors
import SondeCore
import SondeNet
import SondeTestSupport
import Testing
@testable import SondeAgent

/// The billing collector under the real scheduler and store: what lands in the store, and that a
/// failing billing run is counted without holding anything else up.
@Suite("Billing under the scheduler", .exclusiveMachineUse, .serialized)
struct BillingRunnerTests {
    let logger = Logger(label: "test")
    /// 2024-03-10T12:00:00Z.
    static let now: Int64 = 1_710_072_000_000

    @Test("the estimate is stored at its datapoint's time, the projection at the round's instant")
    func stored() async throws {
        try await MotoServer.with { server in
            // moto checks nothing here: any key pair signs.
            let credentials = AWSCredentials(accessKeyID: "AKIDMOTO", secretAccessKey: "secret", source: "test")
            let cloudWatch = CloudWatchClient(endpoint: server.endpoint, region: "us-east-1", credentials: StaticCredentialsProvider(credentials), http: HTTPClient(), retry: .none)
            let march1 = Self.now - (9 * 24 + 12) * 3_600_000  // 2024-03-01T00:00:00Z
            try await cloudWatch.putMetricData(namespace: "AWS/Billing", [
                .init(metricName: "EstimatedCharges", dimensions: [.init("Currency", "USD")], timestamp: march1 - 6 * 3_600_000, value: 400),
                .init(metricName: "EstimatedCharges", dimensions: [.init("Currency", "USD")], timestamp: march1 + 4 * 3_600_000, value: 10),
                .init(metricName: "EstimatedCharges", dimensions: [.init("Currency", "USD")], timestamp: march1 + (8 * 24 + 4) * 3_600_000, value: 74),
            ])
            let fixture = try TemporaryStore()
            let collector = BillingCollector(
                settings: BillingCollector.Settings(endpoint: server.endpoint), credentials: StaticCredentialsProvider(credentials), now: { Self.now })
            let clock = TestClock()
            let runner = CollectorRunner(
                schedule: CollectorSchedule(collector: collector, settings: NothingToConfigure(), interval: .seconds(1)), store: fixture.store, clock: clock, logger: logger)
            let task = Task { await runner.run() }
            try await runRounds(2, clock: clock, of: ["billing"], in: fixture)
            task.cancel()
            await task.value
            let estimate = try fixture.values("aws_billing_estimated_charges_usd", ["currency": "USD"])
            // The same datapoint each round: stored once, at its own time.
            #expect(estimate.timestamps == [march1 + (8 * 24 + 4) * 3_600_000])
            #expect(estimate.values == [74])
            let projection = try fixture.values("aws_billing_projected_charges_usd", ["currency": "USD"])
            let success = try fixture.values("sonde_collector_success", ["collector": "billing"])
            #expect(!projection.timestamps.isEmpty)
            #expect(projection.timestamps == success.timestamps)
            // $10 → $74 over 8 days, $8 a day for the 22 days 20 hours left of March.
            #expect(projection.values.allSatisfy { abs($0 - (74 + 8 * (22 + 20.0 / 24))) < 1e-9 })
            #expect(success.values.allSatisfy { $0 == 1 })
        }
    }

    @Test("an unreachable endpoint counts billing errors and leaves another collector's rounds alone")
    func failureIsolated() async throws {
        try await LoopbackServer.withClosedPort { port in
            let fixture = try TemporaryStore()
            let billing = BillingCollector(
                settings: BillingCollector.Settings(endpoint: "http://127.0.0.1:\(port)", retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10))),
                credentials: StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", source: "test")), now: { Self.now })
            let identity = InstanceIdentityCollector(identity: InstanceIdentity.offEC2(hostname: "test-host"))
            let clock = TestClock()
            let runners = [
                CollectorRunner(schedule: CollectorSchedule(collector: billing, settings: NothingToConfigure(), interval: .seconds(1)), store: fixture.store, clock: clock, logger: logger),
                CollectorRunner(schedule: CollectorSchedule(collector: identity, settings: NothingToConfigure(), interval: .seconds(1)), store: fixture.store, clock: clock, logger: logger),
            ]
            let tasks = runners.map { runner in Task { await runner.run() } }
            try await runRounds(3, clock: clock, of: ["billing", identity.name], in: fixture)
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
            let errors = try fixture.values("sonde_collector_errors_total", ["collector": "billing"])
            #expect(errors.values.count >= 2)
            #expect(errors.values == (1...errors.values.count).map(Double.init))
            #expect(try fixture.values("sonde_collector_success", ["collector": "billing"]).values.allSatisfy { $0 == 0 })
            #expect(try fixture.values("aws_billing_estimated_charges_usd").values.isEmpty)
            let other = try fixture.values("sonde_collector_success", ["collector": identity.name])
            #expect(other.values.count == errors.values.count)
            #expect(other.values.allSatisfy { $0 == 1 })
        }
    }
}
