import Hummingbird
import SondeCore
import SondeRules
import SondeStore

/// `/api/v1/query` and `/api/v1/query_range`, GET or form POST, as Prometheus answers them; and
/// `/api/v1/query_exemplars`, which Grafana asks and which has nothing to return here.
struct PrometheusQueryRoutes {
    let queries: QueryRunner
    var sources: APISources { queries.sources }

    func register(on router: Router<APIRequestContext>) {
        for path in ["/api/v1/query", "/api/v1/query_range", "/api/v1/query_exemplars"] {
            router.get(RouterPath(path)) { request, context in try await self.answer(path, request, context) }
            router.post(RouterPath(path)) { request, context in try await self.answer(path, request, context) }
        }
    }

    private func answer(_ path: String, _ request: Request, _ context: APIRequestContext) async throws(APIError) -> Response {
        let parameters = try await RequestParameters.read(request, context: context)
        switch path {
        case "/api/v1/query": return try await instant(parameters)
        case "/api/v1/query_range": return try await range(parameters)
        default:
            _ = try PrometheusParameters.expression(parameters)
            return APIResponse.success("[]")
        }
    }

    /// The limits for one query: the API's, with a shorter deadline when `timeout` asks for one.
    func limits(_ parameters: RequestParameters) throws(APIError) -> PromQLLimits {
        guard let text = parameters["timeout"], !text.isEmpty else { return queries.limits() }
        let asked = try PrometheusParameters.duration(text, name: "timeout")
        guard asked > 0 else { throw APIError.badData("invalid parameter \"timeout\": must be positive") }
        return queries.limits(timeout: .milliseconds(asked))
    }

    func instant(_ parameters: RequestParameters) async throws(APIError) -> Response {
        let expr = try PrometheusParameters.expression(parameters)
        let at = try PrometheusParameters.time(parameters, "time", default: sources.clock.wallMilliseconds)
        let body = try await queries.instant(
            expr, at: at, tier: try PrometheusParameters.tier(parameters), maxRollup: try PrometheusParameters.maxSourceResolution(parameters), limits: try limits(parameters)
        ) {
            PrometheusJSON.instant($0, at: at)
        }
        return APIResponse.success(body)
    }

    func range(_ parameters: RequestParameters) async throws(APIError) -> Response {
        guard let startText = parameters["start"] else { throw APIError.badData("invalid parameter \"start\": cannot parse \"\" to a valid timestamp") }
        guard let endText = parameters["end"] else { throw APIError.badData("invalid parameter \"end\": cannot parse \"\" to a valid timestamp") }
        guard let stepText = parameters["step"] else { throw APIError.badData("invalid parameter \"step\": cannot parse \"\" to a valid duration") }
        let start = try PrometheusParameters.time(startText, name: "start")
        let end = try PrometheusParameters.time(endText, name: "end")
        let step = try PrometheusParameters.duration(stepText, name: "step")
        guard end >= start else { throw APIError.badData("invalid parameter \"end\": end timestamp must not be before start time") }
        guard step > 0 else {
            throw APIError.badData("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard (end - start) / step < PromQLEngine.maximumRangePoints else {
            throw APIError.badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        // Read after the times, as Prometheus does, and worded as it words them here.
        let expr = try PrometheusParameters.expression(parameters["query"], name: "query", naming: false)
        let body = try await queries.range(
            expr, start: start, end: end, step: step, tier: try PrometheusParameters.tier(parameters),
            maxRollup: try PrometheusParameters.maxSourceResolution(parameters), limits: try limits(parameters)
        ) { series in
            PrometheusJSON.matrix(series.map { ($0.labels, $0.timestamps, $0.values) })
        }
        return APIResponse.success(body)
    }
}
