import SondeCore
import SondeNotify
#if canImport(Glibc)
import Glibc
#endif

/// The status page as one HTML document, in the order an operator looks: what is on fire (alerts),
/// what the host and its services have been doing (charts over the chosen range), and whether sonde
/// itself is well (collectors, store). No script: the range is chosen with plain links, the charts
/// are `<img>` of `/graph`, and styles sit in one inline `<style>`.
struct StatusPageHTML {
    var report: AgentStatusReport
    /// The silences on file, to say which alerts they mute; an unreadable file is said, not hidden.
    var silences: Result<[Silence], SondeError>
    /// The range as asked (`6h`), repeated in the charts' links; `range` is it in milliseconds.
    var rangeText: String
    var range: Int64
    var hostname: String

    /// Each chart's size on the page: two side by side in a 1280-pixel window.
    static let chartWidth = 580
    static let chartHeight = 220

    func render() -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>sonde · \(HTMLText.escaped(hostname, maxCharacters: 100))</title>\n"
        html += "<style>\n\(Self.styles)</style>\n</head>\n<body>\n<main>\n"
        html += header()
        html += alertsSection()
        html += chartsSection()
        html += collectorsSection()
        html += storeSection()
        html += "<footer class=\"muted\">The same as JSON: <a href=\"/api/v1/status/sonde\">/api/v1/status/sonde</a> · "
        html += "alerts: <a href=\"/api/v1/alerts\">/api/v1/alerts</a> · sonde's own metrics: <a href=\"/metrics\">/metrics</a></footer>\n"
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    private func header() -> String {
        var facts = ["sonde \(HTMLText.escaped(report.version))", "started \(HTMLText.ago(report.startedAt, now: report.now))"]
        facts.append(report.ready ? "<span class=\"ok\">ready</span>" : "<span class=\"bad\">starting</span>")
        facts.append("\(report.ruleGroups) rule group\(report.ruleGroups == 1 ? "" : "s")")
        if let entries = report.outboxEntries { facts.append("\(ValueLabel.string(entries, unit: .plain)) notifications waiting to be sent") }
        facts.append("as of \(HTMLText.time(report.now))")
        return "<header>\n<h1><span class=\"muted\">sonde ·</span> \(HTMLText.escaped(hostname, maxCharacters: 100))</h1>\n<p class=\"muted\">"
            + facts.joined(separator: " · ") + "</p>\n</header>\n"
    }

    private func chartsSection() -> String {
        var html = "<section id=\"charts\">\n<h2>Last \(HTMLText.escaped(DurationParser.format(range)))</h2>\n<nav class=\"ranges\">Range: "
        for offered in StatusPageChart.offeredRanges {
            let current = (try? GraphRequest.range(offered)) == range
            html += "<a href=\"/?range=\(offered)\"\(current ? " aria-current=\"page\"" : "")>\(offered)</a> "
        }
        html += "</nav>\n<div class=\"charts\">\n"
        let window = StatusPageChart.rateWindow(forRange: range)
        for chart in StatusPageChart.all {
            let expression = chart.expression(window)
            func graph(width: Int, height: Int) -> String {
                "/graph?" + HTMLText.query([
                    ("expr", expression), ("range", rangeText), ("unit", chart.unit.rawValue), ("title", chart.title),
                    ("width", String(width)), ("height", String(height)),
                ])
            }
            // Each chart links to a larger copy of itself; the expression is on hover, to copy into Grafana.
            html += "<a href=\"\(graph(width: 1200, height: 420))\"><img src=\"\(graph(width: Self.chartWidth, height: Self.chartHeight))\" "
            html += "width=\"\(Self.chartWidth)\" alt=\"\(HTMLText.escaped(chart.title))\" title=\"\(HTMLText.escaped(expression))\"></a>\n"
        }
        html += "</div>\n</section>\n"
        return html
    }

    /// This machine's name, for the page's heading and title.
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "sonde" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "sonde" : name
    }

    static let styles = """
        body { margin: 0; background: #f4f5f7; color: #222; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        main { max-width: 1240px; margin: 0 auto; padding: 16px 20px 24px; }
        header { margin-bottom: 12px; }
        h1 { font-size: 22px; margin: 0 0 2px; }
        h2 { font-size: 16px; margin: 0 0 10px; }
        header p { margin: 0; }
        section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 14px 16px; margin-bottom: 14px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceef1; vertical-align: top; }
        th { color: #666; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.03em; }
        tr:last-child td { border-bottom: none; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.nowrap { white-space: nowrap; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
        .firing .badge { background: #c62828; }
        .pending .badge { background: #d98200; }
        .badge.silenced { background: #777; margin-top: 3px; }
        code.label { display: inline-block; background: #eef1f5; border-radius: 3px; padding: 0 5px; margin: 0 4px 3px 0; font-size: 12px; word-break: break-all; }
        .ok { color: #2e7d32; font-weight: 600; }
        .bad { color: #c62828; font-weight: 600; }
        .muted { color: #777; }
        .error { color: #b71c1c; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-word; }
        .calm { color: #2e7d32; margin: 0; }
        nav.ranges { margin-bottom: 10px; }
        nav.ranges a { display: inline-block; padding: 1px 10px; margin-right: 2px; border: 1px solid #c5ccd6; border-radius: 4px; color: #2b5d8c; text-decoration: none; }
        nav.ranges a[aria-current] { background: #4e79a7; border-color: #4e79a7; color: #fff; }
        .charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
        /* Each chart sits in a frame as tall as its row, so a chart without a legend lines up with its neighbour. */
        .charts a { display: block; background: #fff; border: 1px solid #e3e6ea; border-radius: 4px; overflow: hidden; }
        .charts img { display: block; width: 100%; height: auto; }
        @media (max-width: 900px) { .charts { grid-template-columns: minmax(0, 1fr); } }
        footer { font-size: 12px; }
        footer a { color: inherit; }

        """
}
