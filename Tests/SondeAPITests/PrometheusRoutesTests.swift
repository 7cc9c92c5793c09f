import HTTPTypes
import SondeAPI
import SondeCore
import Testing

@Suite struct PrometheusRoutesTests {
    let now: Int64 = 1_800_000_000_000

    func api() throws -> InProcessAPI {
        let api = try InProcessAPI()
        api.append(Labels([Label("__name__", "node_load1"), Label("instance", "a")]), (0..<30).map { (now - Int64(29 - $0) * 10_000, Double($0)) })
        api.append(Labels([Label("__name__", "node_load1"), Label("instance", "b")]), [(now - 10_000, 7)])
        return api
    }

    @Test func instantQueryAnswersInPrometheusShape() async throws {
        let api = try api()
        let answer = try await api.get("/api/v1/query?query=node_load1%7Binstance%3D%22a%22%7D&time=1800000000")
        #expect(answer.status == 200)
        #expect(answer.body == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"node_load1","instance":"a"},"value":[1800000000,"29"]}]}}"#)
        #expect(answer.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(answer.header("Access-Control-Allow-Origin") == nil)
    }

    @Test func formPostAndRangeQuery() async throws {
        let api = try api()
        let answer = try await api.postForm("/api/v1/query_range", "query=sum(node_load1)&start=1799999960&end=1800000000&step=20")
        #expect(answer.status == 200)
        #expect(answer.body.contains(#""resultType":"matrix""#))
        #expect(answer.body.contains(#"[1800000000,"36"]"#))
    }

    @Test func subqueriesAtAndMaxSourceResolution() async throws {
        let api = try api()
        for query in ["max_over_time(sum(node_load1)%5B1m%3A20s%5D)", "sum(node_load1%20%40%201800000000)", "sum(node_load1)&max_source_resolution=raw"] {
            let answer = try await api.get("/api/v1/query?query=" + query + "&time=1800000000")
            #expect(answer.status == 200 && answer.body.contains(#""36""#), "\(query): \(answer.body)")
        }
    }

    @Test func malformedInputIsBadDataNever500() async throws {
        let api = try api()
        for path in [
            "/api/v1/query?query=sum(", "/api/v1/query", "/api/v1/query?query=up&time=yesterday", "/api/v1/query?query=%zz",
            "/api/v1/query_range?query=up&start=10&end=5&step=1", "/api/v1/query_range?query=up&start=0&end=100000000&step=1",
            "/api/v1/query_range?query=up&start=0&end=10&step=0", "/api/v1/series", "/api/v1/series?match[]=%7B%7D",
            "/api/v1/query?query=up&max_source_resolution=5m", "/api/v1/query?query=up&tier=2m",
            "/api/v1/label/1bad/values", "/api/v1/query?query=up%7Bjob%3D~%22(a%2B)%2B%22%7D",
        ] {
            let answer = try await api.get(path)
            #expect(answer.status == 400, "\(path): \(answer.body)")
            #expect(answer.body.hasPrefix(#"{"status":"error","errorType":"bad_data","error":"#), "\(path)")
        }
    }

    @Test func refusalsInPrometheusWordsAndTypes() async throws {
        let api = try api()
        let parse = try await api.get("/api/v1/query?query=sum(node_load1&time=1800000000")
        #expect(parse.status == 400)
        #expect(parse.body == #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:15: parse error: unclosed left parenthesis"}"#)
        let rangeParse = try await api.get("/api/v1/query_range?query=sum(node_load1&start=1799999960&end=1800000000&step=20")
        #expect(rangeParse.body == #"{"status":"error","errorType":"bad_data","error":"1:15: parse error: unclosed left parenthesis"}"#)
        // The query parsed; its evaluation refused it: Prometheus' execution error, 422.
        let execution = try await api.get("/api/v1/query?query=holt_winters(node_load1%5B5m%5D,2,0.5)&time=1800000000")
        #expect(execution.status == 422)
        #expect(execution.body == #"{"status":"error","errorType":"execution","error":"invalid smoothing factor. Expected: 0 < sf < 1, got: 2.000000"}"#)
    }

    @Test func hostileRegularExpressionIsRefusedWithAReason() async throws {
        let api = try api()
        let answer = try await api.get("/api/v1/series?match[]=node_load1%7Binstance%3D~%22(a%7Ca)*%22%7D")
        #expect(answer.status == 400)
        #expect(answer.body.contains("exponential time"))
    }

    @Test func sampleLimitGives422() async throws {
        let api = try api()
        api.settings.maxSamples = 10
        let answer = try await api.get("/api/v1/query?query=count_over_time(node_load1%5B10m%5D)&time=1800000000")
        #expect(answer.status == 422)
        #expect(answer.body.contains(#""errorType":"execution""#))
        #expect(answer.body.contains("too many samples"))
    }

    @Test func oversizeBodyIsRefused() async throws {
        let api = try api()
        let answer = try await api.postForm("/api/v1/query", "query=" + String(repeating: "a", count: (1 << 20) + 10))
        #expect(answer.status == 413)
    }

    @Test func tokenIsRequiredExceptForHealthy() async throws {
        let api = try api()
        api.settings.token = "0123456789abcdef0123"
        #expect(try await api.get("/api/v1/labels").status == 401)
        #expect(try await api.get("/api/v1/labels", headers: [.authorization: "Bearer wrong"]).status == 401)
        #expect(try await api.get("/api/v1/labels", headers: [.authorization: "Bearer 0123456789abcdef0123"]).status == 200)
        #expect(try await api.get("/-/healthy").status == 200)
    }

