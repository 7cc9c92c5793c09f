#if canImport(Glibc)
import Glibc
#endif
import SondeCore
import SondeNet
import Synchronization

/// Checks one target per run, an HTTP(S) exchange or a TCP connection, and reports what it found
/// (`ProbeMetrics`). Each probe is its own collector (`probe:NAME`) on its own schedule, and every
/// request goes to the shared libcurl multi-handle thread, so probes never wait for each other.
///
/// A failed check is a result (`probe_success` 0 and a counted reason), not an error of the
/// collector. Every run uses a new connection and a new DNS lookup, so the phases measure what a
/// new client would see. It does not retry, and it never reads more than `maxBodyBytes` of a body.
public final class ProbeCollector: Collector {
    public enum Target: Sendable, Equatable {
        case http(HTTPRequest)
        case tcp(host: String, port: Int, ipVersion: HTTPRequest.IPVersion)
    }

    public struct Settings: CollectorSettings {
        public var name: String
        /// The `target` label: the URL without user-info.
        public var targetLabel: String
        public var target: Target
        public var timeout: Duration
        public var expectStatus: [Int] = []
        public var mustMatch: [ProbeBodyPattern] = []
        public var mustNotMatch: [ProbeBodyPattern] = []

        public init(name: String, targetLabel: String, target: Target, timeout: Duration) {
            self.name = name
            self.targetLabel = targetLabel
            self.target = target
            self.timeout = timeout
        }
    }

    /// A probe reads at most this much of a body (more fails it with reason `body`).
    public static let maxBodyBytes = 1 << 20

    public let name: String
    public let settings: Settings
    private let client: HTTPClient
    private let clock: any SondeClock
    private let failures = Mutex<[ProbeFailure: UInt64]>([:])

    public init(
        settings: Settings, client: HTTPClient = HTTPClient(configuration: .init(maxResponseBodyBytes: ProbeCollector.maxBodyBytes)),
        clock: any SondeClock = SystemClock()
    ) {
        self.name = "probe:\(settings.name)"
        self.settings = settings
        self.client = client
        self.clock = clock
    }

    public func collect(into batch: inout MetricBatch) async throws {
        let outcome = await probe()
        if let failure = outcome.failure { failures.withLock { $0[failure, default: 0] += 1 } }
        ProbeMetrics.add(
            outcome, failures: failures.withLock { $0 }, probe: settings.name, target: settings.targetLabel, nowSeconds: clock.wallMilliseconds / 1000, to: &batch)
    }

    /// One check, timed from start to end.
    public func probe() async -> ProbeOutcome {
        let clock = self.clock
        let start = clock.monotonic
        func elapsed() -> Double { (clock.monotonic - start).inSeconds }
        do {
            switch settings.target {
            case .http(let request):
                let response = try await client.send(request)
                return ProbeOutcome.evaluate(
                    response, expectStatus: settings.expectStatus, mustMatch: settings.mustMatch, mustNotMatch: settings.mustNotMatch, durationSeconds: elapsed())
            case .tcp(let host, let port, let ipVersion):
                let info = try await client.connect(host: host, port: port, timeout: settings.timeout, ipVersion: ipVersion)
                return ProbeOutcome(failure: nil, durationSeconds: elapsed(), info: info)
            }
        } catch {
            return ProbeOutcome(failure: ProbeOutcome.failure(of: error), durationSeconds: elapsed())
        }
    }
}
