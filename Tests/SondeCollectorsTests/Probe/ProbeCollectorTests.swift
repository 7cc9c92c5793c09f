#if canImport(Glibc)
import Glibc
#endif
import SondeCollectors
@testable import SondeCore
import SondeNet
import SondeTestSupport
import Testing

/// The value of `name{labels…}` in `batch` (labels beyond `probe` and `target`), or nil.
func value(_ batch: MetricBatch, _ name: String, _ labels: [String: String] = [:]) -> Double? {
    batch.samples.first { sample in
        sample.labels.metricName == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
    }?.value
}

/// Parses one `collectors.probes[]` entry (YAML flow mapping) the way the agent does.
func probeSettings(_ entry: String) throws -> ProbeCollector.Settings {
    let config = try SondeConfig.parse("collectors:\n  probes:\n    - \(entry)\n", file: "test.yaml", context: ConfigContext(environment: [:], readFile: { _ in "" }))
    return try ProbeCollector.Settings(try #require(config.collectors.probes.first))
}

func collect(_ settings: ProbeCollector.Settings, times: Int = 1) async throws -> MetricBatch {
    let collector = ProbeCollector(settings: settings)
    var batch = MetricBatch()
    for _ in 0..<times {
        batch = MetricBatch()
        try await collector.collect(into: &batch)
    }
    return batch
}

@Suite("Probes against real servers on 127.0.0.1", .exclusiveMachineUse)
struct ProbeCollectorTests {
    func withServer<T>(_ arguments: [String] = [], _ body: (LoopbackServer) async throws -> T) async throws -> T {
        try await LoopbackServer.with(script: httpTestServerScript, arguments: arguments, body)
    }

    @Test("a healthy target: success, status, bytes, phases, HTTP version; no failures counted")
    func healthy() async throws {
        try await withServer { server in
            let batch = try await collect(try probeSettings("{name: web, url: '\(server.base)/hello', body_must_match: ['hello, s.nde']}"))
            #expect(value(batch, "probe_success") == 1)
            #expect(value(batch, "probe_http_status_code") == 200)
            #expect(value(batch, "probe_response_bytes") == 12)
            #expect(value(batch, "probe_http_version") == 1.1)
            #expect(value(batch, "probe_redirects") == 0)
            #expect(value(batch, "probe_phase_duration_seconds", ["phase": "connect"]) != nil)
            #expect(value(batch, "probe_phase_duration_seconds", ["phase": "tls"]) == 0)
            #expect((value(batch, "probe_duration_seconds") ?? 0) > 0)
            #expect(value(batch, "probe_tls_cert_expiry_timestamp_seconds") == nil)
            for reason in ProbeFailure.allCases { #expect(value(batch, "probe_failures_total", ["reason": reason.rawValue]) == 0) }
            #expect(batch.samples.allSatisfy { $0.labels["probe"] == "web" && $0.labels["target"] == server.base + "/hello" })
        }
    }

    @Test("a slow server runs into the probe's timeout, counted each run")
    func slow() async throws {
        try await withServer { server in
            let batch = try await collect(try probeSettings("{name: slow, url: '\(server.base)/slow?ms=3000', interval: 5s, timeout: 300ms}"), times: 2)
            #expect(value(batch, "probe_success") == 0)
            #expect(value(batch, "probe_failures_total", ["reason": "timeout"]) == 2)
            #expect(value(batch, "probe_http_status_code") == nil)
            #expect((value(batch, "probe_duration_seconds") ?? 9) < 3)
        }
    }

    @Test("redirects: followed and counted by default; not followed, the 302 fails unless expected")
    func redirects() async throws {
        try await withServer { server in
            let followed = try await collect(try probeSettings("{name: r, url: '\(server.base)/redirect?n=2'}"))
            #expect(value(followed, "probe_success") == 1)
            #expect(value(followed, "probe_redirects") == 2)
            #expect(value(followed, "probe_http_status_code") == 200)
            let stopped = try await collect(try probeSettings("{name: r, url: '\(server.base)/redirect?n=2', follow_redirects: false}"))
            #expect(value(stopped, "probe_success") == 0)
            #expect(value(stopped, "probe_http_status_code") == 302)
            #expect(value(stopped, "probe_failures_total", ["reason": "status"]) == 1)
            let expected = try await collect(try probeSettings("{name: r, url: '\(server.base)/redirect', follow_redirects: false, expect_status: [302]}"))
            #expect(value(expected, "probe_success") == 1)
        }
    }

    @Test("a wrong status fails with reason status; an expected one passes")
    func wrongStatus() async throws {
        try await withServer { server in
            let wrong = try await collect(try probeSettings("{name: s, url: '\(server.base)/status?code=503'}"))
            #expect(value(wrong, "probe_success") == 0)
            #expect(value(wrong, "probe_http_status_code") == 503)
            #expect(value(wrong, "probe_failures_total", ["reason": "status"]) == 1)
            let expected = try await collect(try probeSettings("{name: s, url: '\(server.base)/status?code=404', expect_status: [404]}"))
            #expect(value(expected, "probe_success") == 1)
        }
    }

    @Test("body patterns: a must-match that misses and a must-not-match that hits both fail with reason body")
    func wrongBody() async throws {
        try await withServer { server in
            let missing = try await collect(try probeSettings("{name: b, url: '\(server.base)/hello', body_must_match: ['goodbye']}"))
            #expect(value(missing, "probe_success") == 0)
            #expect(value(missing, "probe_failures_total", ["reason": "body"]) == 1)
            let forbidden = try await collect(try probeSettings("{name: b, url: '\(server.base)/hello', body_must_not_match: ['^hel+o,']}"))
            #expect(value(forbidden, "probe_success") == 0)
            #expect(value(forbidden, "probe_failures_total", ["reason": "body"]) == 1)
            let clean = try await collect(try probeSettings("{name: b, url: '\(server.base)/gzip', body_must_match: [compressed], body_must_not_match: [error]}"))
            #expect(value(clean, "probe_success") == 1)
        }
    }

    @Test("a self-signed certificate fails with tls unless its CA is configured; then expiry and TLS version are reported")
    func selfSigned() async throws {
        let directory = TestFiles.makeDirectory("sonde-probe-tls")
        defer { TestFiles.removeTree(directory) }
        try await withServer(["tls", directory]) { server in
            let url = "https://127.0.0.1:\(server.port)/hello"
            let refused = try await collect(try probeSettings("{name: t, url: '\(url)'}"))
            #expect(value(refused, "probe_success") == 0)
            #expect(value(refused, "probe_failures_total", ["reason": "tls"]) == 1)
            let trusted = try await collect(try probeSettings("{name: t, url: '\(url)', tls: {ca_file: '\(directory)/cert.pem'}}"))
            #expect(value(trusted, "probe_success") == 1)
            let daysLeft = try #require(value(trusted, "probe_tls_cert_days_left"))
            #expect(daysLeft > 0.9 && daysLeft <= 1.0)
            #expect((value(trusted, "probe_tls_cert_expiry_timestamp_seconds") ?? 0) > Double(time(nil)))
            #expect(trusted.samples.contains { $0.labels.metricName == "probe_tls_version_info" && $0.labels["version"]?.hasPrefix("TLSv1.") == true })
            #expect((value(trusted, "probe_phase_duration_seconds", ["phase": "tls"]) ?? 0) > 0)
        }
    }

    @Test("an expired certificate fails with tls even with its CA; insecure reports negative days left")
    func expired() async throws {
        let directory = TestFiles.makeDirectory("sonde-probe-expired")
        defer { TestFiles.removeTree(directory) }
        try await withServer(["tls", directory, "expired"]) { server in
            let url = "https://127.0.0.1:\(server.port)/hello"
            let refused = try await collect(try probeSettings("{name: e, url: '\(url)', tls: {ca_file: '\(directory)/cert.pem'}}"))
            #expect(value(refused, "probe_success") == 0)
            #expect(value(refused, "probe_failures_total", ["reason": "tls"]) == 1)
            let insecure = try await collect(try probeSettings("{name: e, url: '\(url)', tls: {insecure: true}}"))
            #expect(value(insecure, "probe_success") == 1)
            #expect((value(insecure, "probe_tls_cert_days_left") ?? 0) < -0.9)
        }
    }

    @Test("a closed port fails with connect, a name under .invalid with dns, over HTTP and TCP")
    func unreachable() async throws {
        try await LoopbackServer.withClosedPort { port in
            for url in ["http://127.0.0.1:\(port)/", "tcp://127.0.0.1:\(port)"] {
                let batch = try await collect(try probeSettings("{name: c, url: '\(url)', timeout: 2s}"))
                #expect(value(batch, "probe_success") == 0, "\(url)")
                #expect(value(batch, "probe_failures_total", ["reason": "connect"]) == 1, "\(url)")
            }
        }
        for url in ["http://sonde-probe-test.invalid/", "tcp://sonde-probe-test.invalid:5432"] {
            let batch = try await collect(try probeSettings("{name: d, url: '\(url)', timeout: 5s}"))
            #expect(value(batch, "probe_success") == 0, "\(url)")
            #expect(value(batch, "probe_failures_total", ["reason": "dns"]) == 1, "\(url)")
        }
    }

    @Test("tcp:// up: success with dns and connect phases, no HTTP metrics")
    func tcpUp() async throws {
        try await withServer { server in
            let batch = try await collect(try probeSettings("{name: db, url: 'tcp://127.0.0.1:\(server.port)'}"))
            #expect(value(batch, "probe_success") == 1)
            #expect(value(batch, "probe_phase_duration_seconds", ["phase": "connect"]) != nil)
            #expect(value(batch, "probe_http_status_code") == nil)
            #expect(value(batch, "probe_http_version") == nil)
        }
    }

    @Test("100 probes run at once without waiting for each other")
    func hundredAtOnce() async throws {
        try await withServer { server in
            let collectors = try (0..<100).map { index in
                ProbeCollector(settings: try probeSettings("{name: p\(index), url: '\(server.base)/held?ms=1500', timeout: 20s}"))
            }
            let successes = try await withThrowingTaskGroup(of: Double.self) { group in
                for collector in collectors {
                    group.addTask {
                        var batch = MetricBatch()
                        try await collector.collect(into: &batch)
                        return value(batch, "probe_success") ?? -1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(successes == 100)
            let maximum = try await HTTPClient().send(HTTPRequest(url: server.base + "/max-in-flight"))
            #expect((Int(maximum.text) ?? 0) >= 90, "at most \(maximum.text) probes in flight at once")
        }
    }
}

@Suite("Probe outcomes and metrics (pure)")
struct ProbeOutcomeTests {
    @Test("status and body judgement")
    func evaluate() throws {
        let ok = HTTPResponse(status: 204, body: Array("all good".utf8))
        #expect(ProbeOutcome.evaluate(ok, expectStatus: [], mustMatch: [], mustNotMatch: [], durationSeconds: 0.1).success)
        #expect(ProbeOutcome.evaluate(ok, expectStatus: [200], mustMatch: [], mustNotMatch: [], durationSeconds: 0.1).failure == .status)
        let redirect = HTTPResponse(status: 301)
        #expect(ProbeOutcome.evaluate(redirect, expectStatus: [], mustMatch: [], mustNotMatch: [], durationSeconds: 0.1).failure == .status)
        #expect(ProbeOutcome.evaluate(ok, expectStatus: [], mustMatch: [try ProbeBodyPattern("g[o]+d")], mustNotMatch: [], durationSeconds: 0).success)
        #expect(ProbeOutcome.evaluate(ok, expectStatus: [], mustMatch: [try ProbeBodyPattern("bad")], mustNotMatch: [], durationSeconds: 0).failure == .body)
        #expect(ProbeOutcome.evaluate(ok, expectStatus: [], mustMatch: [], mustNotMatch: [try ProbeBodyPattern("good$")], durationSeconds: 0).failure == .body)
        // Invalid UTF-8 from the server is matched as replacement characters, not trusted.
        let garbage = HTTPResponse(status: 200, body: [0xff, 0xfe, 0x6f, 0x6b])
        #expect(ProbeOutcome.evaluate(garbage, expectStatus: [], mustMatch: [try ProbeBodyPattern("ok")], mustNotMatch: [], durationSeconds: 0).success)
    }

    @Test("client errors map to failure reasons")
    func reasons() {
        let cases: [(HTTPError.Kind, ProbeFailure)] = [(.dns, .dns), (.connect, .connect), (.timeout, .timeout), (.tls, .tls), (.tooLarge, .body), (.other, .other)]
        for (kind, reason) in cases {
            #expect(ProbeOutcome.failure(of: HTTPError(kind: kind, url: "u", message: "m")) == reason)
        }
    }

    @Test("metrics of a TLS response; the target label drops user-info only")
    func metrics() throws {
        let info = HTTPTransferInfo(
            timing: HTTPTiming(nameLookup: 0.001, connect: 0.003, tlsHandshake: 0.010, firstByte: 0.030, total: 0.035),
            httpVersion: "2", tlsVersion: "TLSv1.3", redirectCount: 1, earliestCertificateExpiry: 1_000_000 + 86_400 * 3)
        let outcome = ProbeOutcome(failure: nil, durationSeconds: 0.04, info: info, status: 200, responseBytes: 5)
        var batch = MetricBatch()
        ProbeMetrics.add(outcome, failures: [.dns: 2], probe: "api", target: "https://h/x", nowSeconds: 1_000_000, to: &batch)
        #expect(value(batch, "probe_tls_cert_days_left") == 3)
        #expect(value(batch, "probe_http_version") == 2)
        #expect(value(batch, "probe_tls_version_info", ["version": "TLSv1.3"]) == 1)
        #expect(abs((value(batch, "probe_phase_duration_seconds", ["phase": "processing"]) ?? 0) - 0.020) < 1e-9)
        #expect(abs((value(batch, "probe_phase_duration_seconds", ["phase": "transfer"]) ?? 0) - 0.005) < 1e-9)
        #expect(value(batch, "probe_failures_total", ["reason": "dns"]) == 2)
        #expect(value(batch, "probe_failures_total", ["reason": "tls"]) == 0)
        let settings = try probeSettings("{name: a, url: 'https://user:pw@example.test:8443/p?q=1'}")
        #expect(settings.targetLabel == "https://example.test:8443/p?q=1")
    }
}
