import Hummingbird
import SondeCore
import SondeRules
import SondeStore

/// `/api/v1/series`, `/api/v1/labels`, `/api/v1/label/{name}/values` and `/api/v1/metadata`, read
/// from the store's in-memory index (no disk read). A `start` leaves out series whose newest sample
/// is older; `end` is not needed, since the index holds no series from the future.
struct PrometheusSeriesRoutes {
    let sources: APISources

    func register(on router: Router<APIRequestContext>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/series", method: method) { request, context in
                let parameters = try await RequestParameters.read(request, context: context)
                return try self.series(parameters)
            }
            router.on("/api/v1/labels", method: method) { request, context in
                let parameters = try await RequestParameters.read(request, context: context)
                return try self.labelNames(parameters)
            }
        }
        router.get("/api/v1/label/:name/values") { request, context in
            let parameters = try await RequestParameters.read(request, context: context)
            return try self.labelValues(context.parameters.get("name") ?? "", parameters)
        }
        router.get("/api/v1/metadata") { request, context in
            let parameters = try await RequestParameters.read(request, context: context)
            return try self.metadata(parameters)
        }
    }

    /// The series matching any of `match[]` (every series when `required` is false and none is given).
    private func matching(_ parameters: RequestParameters, required: Bool) throws(APIError) -> [Labels] {
        let texts = parameters.all("match[]")
        if required && texts.isEmpty { throw APIError.badData("no match[] parameter provided") }
        let since = try parameters["start"].map { (text) throws(APIError) in try PrometheusParameters.time(text, name: "start") }
        if let end = parameters["end"] { _ = try PrometheusParameters.time(end, name: "end") }
        if texts.isEmpty { return sources.store.seriesLabels(matching: [], since: since) }
        var seen = Set<Labels>()
        var result: [Labels] = []
        for selector in try PrometheusParameters.selectors(texts) {
            for labels in sources.store.seriesLabels(matching: selector.matchers, since: since) where seen.insert(labels).inserted {
                result.append(labels)
            }
        }
        return result
    }

    private func limit(_ parameters: RequestParameters) throws(APIError) -> Int {
        guard let text = parameters["limit"], !text.isEmpty else { return .max }
        guard let limit = Int(text), limit >= 0 else { throw APIError.badData("invalid parameter \"limit\": expected a whole number, got \"\(text)\"") }
        return limit == 0 ? .max : limit
    }

    func series(_ parameters: RequestParameters) throws(APIError) -> Response {
        let limit = try limit(parameters)
        let series = try matching(parameters, required: true).sorted { $0.description < $1.description }.prefix(limit)
        return APIResponse.success("[" + series.map(PrometheusJSON.labels).joined(separator: ",") + "]")
    }

    func labelNames(_ parameters: RequestParameters) throws(APIError) -> Response {
        var names = Set<String>()
        for labels in try matching(parameters, required: false) {
            for pair in labels.pairs { names.insert(pair.name) }
        }
        return APIResponse.success(Self.stringArray(names.sorted().prefix(try limit(parameters))))
    }

    func labelValues(_ name: String, _ parameters: RequestParameters) throws(APIError) -> Response {
        guard MetricNames.isValidLabelName(name) else { throw APIError.badData("invalid label name: \"\(name)\"") }
        var values = Set<String>()
        for labels in try matching(parameters, required: false) {
            if let value = labels[name] { values.insert(value) }
        }
        return APIResponse.success(Self.stringArray(values.sorted().prefix(try limit(parameters))))
    }

    /// Types inferred from the names (sonde keeps no HELP text): `_total` counters, `_info`
    /// info-style gauges, `_bucket` histograms' buckets; everything else a gauge.
    func metadata(_ parameters: RequestParameters) throws(APIError) -> Response {
        let wanted = parameters["metric"].flatMap { $0.isEmpty ? nil : $0 }
        var names = Set<String>()
        let selector = wanted.map { [LabelMatcher.equal(Labels.metricNameLabel, $0)] } ?? []
        for labels in sources.store.seriesLabels(matching: selector) { names.insert(labels.metricName) }
        let entries = names.sorted().prefix(try limit(parameters)).map { name in
            PrometheusJSON.string(name) + ":[{\"type\":\"\(Self.inferredType(name))\",\"help\":\"\",\"unit\":\"\"}]"
        }
        return APIResponse.success("{" + entries.joined(separator: ",") + "}")
    }

    static func inferredType(_ name: String) -> String {
        if name.hasSuffix("_total") { return "counter" }
        if name.hasSuffix("_bucket") { return "histogram" }
        return "gauge"
    }

    static func stringArray(_ values: some Sequence<String>) -> String {
        "[" + values.map(PrometheusJSON.string).joined(separator: ",") + "]"
    }
}
