import HTTPTypes
import SondeAPI
import SondeCore
import SondeRules
import Testing

/// `/` and `/graph` in process: what a browser gets, and what it must never get (script, markup
/// from a label, a 500).
@Suite struct StatusPageTests {
    let now: Int64 = 1_800_000_000_000
    let hour: Int64 = 3_600_000

    /// Every 10 s over the last hour.
    var times: [Int64] { (0..<360).map { now - hour + Int64($0) * 10_000 } }

    func labels(_ name: String, _ pairs: [String: String] = [:]) -> Labels { Labels(name: name, pairs) }

    /// The series the status page's charts read, as sonde's collectors name them.
    func apiWithCollectorSeries() throws -> InProcessAPI {
        let api = try InProcessAPI()
        let times = times
        api.append(labels("host_cpu_utilization_percent"), times.map { ($0, 20 + Double($0 / 10_000 % 7)) })
        api.append(labels("host_memory_used_percent"), times.map { ($0, 61.5) })
        api.append(labels("host_filesystem_used_percent", ["device": "/dev/root", "fstype": "ext4", "mountpoint": "/"]), times.map { ($0, 42) })
        for (index, time) in times.enumerated() {
            let count = Double(index)
            // myapp serves 2xx and a few 5xx; quiet serves 2xx only, so its 5xx share is 0, not absent.
            api.append(labels("gunicorn_requests_total", ["app": "myapp", "status_class": "2xx", "status": "200"]), [(time, count * 50)])
            api.append(labels("gunicorn_requests_total", ["app": "myapp", "status_class": "5xx", "status": "502"]), [(time, count)])
            api.append(labels("gunicorn_requests_total", ["app": "quiet", "status_class": "2xx", "status": "200"]), [(time, count * 3)])
            for (bound, share) in [("0.1", 0.5), ("0.5", 0.9), ("1", 0.97), ("+Inf", 1.0)] {
                api.append(labels("gunicorn_request_duration_seconds_bucket", ["app": "myapp", "route": "/", "le": bound]), [(time, count * 51 * share)])
            }
            api.append(labels("postgres_connections", ["server": "main", "database": "app", "state": "active"]), [(time, 3)])
            api.append(labels("postgres_connections", ["server": "main", "database": "app", "state": "idle"]), [(time, 12)])
            api.append(labels("probe_duration_seconds", ["probe": "health", "target": "https://example.com/health/"]), [(time, 0.12)])
        }
        return api
    }

    /// An alerting rule whose alert fires, with a hostile label value and annotation.
    func addFiringAlert(to api: InProcessAPI) throws {
        let file = try RuleFile.parse("""
            groups:
              - name: host
                rules:
                  - alert: HighLoad
                    expr: node_load1 > 5
                    for: 1m
                    annotations: {summary: 'load is high'}
            """)
        let group = file.groups[0]
        let alert = ActiveAlert(
            labels: Labels([Label("alertname", "HighLoad"), Label("instance", "<script>alert(1)</script>")]),
            annotations: ["summary": "load <b>7</b> & rising"], state: .firing, value: 7, activeAt: now - 600_000, firedAt: now - 540_000)
        let evaluator = RuleGroupEvaluator(group: group, restoring: [RuleGroupEvaluator.stateKey(group: "host", rule: group.rules[0]): [alert]])
        let now = now
        api.sources.ruleGroups = {
            [RuleGroupSnapshot(file: "host.yaml", evaluator: evaluator, intervalMilliseconds: 10_000, lastEvaluation: now, lastDurationSeconds: 0)]
        }
    }

