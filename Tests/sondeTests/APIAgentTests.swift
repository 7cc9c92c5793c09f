#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport
import Testing

/// The HTTP API of a running agent, asked over loopback by the tools people point at it:
/// promtool (Debian's Prometheus 2.42) and curl.
@Suite("sonde run serves the HTTP API", .exclusiveMachineUse)
struct APIAgentTests {
    @Test("promtool query instant, range, series and labels work against sonde; /-/ready, /metrics and a wrong port degrade nothing")
    func promtoolAgainstTheAgent() async throws {
        let scratch = TemporaryDirectory("sonde-api")
        let config = scratch.path + "/sonde.yaml"
        writeFile(config, """
            storage: {max_bytes: 8MiB, flush_interval: 500ms}
            api: {listen: '127.0.0.1:0'}
            collectors:
              host: {interval: 1s}
              process: {enabled: false}
              statsd: {enabled: false}
            """)
        let running = Sonde.start(["run", "--config", config, "--data-dir", scratch.path + "/data"])
        defer { running.stop() }
        let address = try #require(running.listeningAddress())
        let url = "http://\(address)"
        #expect(await waitUntil(seconds: 20) { shell("curl -sf \(url)/-/ready").status == 0 })
        // Host samples arrive every second; wait for a few.
        #expect(await waitUntil(seconds: 20) { shell("promtool query instant \(url) node_load1").output.contains("node_load1 =>") })

        let instant = shell("promtool query instant \(url) 'count(node_cpu_seconds_total) > 0'")
        #expect(instant.status == 0, "\(instant.output)")
        #expect(instant.output.contains("{} =>"), "\(instant.output)")
        let now = Int(time(nil))
        let range = shell("promtool query range --start=\(now - 30) --end=\(now) --step=1s \(url) node_load1")
        #expect(range.status == 0 && range.output.contains("node_load1 =>"), "\(range.output)")
        let series = shell("promtool query series --match=node_load1 \(url)")
        #expect(series.status == 0 && series.output.contains("__name__=\"node_load1\""), "\(series.output)")
        let labels = shell("promtool query labels \(url) __name__")
        #expect(labels.status == 0 && labels.output.contains("node_memory_MemAvailable_bytes"), "\(labels.output)")
        let bad = shell("promtool query instant \(url) 'sum('")
        #expect(bad.status != 0 && bad.output.contains("bad_data"), "\(bad.output)")

        let metrics = shell("curl -sf --compressed \(url)/metrics")
        #expect(metrics.output.contains("sonde_build_info{version="), "\(metrics.output.prefix(400))")
        #expect(metrics.output.contains("sonde_api_requests_total{code=\"200\""))
        #expect(metrics.output.contains("sonde_collector_success{collector=\"host\"} 1"), "stored self-metrics at their latest value")
        let federate = shell("curl -sf '\(url)/federate?match[]=node_load1'")
        #expect(federate.output.contains("# TYPE node_load1 untyped\nnode_load1 "), "\(federate.output)")
        let status = shell("curl -sf \(url)/api/v1/status/sonde")
        #expect(status.output.contains("\"name\":\"host\",\"healthy\":true"), "\(status.output)")

        let terminal = Sonde.run(["status", "--url", url])
        #expect(terminal.status == 0, "\(terminal.stdout)\(terminal.stderr)")
        #expect(terminal.stdout.contains(": ready, up "), "\(terminal.stdout)")
        #expect(terminal.stdout.contains(/\n  host +ok +[0-9]+s ago +[0-9]+s ago\n/), "\(terminal.stdout)")
        #expect(terminal.stdout.contains(/\n  raw +[0-9]+ +/), "\(terminal.stdout)")
        let fromConfig = Sonde.run(["status", "--config", config, "--json"])
        #expect(fromConfig.status != 0 && fromConfig.stderr.contains("127.0.0.1:0"), "port 0 is not where it listens: \(fromConfig.stderr)")
        let nobody = Sonde.run(["status", "--url", "http://127.0.0.1:9"])
        #expect(nobody.status == 1 && nobody.stderr.contains("no agent answers at http://127.0.0.1:9"), "\(nobody.stderr)")
    }