    @Test func seriesLabelsAndValues() async throws {
        let api = try api()
        #expect(try await api.get("/api/v1/series?match[]=node_load1").body
            == #"{"status":"success","data":[{"__name__":"node_load1","instance":"a"},{"__name__":"node_load1","instance":"b"}]}"#)
        #expect(try await api.get("/api/v1/labels").body == #"{"status":"success","data":["__name__","instance"]}"#)
        #expect(try await api.get("/api/v1/label/instance/values").body == #"{"status":"success","data":["a","b"]}"#)
        #expect(try await api.get("/api/v1/metadata").body.contains(#""node_load1":[{"type":"gauge""#))
        #expect(try await api.get("/api/v1/status/buildinfo").body.contains(#""version":"2.42.0""#))
    }

    @Test func federateAndMetrics() async throws {
        let api = try api()
        let federated = try await api.get("/federate?match[]=node_load1")
        #expect(federated.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(federated.body == "# TYPE node_load1 untyped\nnode_load1{instance=\"a\"} 29 1800000000000\nnode_load1{instance=\"b\"} 7 1799999990000\n")
        let metrics = try await api.get("/metrics", headers: [.accept: "application/openmetrics-text; version=1.0.0"])
        #expect(metrics.body.contains("# TYPE sonde_build_info gauge"))
        #expect(metrics.body.hasSuffix("# EOF\n"))
        let gzipped = try await api.get("/metrics?match[]=node_load1", headers: [.acceptEncoding: "gzip"])
        #expect(gzipped.bytes.count < 1024 || gzipped.header("Content-Encoding") == "gzip")
        #expect(try await api.get("/-/ready").status == 503)
    }

    @Test func goFloatFormatsAsPrometheusDoes() {
        #expect(GoFloat.exponent(1) == "1e+00")
        #expect(GoFloat.exponent(1.5) == "1.5e+00")
        #expect(GoFloat.exponent(123456) == "1.23456e+05")
        #expect(GoFloat.exponent(0.00025) == "2.5e-04")
    }
}

/// The requests Grafana's Prometheus data source makes (its backend posts forms by default, with
/// Unix seconds that carry a fraction and its own headers): "Save & test", a panel's range query,
/// the query editor's label and metric lists.
@Suite struct GrafanaRequestTests {
    let now: Int64 = 1_800_000_000_000
    let grafanaHeaders: HTTPFields = [
        HTTPField.Name("X-Grafana-Org-Id")!: "1", HTTPField.Name("X-Dashboard-Uid")!: "abc", HTTPField.Name("X-Panel-Id")!: "2",
        .userAgent: "Grafana/11.3.0", .acceptEncoding: "gzip",
    ]

    @Test func grafanaDataSourceRequests() async throws {
        let api = try InProcessAPI()
        api.append(Labels([Label("__name__", "node_load1"), Label("instance", "a")]), (0..<30).map { (now - Int64(29 - $0) * 10_000, Double($0)) })
        let test = try await api.postForm("/api/v1/query", "query=1%2B1&time=1800000000.123", headers: grafanaHeaders)
        #expect(test.status == 200 && test.body.contains(#""resultType":"scalar","result":[1800000000.123,"2"]"#), "\(test.body)")
        let build = try await api.get("/api/v1/status/buildinfo", headers: grafanaHeaders)
        #expect(build.body.contains(#""version":"2.42.0""#))
        let panel = try await api.postForm(
            "/api/v1/query_range", "query=rate(node_load1%5B1m%5D)&start=1799999700&end=1800000000&step=15&timeout=30s", headers: grafanaHeaders)
        #expect(panel.status == 200 && panel.body.contains(#""resultType":"matrix""#), "\(panel.body)")
        let names = try await api.get("/api/v1/label/__name__/values?start=1799996400&end=1800000000", headers: grafanaHeaders)
        #expect(names.body == #"{"status":"success","data":["node_load1"]}"#, "\(names.body)")
        let labels = try await api.postForm("/api/v1/labels", "start=1799996400&end=1800000000", headers: grafanaHeaders)
        #expect(labels.body.contains(#""instance""#), "\(labels.body)")
        let series = try await api.postForm("/api/v1/series", "match%5B%5D=node_load1&start=1799996400&end=1800000000", headers: grafanaHeaders)
        #expect(series.body.contains(#""instance":"a""#), "\(series.body)")
        let values = try await api.get("/api/v1/label/instance/values?match%5B%5D=node_load1&start=1799996400&end=1800000000", headers: grafanaHeaders)
        #expect(values.body == #"{"status":"success","data":["a"]}"#, "\(values.body)")
        let metadata = try await api.get("/api/v1/metadata?metric=node_load1", headers: grafanaHeaders)
        #expect(metadata.status == 200 && metadata.body.contains("node_load1"), "\(metadata.body)")
        let exemplars = try await api.postForm("/api/v1/query_exemplars", "query=node_load1&start=1799996400&end=1800000000", headers: grafanaHeaders)
        #expect(exemplars.body == #"{"status":"success","data":[]}"#, "\(exemplars.body)")
        let rules = try await api.get("/api/v1/rules", headers: grafanaHeaders)
        #expect(rules.body == #"{"status":"success","data":{"groups":[]}}"#)
    }
}