    /// The `src` of every `<img>`, as a browser would request it.
    func imageSources(_ html: String) -> [String] {
        html.matches(of: /<img src="([^"]*)"/).map { String($0.1).replacing("&amp;", with: "&") }
    }

    @Test func graphDrawsStoredDataAsSVG() async throws {
        let api = try apiWithCollectorSeries()
        let answer = try await api.get("/graph?expr=host_memory_used_percent&range=1h&unit=percent&title=Memory")
        #expect(answer.status == 200, "\(answer.body)")
        #expect(answer.header("Content-Type") == "image/svg+xml; charset=utf-8")
        #expect(answer.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(answer.body.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(answer.body.contains("<polyline"))
        #expect(answer.body.contains(">61.5%</tspan>"), "the legend shows the last value in the unit asked")
        #expect(answer.body.contains("<title>Memory</title>"))
        #expect(!answer.body.contains("<script"))
    }

    @Test func graphOfNothingSaysNoData() async throws {
        let api = try apiWithCollectorSeries()
        let answer = try await api.get("/graph?expr=absent_metric_name&range=15m")
        #expect(answer.status == 200)
        #expect(answer.body.contains(">no data</text>"))
        #expect(!answer.body.contains("<polyline"))
    }

    @Test func graphRefusesBadInputWith400NeverA500() async throws {
        let api = try apiWithCollectorSeries()
        for path in [
            "/graph", "/graph?expr=sum(", "/graph?expr=host_memory_used_percent%5B5m%5D", "/graph?expr=up&range=0s", "/graph?expr=up&range=32d",
            "/graph?expr=up&range=yesterday", "/graph?expr=up&unit=furlongs", "/graph?expr=up&width=wide", "/graph?expr=up&height=99999",
        ] {
            let answer = try await api.get(path)
            #expect(answer.status == 400, "\(path): \(answer.body)")
            #expect(answer.body.hasPrefix(#"{"status":"error","errorType":"bad_data","error":"#), "\(path): \(answer.body)")
        }
        #expect(try await api.get("/graph?expr=up&range=1h").body.contains("invalid parameter") == false)
        #expect(try await api.get("/graph?expr=up&range=31d").status == 200)
    }

    @Test func graphKeepsTheQueryAPIsLimits() async throws {
        let api = try apiWithCollectorSeries()
        api.settings.maxSamples = 100
        let answer = try await api.get("/graph?expr=count_over_time(host_memory_used_percent%5B1h%5D)&range=1h")
        #expect(answer.status == 422, "as /api/v1/query_range: \(answer.body)")
        #expect(answer.body.contains("too many samples"))
    }

    @Test func everyChartOfThePageDrawsTheCollectorsSeries() async throws {
        let api = try apiWithCollectorSeries()
        let page = try await api.get("/")
        let sources = imageSources(page.body)
        #expect(sources.count == 8)
        for source in sources {
            let chart = try await api.get(source)
            #expect(chart.status == 200, "\(source): \(chart.body)")
            #expect(chart.body.contains("<polyline"), "\(source) draws a line")
            #expect(!chart.body.contains(">NaN<"), "\(source)")
        }
        let share = try await api.get(try #require(sources.first { $0.contains("title=HTTP%205xx") }))
        #expect(share.body.contains(#"{app=&quot;quiet&quot;}<tspan dx="8" font-weight="bold">0%</tspan>"#), "an app without 5xx shows 0%")
        #expect(share.body.contains(#"{app=&quot;myapp&quot;}<tspan dx="8" font-weight="bold">1.96%</tspan>"#), "1 in 51 requests fails")
    }

    @Test func pageListsFiringAlertsFirstAndEscapesThem() async throws {
        let api = try apiWithCollectorSeries()
        try addFiringAlert(to: api)
        let answer = try await api.get("/")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "text/html; charset=utf-8")
        #expect(answer.header("Content-Security-Policy") == "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        let body = answer.body
        #expect(!body.contains("<script"), "no script of ours, and none from a label")
        #expect(body.contains("instance=&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(body.contains("load &lt;b&gt;7&lt;/b&gt; &amp; rising"))
        #expect(body.contains("1 firing, 0 pending"))
        #expect(body.contains("for <time datetime=\"2027-01-15T07:51:00.000Z\" title=\"2027-01-15 07:51:00 UTC\">9m</time>"))
        let alert = try #require(body.firstRange(of: "<strong>HighLoad</strong>"))
        let firstChart = try #require(body.firstRange(of: "<img "))
        #expect(alert.lowerBound < firstChart.lowerBound, "alerts come before the charts")
    }

    @Test func silencedAlertIsMarked() async throws {
        let api = try apiWithCollectorSeries()
        try addFiringAlert(to: api)
        try api.sources.silences.add(
            matchers: ["alertname=HighLoad"], startsAt: now - 60_000, endsAt: now + hour, createdBy: "ops", comment: "known", now: now)
        let body = try await api.get("/").body
        #expect(body.contains("silenced until 2027-01-15 09:00:00 UTC"))
    }

    @Test func rangeLinksAndChartsFollowTheChosenRange() async throws {
        let api = try apiWithCollectorSeries()
        let body = try await api.get("/?range=6h").body
        for range in ["15m", "1h", "6h", "24h", "7d"] { #expect(body.contains("<a href=\"/?range=\(range)\"")) }
        #expect(body.contains("<a href=\"/?range=6h\" aria-current=\"page\">6h</a>"))
        let sources = imageSources(body)
        #expect(!sources.isEmpty)
        for source in sources {
            #expect(source.hasPrefix("/graph?expr="), "\(source)")
            #expect(source.contains("&range=6h&"), "\(source)")
        }
        #expect(body.contains("gunicorn_requests_total%5B5m%5D"))
        // A week's steps are longer than 5 minutes: the rate window grows with them.
        #expect(try await api.get("/?range=7d").body.contains("gunicorn_requests_total%5B33m36s%5D"))
        #expect(try await api.get("/?range=forever").status == 400)
    }

    @Test func emptyAgentRendersSensibly() async throws {
        let api = try InProcessAPI()
        let answer = try await api.get("/")
        #expect(answer.status == 200)
        #expect(answer.body.contains("Nothing is firing or pending: no alerting rules are loaded"))
        #expect(answer.body.contains("No collector has started yet."))
        #expect(answer.body.contains("<th>Tier</th>"))
        let chart = try await api.get(try #require(imageSources(answer.body).first))
        #expect(chart.body.contains(">no data</text>"))
    }

    @Test func collectorHealthIsShownAndEscaped() async throws {
        let api = try InProcessAPI()
        api.sources.board.collectorRan("host", at: now - 5_000, seconds: 0.004, error: nil)
        api.sources.board.collectorRan("postgres:main", at: now - 12_000, seconds: 2, error: "connection refused <127.0.0.1:5432>")
        let body = try await api.get("/").body
        #expect(body.contains("<strong>host</strong></td><td><span class=\"ok\">ok</span>"))
        #expect(body.contains("<span class=\"bad\">failing</span>"))
        #expect(body.contains("connection refused &lt;127.0.0.1:5432&gt;"))
        #expect(body.contains(">5s</time> ago"))
    }
}
