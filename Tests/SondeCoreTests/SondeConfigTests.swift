@testable import SondeCore
import Testing

@Suite("Configuration")
struct SondeConfigTests {
    static let context = ConfigContext(
        environment: ["PG_PASSWORD": "hunter2", "STATSD_PORT": "9125"],
        readFile: { path in
            guard path == "/etc/sonde/pg.password" else { throw SondeError(.notFound, "No such file or directory") }
            return "s3cret\n"
        })

    func parse(_ text: String) throws(ParseError) -> SondeConfig {
        try SondeConfig.parse(text, file: "sonde.yaml", context: SondeConfigTests.context)
    }

    @Test("the embedded defaults: loopback only, every collector of the agent on")
    func defaults() throws {
        let config = try SondeConfig.load(path: nil)
        #expect(config.api.listen?.description == "127.0.0.1:9733")
        #expect(config.collectors.statsd.listen?.isLoopback == true)
        #expect(config.collectors.host.interval == .seconds(10))
        #expect(config.storage.maxBytes == 256 << 20)
        #expect(config == (try parse("")))
    }

    @Test("the architecture's example parses, with substitutions")
    func example() throws {
        let config = try parse(YAMLParserTests.architectureExample.replacing("{listen: 127.0.0.1:8125}", with: "{listen: '127.0.0.1:${STATSD_PORT}'}"))
        #expect(config.collectors.process.groups.first?.cmdline == #"gunicorn: master \[myapp\]"#)
        #expect(config.collectors.systemd.units == ["myapp.service", "nginx.service", "postgresql.service"])
        #expect(config.collectors.statsd.listen?.port == 9125)
        #expect(config.collectors.postgres.first?.password == Secret("s3cret"))
        #expect(config.collectors.probes.first?.interval == .seconds(30))
        #expect(config.rules.files == ["/etc/sonde/alerts/*.yaml"])
    }