    @Test("a taken port is logged and retried; the collectors and the store go on")
    func takenPortDegradesOnlyTheAPI() async throws {
        let scratch = TemporaryDirectory("sonde-api")
        let config = scratch.path + "/sonde.yaml"
        // The first agent takes a port; the second is told to use the same one.
        writeFile(config, "storage: {flush_interval: 500ms}\napi: {listen: '127.0.0.1:0'}\ncollectors: {host: {interval: 1s}, process: {enabled: false}}\n")
        let first = Sonde.start(["run", "--config", config, "--data-dir", scratch.path + "/one"])
        defer { first.stop() }
        let address = try #require(first.listeningAddress())
        writeFile(config, "storage: {flush_interval: 500ms}\napi: {listen: '\(address)'}\ncollectors: {host: {interval: 1s}, process: {enabled: false}}\n")
        let second = Sonde.start(["run", "--config", config, "--data-dir", scratch.path + "/two"])
        #expect(waitForFile(second.errPath, containing: "api cannot listen"))
        usleep(2_500_000)
        #expect(kill(second.pid, 0) == 0, "the agent keeps running")
        second.stop()
        let query = Sonde.run(["query", "node_load1", "--data-dir", scratch.path + "/two"])
        #expect(query.stdout.contains("node_load1 =>"), "the collectors stored samples: \(query.stdout) \(query.stderr)")
    }

    @Test("a token guards every route but /-/healthy, on TCP and on the Unix socket; sonde status sends it")
    func tokenAndUnixSocket() async throws {
        let scratch = TemporaryDirectory("sonde-api")
        defer { scratch.remove() }
        let token = "0123456789abcdef-secret"
        writeFile(scratch.path + "/token", token + "\n")
        let socket = scratch.path + "/api.sock"
        let config = scratch.path + "/sonde.yaml"
        writeFile(config, """
            storage: {flush_interval: 500ms}
            api: {listen: '127.0.0.1:0', unix_socket: '\(socket)', token_file: '\(scratch.path)/token'}
            collectors: {host: {interval: 1s}, process: {enabled: false}, statsd: {enabled: false}}
            """)
        let running = Sonde.start(["run", "--config", config, "--data-dir", scratch.path + "/data"])
        defer { running.stop() }
        let address = try #require(running.listeningAddress())
        let url = "http://\(address)"
        #expect(waitForFile(running.errPath, containing: "api.address=\(socket)"), "\(readFile(running.errPath))")
        let code = "curl -s -o /dev/null -w '%{http_code}'"
        #expect(shell("\(code) \(url)/api/v1/labels").output == "401")
        #expect(shell("\(code) -H 'Authorization: Bearer wrong-token-of-length' \(url)/api/v1/labels").output == "401")
        #expect(shell("\(code) -H 'Authorization: Bearer \(token)' \(url)/api/v1/labels").output == "200")
        #expect(shell("\(code) \(url)/-/healthy").output == "200")
        #expect(shell("\(code) \(url)/api/v2/silences").output == "401")
        #expect(shell("\(code) --unix-socket \(socket) http://sonde/api/v1/labels").output == "401")
        let overSocket = shell("curl -s --unix-socket \(socket) -H 'Authorization: Bearer \(token)' http://sonde/api/v1/status/buildinfo")
        #expect(overSocket.output.contains(#""status":"success""#), "\(overSocket.output)")

        let status = Sonde.run(["status", "--config", config, "--url", url])
        #expect(status.stdout.contains("COLLECTORS"), "the token from api.token_file: \(status.stdout) \(status.stderr)")
        let refused = Sonde.run(["status", "--url", url])
        #expect(refused.status == 1 && refused.stderr.contains("HTTP 401"), "\(refused.stderr)")
    }
}
