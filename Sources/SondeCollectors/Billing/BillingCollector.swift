import Logging
import SondeAWS
import SondeCore
import SondeNet

/// The AWS bill so far and where it is heading: `EstimatedCharges` of namespace `AWS/Billing`
/// (dimension `Currency=USD`, and per `ServiceName` when asked), read with CloudWatch's
/// `GetMetricData` over the current month, hourly by default (docs/billing.md).
///
/// Stores the latest datapoint at its own timestamp (`aws_billing_estimated_charges_usd`), and the
/// month-end projection (`aws_billing_projected_charges_usd`, see `BillingProjection`) at the
/// round's instant, so a rule always has a recent projection to compare. Billing metrics live in
/// us-east-1 whatever the host's region, so the endpoint and the signing region are us-east-1's.
///
/// Any failure (no credentials, an unreachable endpoint, access denied, throttling after the
/// retries) is thrown: the runner counts it in `sonde_collector_errors_total` and logs it once per
/// change, and no other collector is affected. It does not keep state between runs: each run asks
/// for the whole month so far (one request, at most 744 hourly points a series).
public final class BillingCollector: Collector {
    public struct Settings: CollectorSettings {
        /// `https://monitoring.us-east-1.amazonaws.com`.
        public var endpoint: String
        /// Also one series per AWS service (`ServiceName`), found with `ListMetrics`.
        public var perService: Bool
        /// For each HTTP attempt.
        public var requestTimeout: Duration
        public var retry: RetryPolicy

        public init(endpoint: String = BillingCollector.defaultEndpoint, perService: Bool = false, requestTimeout: Duration = .seconds(10), retry: RetryPolicy = RetryPolicy()) {
            self.endpoint = endpoint
            self.perService = perService
            self.requestTimeout = requestTimeout
            self.retry = retry
        }

        /// `collectors.billing`.
        public init(_ config: BillingConfig) {
            self.init(endpoint: config.endpoint, perService: config.perService)
        }
    }

    public static let defaultEndpoint = "https://monitoring.us-east-1.amazonaws.com"
    /// Billing metrics exist only in us-east-1.
    public static let region = "us-east-1"
    public static let namespace = "AWS/Billing"
    public static let metricName = "EstimatedCharges"
    /// One datapoint an hour: AWS publishes a few a day, and a month of hours is 744 points.
    public static let periodSeconds = 3600
    /// CloudWatch's limit of queries in one `GetMetricData` request.
    static let queriesPerRequest = 500

    public let name = "billing"
    public let settings: Settings
    private let client: CloudWatchClient
    private let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - credentials: usually `AWSCredentialsChain.standard(…)`.
    ///   - now: the wall clock (milliseconds); tests pin it.
    public init(
        settings: Settings, credentials: any AWSCredentialsProvider, http: HTTPClient = HTTPClient(),
        now: @escaping @Sendable () -> Int64 = { SystemClock().wallMilliseconds }
    ) {
        self.settings = settings
        self.now = now
        self.client = CloudWatchClient(query: AWSQueryClient(
            endpoint: settings.endpoint, service: "monitoring", region: Self.region, version: CloudWatchClient.apiVersion, credentials: credentials,
            http: http, retry: settings.retry, timeout: settings.requestTimeout, now: now))
    }

    public func collect(into batch: inout MetricBatch) async throws {
        let now = self.now()
        let month = BillingProjection.monthBounds(containing: now)
        let total = CloudWatchClient.Metric(namespace: Self.namespace, name: Self.metricName, dimensions: [.init("Currency", "USD")])
        var queries = [CloudWatchClient.MetricStatQuery(id: "total", metric: total, periodSeconds: Self.periodSeconds, stat: "Maximum")]
        var services: [String: String] = [:]  // query id → service name
        if settings.perService {
            for (index, service) in try await serviceNames().enumerated() {
                let id = "s\(index)"
                services[id] = service
                queries.append(CloudWatchClient.MetricStatQuery(
                    id: id,
                    metric: CloudWatchClient.Metric(namespace: Self.namespace, name: Self.metricName, dimensions: [.init("ServiceName", service), .init("Currency", "USD")]),
                    periodSeconds: Self.periodSeconds, stat: "Maximum", label: service))
            }
        }
        // From the first instant of the month to the end of the current hour.
        let end = max(month.start + 3_600_000, (now / 3_600_000 + 1) * 3_600_000)
        var results: [MetricDataResult] = []
        var offset = 0
        while offset < queries.count {
            let slice = Array(queries[offset..<min(queries.count, offset + Self.queriesPerRequest)])
            results += try await client.getMetricData(slice, start: month.start, end: end)
            offset += slice.count
        }
        for result in results where result.statusCode == "Forbidden" || result.statusCode == "InternalError" {
            throw SondeError(.io, "billing: GetMetricData at \(client.query.redactedEndpoint): result \(result.id) (\(services[result.id] ?? "total")) has status \(result.statusCode)")
        }

        func add(_ metric: String, _ value: Double, timestamp: Int64?, service: String?) {
            var labels = [Label(Labels.metricNameLabel, metric), Label("currency", "USD")]
            if let service { labels.append(Label("service", service)) }
            batch.add(MetricSample(labels: Labels(labels), value: value, timestamp: timestamp))
        }
        if let result = results.first(where: { $0.id == "total" }) {
            let points = BillingProjection.currentMonth(result.points, now: now)
            if let latest = points.last { add("aws_billing_estimated_charges_usd", latest.value, timestamp: latest.timestamp, service: nil) }
            if let projection = BillingProjection.project(points, now: now) { add("aws_billing_projected_charges_usd", projection, timestamp: nil, service: nil) }
        }
        for result in results {
            guard let service = services[result.id], let latest = BillingProjection.currentMonth(result.points, now: now).last else { continue }
            add("aws_billing_estimated_charges_usd", latest.value, timestamp: latest.timestamp, service: service)
        }
    }

    /// The services that have a USD `EstimatedCharges` series, sorted.
    func serviceNames() async throws(AWSError) -> [String] {
        let metrics = try await client.listMetrics(namespace: Self.namespace, metricName: Self.metricName)
        var names = Set<String>()
        for metric in metrics where metric.dimensions.count == 2 && metric.dimensions.contains(.init("Currency", "USD")) {
            if let service = metric.dimensions.first(where: { $0.name == "ServiceName" })?.value, !service.isEmpty { names.insert(service) }
        }
        return names.sorted()
    }
}