    @Test("errors name file, line, column and key path", arguments: [
        ("storage:\n  max_byte: 1GiB", "sonde.yaml:2:3: storage.max_byte: unknown key; expected one of: max_bytes, max_series, flush_interval, tier_shares"),
        ("storage:\n  max_bytes: lots", "sonde.yaml:2:14: storage.max_bytes: invalid size \"lots\": unexpected \"l\", expected a number of bytes"),
        ("collectors:\n  host: {interval: 0s}", "sonde.yaml:2:20: collectors.host.interval: 0s is out of range 1s...1h"),
        ("collectors:\n  process:\n    groups:\n      - name: a\n        match: {comm: a}\n      - name: b\n        match: {cmdline: 'x(['}",
         "sonde.yaml:7:26: collectors.process.groups[1].match.cmdline: invalid regular expression: "),
        ("collectors:\n  statsd: {listen: nowhere}", "sonde.yaml:2:20: collectors.statsd.listen: expected host:port (e.g. 127.0.0.1:8125 or [::1]:8125), found \"nowhere\""),
        ("api:\n  listen: 0.0.0.0:9733", "sonde.yaml:2:11: api.listen: listening on 0.0.0.0:9733 (not loopback) requires api.token_file"),
        ("collectors:\n  postgres:\n    - name: main\n      dsn: postgres://x@127.0.0.1/db\n      password: ${NOPE}", "sonde.yaml:5:17: collectors.postgres[0].password: environment variable NOPE is not set"),
        ("collectors:\n  postgres:\n    - name: main\n      dsn: postgres://x@127.0.0.1/db\n      password: ${file:/missing}", "sonde.yaml:5:17: collectors.postgres[0].password: cannot read /missing for ${file:…}: No such file or directory"),
        ("collectors:\n  host:\n    enabled: maybe", "sonde.yaml:3:14: collectors.host.enabled: expected true or false, found \"maybe\""),
        ("storage: [1, 2]", "sonde.yaml:1:10: storage: expected a mapping, found a list"),
        ("collectors:\n  probes:\n    - {name: a, url: 'ftp://x'}", "sonde.yaml:3:22: collectors.probes[0].url: expected an http://, https:// or tcp:// URL"),
        ("collectors:\n  probes:\n    - {name: a, url: 'http://x/', interval: 5s, timeout: 5s}", "sonde.yaml:3:58: collectors.probes[0].timeout: the timeout must be below the interval (5s)"),
        ("collectors:\n  probes:\n    - {name: a, url: 'http://x/', body_must_match: ['ok(']}", "sonde.yaml:3:53: collectors.probes[0].body_must_match[0]: invalid regular expression"),
        ("collectors:\n  probes:\n    - {name: a, url: 'tcp://db:5432', expect_status: [200]}", "sonde.yaml:3:54: collectors.probes[0].expect_status: does not apply to a tcp:// probe"),
        ("collectors:\n  probes:\n    - {name: a, url: 'tcp://db'}", "sonde.yaml:3:22: collectors.probes[0].url: expected tcp://host:port"),
        ("collectors:\n  probes:\n    - {name: a, url: 'http://x/', ip_version: 5}", "sonde.yaml:3:47: collectors.probes[0].ip_version: expected 4, 6 or any, found \"5\""),
        ("collectors:\n  probes:\n    - {name: a, url: 'http://x/', tls: {insecure: true}}", "sonde.yaml:3:40: collectors.probes[0].tls: tls applies to https:// probes only"),
        ("collectors:\n  probes:\n    - {name: 'a b', url: 'http://x/'}", "sonde.yaml:3:14: collectors.probes[0].name: a probe name is 1 to 64 letters"),
        ("collectors:\n  probes:\n    - name: a\n      url: 'http://x/'\n      headers: {'X Y': z}", "sonde.yaml:5:24: collectors.probes[0].headers.X Y: a header name is letters"),
    ])
    func errors(text: String, expected: String) {
        do {
            _ = try parse(text)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test("every probe key parses; secrets in headers are redacted; the rendering parses back")
    func probeKeys() throws {
        let text = """
            collectors:
              probes:
                - name: api
                  url: https://127.0.0.1:8443/health?full=1
                  interval: 10s
                  timeout: 3s
                  method: POST
                  headers: {Authorization: Bearer abc, X-Trace: '1'}
                  body: '{"deep": true}'
                  expect_status: [200, 204]
                  body_must_match: ['"status": *"ok"']
                  body_must_not_match: [degraded]
                  follow_redirects: false
                  max_redirects: 3
                  ip_version: 6
                  tls: {ca_file: /etc/sonde/ca.pem, client_cert: /etc/sonde/c.pem, client_key: /etc/sonde/k.pem, insecure: false}
                - {name: db, url: 'tcp://[::1]:5432', interval: 5s}
            """
        let config = try parse(text)
        let api = try #require(config.collectors.probes.first)
        #expect(api.timeout == .seconds(3))
        #expect(api.method == "POST")
        #expect(api.headers.map(\.name) == ["Authorization", "X-Trace"])
        #expect(api.headers.map(\.secret) == [true, false])
        #expect(api.body == #"{"deep": true}"#)
        #expect(api.bodyMustMatch == [#""status": *"ok""#])
        #expect(api.followRedirects == false && api.maxRedirects == 3)
        #expect(api.ipVersion == .v6)
        #expect(api.tls == ProbeConfig.TLS(caFile: "/etc/sonde/ca.pem", clientCert: "/etc/sonde/c.pem", clientKey: "/etc/sonde/k.pem", insecure: false))
        let db = config.collectors.probes[1]
        #expect(db.isTCP && db.timeout == .milliseconds(4_500))
        #expect(TCPTarget(db.url) == TCPTarget("tcp://[::1]:5432"))
        #expect(TCPTarget(db.url)?.host == "[::1]")
        let rendered = config.rendered()
        #expect(!rendered.contains("Bearer abc"))
        let again = try parse(rendered.replacing("Authorization: <redacted>", with: "Authorization: Bearer abc"))
        #expect(again == config)
    }

    @Test("the rendered configuration redacts secrets and parses back to the same configuration")
    func renderRoundTrip() throws {
        let text = """
            collectors:
              process:
                groups:
                  - name: web
                    match: {cmdline: 'gunicorn: master', user: www-data}
              postgres:
                - name: main
                  dsn: postgres://sonde:inline-secret@127.0.0.1:5432/postgres
                  password: ${PG_PASSWORD}
              probes:
                - {name: health, url: 'https://127.0.0.1/health/', expect_status: [200, 204]}
            """
        let config = try parse(text)
        let rendered = config.rendered()
        #expect(!rendered.contains("hunter2"))
        #expect(!rendered.contains("inline-secret"))
        #expect(rendered.contains("postgres://sonde:<redacted>@127.0.0.1:5432/postgres"))
        #expect(rendered.contains("password: <redacted>"))
        var again = try parse(rendered.replacing("password: <redacted>", with: "password: ${PG_PASSWORD}")
            .replacing("<redacted>", with: "inline-secret"))
        again.collectors.postgres[0].dsn = config.collectors.postgres[0].dsn
        #expect(again == config)
    }

    @Test("collectors.billing: defaults, every key, the rendering parses back, bad endpoints refused")
    func billing() throws {
        #expect(try parse("").collectors.billing == BillingConfig())
        #expect(BillingConfig().endpoint == "https://monitoring.us-east-1.amazonaws.com")
        #expect(BillingConfig().interval == .seconds(3_600))
        let config = try parse("collectors:\n  billing: {enabled: true, interval: 6h, endpoint: 'http://127.0.0.1:5000', per_service: true}\n")
        #expect(config.collectors.billing.enabled)
        #expect(config.collectors.billing.interval == .seconds(6 * 3_600))
        #expect(config.collectors.billing.endpoint == "http://127.0.0.1:5000")
        #expect(config.collectors.billing.perService)
        #expect(try parse(config.rendered()) == config)
        for (endpoint, column) in [("monitoring.us-east-1.amazonaws.com", 23), ("https://user:pw@host", 23), ("https://host/?a=b", 23), ("https://", 23)] {
            let error = #expect(throws: ParseError.self) { try parse("collectors:\n  billing: {endpoint: '\(endpoint)'}\n") }
            #expect(error?.line == 2)
            #expect(error?.column == column)
            #expect(error?.message.hasPrefix("collectors.billing.endpoint: expected an http:// or https:// URL") == true)
        }
        #expect(throws: ParseError.self) { try parse("collectors:\n  billing: {interval: 10s}\n") }
        #expect(throws: ParseError.self) { try parse("collectors:\n  billing: {threshold: 100}\n") }
    }

    @Test("ship.cloudwatch: defaults, every key, the rendering parses back, errors at their key")
    func shipCloudWatch() throws {
        let defaults = try parse("").ship.cloudwatch
        #expect(!defaults.enabled && defaults.namespace == "Sonde" && defaults.interval == .seconds(60) && defaults.resolution == .minute)
        #expect(defaults.include.count == CloudWatchShipConfig.defaultInclude.count && defaults.naming == .sonde)
        #expect(try parse(SondeConfig().rendered()) == SondeConfig())
        let config = try parse("""
            ship:
              cloudwatch:
                enabled: true
                region: eu-west-3
                endpoint: 'http://127.0.0.1:5000'
                namespace: 'Shop/Web'
                interval: 30s
                resolution: 60s
                include: [node_load1, '{__name__=~"host_.*"}']
                exclude: ['host_filesystem_used_percent{mountpoint="/boot"}']
                distribution: [probe_duration_seconds]
                dimensions: [instance, app]
                append_dimensions: [InstanceId, AutoScalingGroupName, {Environment: production}]
                naming: sonde
                gzip: false
            """)
        let cloudwatch = config.ship.cloudwatch
        #expect(cloudwatch.enabled && cloudwatch.region == "eu-west-3" && cloudwatch.endpoint == "http://127.0.0.1:5000")
        #expect(cloudwatch.namespace == "Shop/Web" && cloudwatch.interval == .seconds(30) && cloudwatch.resolution == .minute)
        #expect(cloudwatch.include.map(\.description) == [#"{__name__="node_load1"}"#, #"{__name__=~"host_.*"}"#])
        #expect(cloudwatch.exclude.count == 1 && cloudwatch.distribution.count == 1 && cloudwatch.dimensions == ["instance", "app"])
        #expect(cloudwatch.appendDimensions == [.instance("InstanceId"), .instance("AutoScalingGroupName"), .fixed(name: "Environment", value: "production")])
        #expect(cloudwatch.naming == .sonde && !cloudwatch.gzip)
        #expect(try parse("ship: {cloudwatch: {resolution: 1s}}").ship.cloudwatch.resolution == .second)
        let cwagent = try parse("ship: {cloudwatch: {naming: cwagent, cwagent_metrics: [mem_used_percent, procstat_memory_rss]}}")
        #expect(cwagent.ship.cloudwatch.cwagentMetrics == ["mem_used_percent", "procstat_memory_rss"])
        #expect(try parse(cwagent.rendered()) == cwagent)
        let rendered = config.rendered()
        #expect(rendered.contains("    include: [node_load1, '{__name__=~\"host_.*\"}']"), "\(rendered)")
        #expect(try parse(rendered) == config)

        let cases: [(String, Int, Int, String)] = [
            ("{region: mars}", 2, 24, "ship.cloudwatch.region: expected an AWS region"),
            ("{namespace: 'AWS/EC2'}", 2, 27, "ship.cloudwatch.namespace: expected a CloudWatch namespace"),
            ("{resolution: 5s}", 2, 28, "ship.cloudwatch.resolution: expected 60s or 1s"),
            ("{include: ['up{job=}']}", 2, 26, "ship.cloudwatch.include[0]: expected a series selector"),
            ("{dimensions: [1bad]}", 2, 29, "ship.cloudwatch.dimensions[0]: expected a label name"),
            ("{append_dimensions: [Hostname]}", 2, 36, "ship.cloudwatch.append_dimensions[0]: expected one of InstanceId"),
            ("{naming: telegraf}", 2, 24, "ship.cloudwatch.naming: expected sonde or cwagent"),
            ("{interval: 1s}", 2, 26, "ship.cloudwatch.interval:"),
            ("{endpoint: 'ftp://x'}", 2, 26, "ship.cloudwatch.endpoint: expected an http:// or https:// URL"),
            ("{batch: 5}", 2, 16, "ship.cloudwatch.batch: unknown key"),
            ("{enabled: maybe}", 2, 25, "ship.cloudwatch.enabled:"),
            ("{resolution: 1s, distribution: [probe_duration_seconds]}", 2, 46, "ship.cloudwatch.distribution: distribution applies to resolution 60s"),
            ("{gzip: often}", 2, 22, "ship.cloudwatch.gzip:"),
            ("{naming: cwagent, cwagent_metrics: [cpu_usage]}", 2, 51, "ship.cloudwatch.cwagent_metrics[0]: \"cpu_usage\" is not a CloudWatch agent metric sonde produces"),
            ("{cwagent_metrics: [cpu_usage_idle]}", 2, 33, "ship.cloudwatch.cwagent_metrics: cwagent_metrics applies with naming: cwagent"),
        ]
        for (mapping, line, column, message) in cases {
            let error = #expect(throws: ParseError.self) { try parse("ship:\n  cloudwatch: \(mapping)\n") }
            #expect(error?.line == line && error?.column == column, "\(mapping): \(String(describing: error))")
            #expect(error?.message.hasPrefix(message) == true, "\(mapping): \(String(describing: error?.message))")
        }
        let many = (0..<31).map { "l\($0)" }.joined(separator: ", ")
        let tooMany = #expect(throws: ParseError.self) { try parse("ship:\n  cloudwatch: {dimensions: [\(many)]}\n") }
        #expect(tooMany?.message.contains("CloudWatch takes at most 30") == true)
    }
}
