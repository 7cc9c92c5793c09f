#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport
import Testing

@Suite("sonde run and sonde check", .exclusiveMachineUse)
struct AgentCommandTests {
    static let goodConfig = """
        storage: {max_bytes: 8MiB, flush_interval: 500ms}
        collectors:
          host: {interval: 1s}
          process:
            interval: 1s
            groups:
              - name: agent
                match: {cmdline: 'sonde run'}
          statsd: {listen: '127.0.0.1:0'}
        """

    @Test("SIGHUP applies a good file, rejects a bad one and keeps running; SIGTERM flushes the store")
    func reloadAndStop() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let config = scratch.path + "/sonde.yaml"
        let data = scratch.path + "/data"
        writeFile(config, AgentCommandTests.goodConfig)
        let running = Sonde.start(["run", "--config", config, "--data-dir", data])
        #expect(waitForFile(running.errPath, containing: "collector started"))
        usleep(2_500_000)

        // A good change: the process collector goes away, the host collector keeps running.
        writeFile(config, AgentCommandTests.goodConfig.replacing("  process:\n    interval: 1s", with: "  process:\n    enabled: false\n    interval: 1s"))
        kill(running.pid, SIGHUP)
        #expect(waitForFile(running.errPath, containing: "configuration reloaded"))
        #expect(waitForFile(running.errPath, containing: "collector.name=process [SondeAgent] collector stopped"))

        // A bad file: rejected with its position, the agent keeps going on the old configuration.
        writeFile(config, "collectors:\n  host: {interval: soon}\n")
        kill(running.pid, SIGHUP)
        #expect(waitForFile(running.errPath, containing: "configuration reload rejected"))
        #expect(readFile(running.errPath).contains("sonde.yaml:2:20: collectors.host.interval: invalid duration"))
        usleep(1_500_000)
        #expect(kill(running.pid, 0) == 0, "still running")

        kill(running.pid, SIGTERM)
        var status: Int32 = 0
        waitpid(running.pid, &status, 0)
        let result = running.finish(status: status)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("store closed"))

        // What was collected is in the store, on the 1 s grid, host metrics under node_exporter's names.
        let load = Sonde.run(["query", "--data-dir", data, "node_load1", "--start", "now-5m", "--format", "csv"])
        let rows = load.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count >= 3, "\(load.stdout) \(load.stderr)")
        #expect(rows.allSatisfy { $0.split(separator: ",")[1].allSatisfy(\.isNumber) }, "whole seconds: \(rows)")
        let processes = Sonde.run(["query", "--data-dir", data, #"sonde_process_count{group="agent"}"#, "--start", "now-5m", "--format", "csv"])
        #expect(processes.stdout.contains(",1\n"), "\(processes.stdout)")
        let success = Sonde.run(["query", "--data-dir", data, #"sonde_collector_success{collector="host"}"#, "--start", "now-5m", "--format", "csv"])
        #expect(success.stdout.split(separator: "\n").count >= 4)
    }

    @Test("sonde check prints the effective configuration with secrets redacted, or the error's position")
    func check() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let config = scratch.path + "/sonde.yaml"
        writeFile(scratch.path + "/pg.password", "very-secret\n")
        writeFile(config, """
            collectors:
              postgres:
                - name: main
                  dsn: postgres://sonde:inline@127.0.0.1:5432/postgres
                  password: ${file:\(scratch.path)/pg.password}
              probes:
                - name: health
                  url: http://127.0.0.1:8000/health/
            rules:
              files: [/etc/sonde/alerts/*.yaml]
            """)
        let good = Sonde.run(["check", "--config", config])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("password: <redacted>"))
        #expect(!good.stdout.contains("very-secret") && !good.stdout.contains("inline@"))
        #expect(good.stdout.contains("max_bytes: 256MiB"))
        #expect(good.stdout.contains("statement_timeout: 5s"))

        writeFile(config, "collectors:\n  postgres:\n    - name: main\n      dsn: postgres://sonde@db?sslmode=sometimes\n")
        let badDSN = Sonde.run(["check", "--config", config])
        #expect(badDSN.status == 1)
        #expect(badDSN.stderr.contains("\(config):4:12: collectors.postgres[0].dsn: sslmode: expected one of"), "\(badDSN.stderr)")

        writeFile(config, "collectors:\n  proces: {}\n")
        let bad = Sonde.run(["check", "--config", config])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(config):2:3: collectors.proces: unknown key; expected one of: host, process"), "\(bad.stderr)")

        // Billing and rules run in this build: billing's keys are printed, nothing is "not run yet".
        writeFile(config, "collectors:\n  billing: {enabled: true, per_service: true}\nrules:\n  files: [/nonexistent/*.yaml]\n")
        let billing = Sonde.run(["check", "--config", config])
        #expect(billing.status == 0, "\(billing.stderr)")
        #expect(billing.stdout.contains("  billing:\n    enabled: true\n    interval: 1h\n    endpoint: 'https://monitoring.us-east-1.amazonaws.com'\n    per_service: true\n"))
        #expect(!billing.stdout.contains("not run"))
        #expect(billing.stdout.contains("outage_tolerance: 1h"))
        writeFile(config, "collectors:\n  billing:\n    enabled: true\n    endpoint: monitoring.us-east-1.amazonaws.com\n")
        let badEndpoint = Sonde.run(["check", "--config", config])
        #expect(badEndpoint.status == 1)
        #expect(badEndpoint.stderr.contains("\(config):4:15: collectors.billing.endpoint: expected an http:// or https:// URL"), "\(badEndpoint.stderr)")

        let defaults = Sonde.run(["check"])
        #expect(defaults.status == 0)
        #expect(defaults.stdout.contains("listen: 127.0.0.1:9733"))
    }
}
