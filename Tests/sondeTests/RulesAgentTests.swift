#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport
import Testing

/// The rules service inside a real `sonde run`: values pushed over real StatsD datagrams drive an
/// alert through pending, firing, a kill -9 and restart, and resolution.
@Suite("Rules in the running agent", .exclusiveMachineUse)
struct RulesAgentTests {
    static func config(port: Int, rules: String) -> String {
        """
        storage: {max_bytes: 8MiB, flush_interval: 200ms}
        collectors:
          host: {interval: 1s}
          process: {enabled: false}
          systemd: {enabled: false}
          statsd: {listen: '127.0.0.1:\(port)'}
        rules:
          files: ['\(rules)/*.yaml']
          evaluation_interval: 1s
        """
    }

    static let rules = """
        groups:
          - name: test
            rules:
              - record: test:value:doubled
                expr: test_value * 2
              - alert: TestValueHigh
                expr: test_value > 0
                for: 2s
                labels: {severity: warning}
                annotations: {summary: "value is {{ $value }}"}
              - alert: TestValueSlow
                expr: test_value > 0
                for: 1h
        """

    func occurrences(_ text: String, in path: String) -> Int {
        readFile(path).split(separator: text, omittingEmptySubsequences: false).count - 1
    }

    /// One StatsD gauge datagram to the agent.
    func send(_ line: String, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bytes = Array(line.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    @Test("an alert fires once, stays firing through kill -9 without a second announcement, then resolves")
    func alertLifecycleAcrossKill() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let rulesDirectory = scratch.path + "/rules"
        mkdir(rulesDirectory, 0o755)
        writeFile(rulesDirectory + "/test.yaml", Self.rules)
        let config = scratch.path + "/sonde.yaml"
        let data = scratch.path + "/data"
        let port = TestNetwork.freeLoopbackPort()
        writeFile(config, Self.config(port: port, rules: rulesDirectory))

        let first = Sonde.start(["run", "--config", config, "--data-dir", data])
        #expect(waitForFile(first.errPath, containing: "rules loaded"))
        send("test_value:5|g", port: port)
        #expect(waitForFile(first.errPath, containing: "alert pending"))
        #expect(waitForFile(first.errPath, containing: "alert firing"))
        #expect(readFile(first.errPath).contains("alert.summary=value is 5"), "\(readFile(first.errPath))")
        // Still true two rounds later: still one announcement.
        usleep(2_500_000)
        #expect(occurrences("alert firing", in: first.errPath) == 1)
        kill(first.pid, SIGKILL)
        var status: Int32 = 0
        waitpid(first.pid, &status, 0)
        _ = first.finish(status: status)

        let second = Sonde.start(["run", "--config", config, "--data-dir", data])
        #expect(waitForFile(second.errPath, containing: "alert states restored"))
        usleep(3_000_000)
        #expect(occurrences("alert firing", in: second.errPath) == 0, "\(readFile(second.errPath))")
        send("test_value:0|g", port: port)
        #expect(waitForFile(second.errPath, containing: "alert resolved"))
        #expect(occurrences("alert resolved", in: second.errPath) == 1)
        kill(second.pid, SIGTERM)
        waitpid(second.pid, &status, 0)
        let stopped = second.finish(status: status)
        #expect(stopped.status == 0, "\(stopped.stderr)")

        // What the rules wrote is in the store.
        let doubled = Sonde.run(["query", "--data-dir", data, "test:value:doubled", "--start", "now-5m", "--format", "csv"])
        #expect(doubled.stdout.contains(",10\n"), "\(doubled.stdout)")
        let alerts = Sonde.run(["query", "--data-dir", data, #"ALERTS{alertname="TestValueHigh",alertstate="firing"}"#, "--start", "now-5m", "--format", "csv"])
        #expect(alerts.stdout.split(separator: "\n").count >= 4, "\(alerts.stdout)")
        // The slow alert stayed pending across the restart with the start it had before.
        let forState = Sonde.run(["query", "--data-dir", data, #"ALERTS_FOR_STATE{alertname="TestValueSlow"}"#, "--start", "now-5m", "--format", "csv"])
        let values = Set(forState.stdout.split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").last })
        #expect(values.count == 1, "one start time across the restart: \(forState.stdout)")
    }

    @Test("a rule file that does not parse stops the agent with its position; sonde check says the same")
    func badRuleFile() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let rulesDirectory = scratch.path + "/rules"
        mkdir(rulesDirectory, 0o755)
        writeFile(rulesDirectory + "/bad.yaml", "groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: rate(up[5m)\n")
        let config = scratch.path + "/sonde.yaml"
        writeFile(config, Self.config(port: TestNetwork.freeLoopbackPort(), rules: rulesDirectory))
        let check = Sonde.run(["check", "--config", config])
        #expect(check.status == 1)
        #expect(check.stderr.contains("bad.yaml:5:"), "\(check.stderr)")
        let run = Sonde.run(["run", "--config", config, "--data-dir", scratch.path + "/data"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("bad.yaml:5:"), "\(run.stderr)")
    }
}
