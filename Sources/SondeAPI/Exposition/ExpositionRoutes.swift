import Hummingbird
import SondeCore
import SondeStore
import SondeNet

/// `/metrics`: sonde's own `sonde_*` metrics (the API's live counters, and the rest from the store
/// at their latest value), plus any stored series named by `match[]`; `/federate`: the series named by
/// `match[]` with each one's latest sample and its timestamp, as Prometheus federates.
struct ExpositionRoutes {
    let sources: APISources
    let statistics: APIStatistics

    /// Prometheus' lookback: a series without a sample in the last 5 minutes is not exposed.
    static let lookbackMilliseconds: Int64 = 300_000
    /// Every series sonde records about itself.
    static let ownMetrics = try! LabelMatcher(name: Labels.metricNameLabel, op: .regexMatch, value: "sonde_.*")

    func register(on router: Router<APIRequestContext>) {
        router.get("/metrics") { request, context in
            let parameters = try await RequestParameters.read(request, context: context)
            return try self.metrics(request, parameters)
        }
        router.get("/federate") { request, context in
            let parameters = try await RequestParameters.read(request, context: context)
            return try self.federate(request, parameters)
        }
    }

    func metrics(_ request: Request, _ parameters: RequestParameters) throws(APIError) -> Response {
        let now = sources.clock.wallMilliseconds
        let since = now - Self.lookbackMilliseconds
        var samples: [TextExposition.Sample] = []
        var seen = Set<Labels>()
        func add(_ labels: Labels, _ value: Double, _ timestamp: Int64? = nil) {
            if seen.insert(labels).inserted { samples.append(TextExposition.Sample(labels: labels, value: value, timestamp: timestamp)) }
        }
        // Live values first: they are newer than what the store last recorded of the same series.
        for (labels, value) in statistics.samples() { add(labels, value) }
        add(Labels([Label(Labels.metricNameLabel, "sonde_build_info"), Label("version", SondeBuild.version)]), 1)
        add(Labels(name: "sonde_start_time_seconds"), Double(sources.startedAt) / 1000)
        for sample in sources.store.latestSamples(matching: [Self.ownMetrics], since: since) { add(sample.labels, sample.value) }
        for selector in try PrometheusParameters.selectors(parameters.all("match[]")) {
            for sample in sources.store.latestSamples(matching: selector.matchers, since: since) { add(sample.labels, sample.value) }
        }
        let format = TextExposition.Format.negotiate(request.headers[.accept])
        return Self.respond(TextExposition.render(samples, format: format, typed: true), format: format, request: request)
    }

    func federate(_ request: Request, _ parameters: RequestParameters) throws(APIError) -> Response {
        let selectors = try PrometheusParameters.selectors(parameters.all("match[]"))
        let since = sources.clock.wallMilliseconds - Self.lookbackMilliseconds
        var samples: [TextExposition.Sample] = []
        var seen = Set<Labels>()
        for selector in selectors {
            for sample in sources.store.latestSamples(matching: selector.matchers, since: since) where seen.insert(sample.labels).inserted {
                samples.append(TextExposition.Sample(labels: sample.labels, value: sample.value, timestamp: sample.timestamp))
            }
        }
        let format = TextExposition.Format.negotiate(request.headers[.accept])
        return Self.respond(TextExposition.render(samples, format: format, typed: false), format: format, request: request)
    }

    static func respond(_ body: [UInt8], format: TextExposition.Format, request: Request) -> Response {
        if Gzip.accepted(request.headers[.acceptEncoding]), body.count > 1024, let compressed = Gzip.compress(body) {
            return APIResponse.bytes(compressed, contentType: format.contentType, headers: [.contentEncoding: "gzip", .vary: "Accept-Encoding"])
        }
        return APIResponse.bytes(body, contentType: format.contentType, headers: [.vary: "Accept-Encoding"])
    }
}
