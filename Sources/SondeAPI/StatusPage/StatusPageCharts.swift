import SondeCore

/// The charts of the status page: what the host, the Gunicorn app, PostgreSQL and the probes look
/// like, from the metrics sonde's own collectors store (Host/, Gunicorn/, SondePostgres, Probe/).
/// A collector that is not configured leaves its chart showing "no data".
struct StatusPageChart: Sendable {
    var title: String
    var unit: ChartUnit
    /// The PromQL for a chart whose rates are taken over `window` (a Prometheus duration).
    var expression: @Sendable (_ window: String) -> String

    /// The ranges the page offers as links (15 minutes for an agent just started or a change just
    /// made); `/?range=` takes any other up to `GraphRequest.maximumRange`.
    static let offeredRanges = ["15m", "1h", "6h", "24h", "7d"]

    /// The window of `rate()` for a chart over `range`: 5 minutes (several samples of a 10 s to 60 s
    /// collector, as Prometheus' own rule of thumb), or one step when steps are longer, so no
    /// requests between two points go uncounted on a week's chart.
    static func rateWindow(forRange range: Int64) -> String {
        DurationParser.format(max(300_000, GraphRequest.step(forRange: range)))
    }

    static let all: [StatusPageChart] = [
        // The collector's own figure (busy share of all CPUs since its previous run), as the host alerts use.
        StatusPageChart(title: "CPU used", unit: .percent) { _ in "host_cpu_utilization_percent" },
        StatusPageChart(title: "Memory used", unit: .percent) { _ in "host_memory_used_percent" },
        StatusPageChart(title: "Disk used by mount point", unit: .percent) { _ in "host_filesystem_used_percent" },
        StatusPageChart(title: "HTTP requests by status class", unit: .perSecond) { window in
            "sum by (app, status_class) (rate(gunicorn_requests_total[\(window)]))"
        },
        // `or … * 0` gives 0 rather than no line while the app serves requests and none fails.
        StatusPageChart(title: "HTTP 5xx share of requests", unit: .ratio) { window in
            "(sum by (app) (rate(gunicorn_requests_total{status_class=\"5xx\"}[\(window)])) or sum by (app) (rate(gunicorn_requests_total[\(window)])) * 0)"
                + " / sum by (app) (rate(gunicorn_requests_total[\(window)]))"
        },
        StatusPageChart(title: "HTTP p95 latency", unit: .seconds) { window in
            "histogram_quantile(0.95, sum by (app, le) (rate(gunicorn_request_duration_seconds_bucket[\(window)])))"
        },
        StatusPageChart(title: "PostgreSQL connections by state", unit: .plain) { _ in "sum by (server, state) (postgres_connections)" },
        StatusPageChart(title: "Probe duration", unit: .seconds) { _ in "probe_duration_seconds" },
    ]
}
