import HTTPTypes
import Hummingbird
import SondeCore
import SondeNotify

/// `/`, the status page (HTML: alerts, charts, collectors, store), and `/graph`, one chart as SVG.
/// Both are made to be served under the API's Content-Security-Policy: no script, no asset from
/// elsewhere, styles inline, images only from `/graph` on the same origin.
struct StatusPageRoutes {
    let queries: QueryRunner
    var sources: APISources { queries.sources }

    func register(on router: Router<APIRequestContext>) {
        router.get("/") { request, context in
            let parameters = try await RequestParameters.read(request, context: context)
            return try self.page(parameters)
        }
        router.get("/graph") { request, context in
            let parameters = try await RequestParameters.read(request, context: context)
            return try await self.graph(parameters)
        }
    }

    /// Both answers describe this moment: a browser must not show yesterday's chart from its cache.
    static let noStore: HTTPFields = [.cacheControl: "no-store"]

    func page(_ parameters: RequestParameters) throws(APIError) -> Response {
        let range = try GraphRequest.range(parameters["range"])
        let report = AgentStatusReport.gather(sources)
        let silences: Result<[Silence], SondeError> = Result { () throws(SondeError) in try sources.silences.load() }
        let html = StatusPageHTML(
            report: report, silences: silences, rangeText: parameters["range"].flatMap { $0.isEmpty ? nil : $0 } ?? "1h", range: range,
            hostname: StatusPageHTML.hostname()
        ).render()
        return APIResponse.bytes(Array(html.utf8), contentType: "text/html; charset=utf-8", headers: Self.noStore)
    }

    /// The range query over the last `range`, drawn; evaluated through the same runner, limits and
    /// gate as `/api/v1/query_range`, so it fails with the same codes.
    func graph(_ parameters: RequestParameters) async throws(APIError) -> Response {
        let chart = try GraphRequest(parameters)
        let end = sources.clock.wallMilliseconds
        let start = end - chart.range
        let svg = try await queries.range(chart.expr, start: start, end: end, step: chart.step, limits: queries.limits()) { series in
            SVGChart.render(
                title: chart.title, series: GraphLegend.chartSeries(series, title: chart.title), start: start, end: end, unit: chart.unit,
                width: chart.width, height: chart.height)
        }
        return APIResponse.bytes(Array(svg.utf8), contentType: "image/svg+xml; charset=utf-8", headers: Self.noStore)
    }
}
