import Logging
import SondeCollectors
import SondeCore
import Testing
@testable import SondeAgent

/// What a reload restarts: the schedules built from the running configuration against those built
/// from the new one, as the supervisor compares them. Building a schedule opens nothing (sockets
/// bind and connections open when a collector runs), so these tests do no I/O and never wait.
@Suite("Reload")
struct CollectorReloadTests {
    static let config = """
        collectors:
          host: {interval: 10s}
          process:
            interval: 10s
            groups:
              - name: web
                match: {cmdline: 'gunicorn: master \\[myapp\\]'}
          systemd: {units: [myapp.service, nginx.service]}
          statsd: {listen: '127.0.0.1:0', quantiles: [0.5, 0.9]}
          gunicorn:
            - app: myapp
              access_log: /var/log/myapp/access.log
              format: combined
          postgres:
            - name: main
              dsn: postgres://sonde@127.0.0.1:5432/postgres
              password: first-password
              statement_timeout: 5s
          probes:
            - name: health
              url: http://127.0.0.1:8000/health/
              timeout: 2s
            - name: other
              url: tcp://127.0.0.1:5432
          billing: {enabled: true, per_service: false}
        """

    func schedules(_ text: String) throws -> [CollectorSchedule] {
        let config = try SondeConfig.parse(text, file: "sonde.yaml")
        return try CollectorFactory.schedules(
            for: config, identity: InstanceIdentity.offEC2(hostname: "test-host"), dataDirectory: "/nonexistent/sonde-data",
            environment: [:], logger: Logger(label: "test"))
    }

    /// The collectors a reload from `Self.config` to `next` stops (to start again, when still configured).
    func stopped(reloadingTo next: String) throws -> [String] {
        CollectorSupervisor.collectorsToStop(running: try schedules(Self.config), wanted: try schedules(next))
    }

    @Test("the configuration builds every collector it names")
    func everyCollector() throws {
        #expect(try schedules(Self.config).map(\.name) == [
            "identity", "host", "process", "systemd", "statsd", "postgres:main", "gunicorn:myapp", "probe:health", "probe:other", "billing",
        ])
    }

    @Test("a reload with an unchanged configuration restarts nothing")
    func unchanged() throws {
        #expect(try stopped(reloadingTo: Self.config) == [])
        // Written differently, meaning the same.
        #expect(try stopped(reloadingTo: Self.config.replacing("host: {interval: 10s}", with: "host: {interval: 10000ms, enabled: true}")) == [])
    }

    @Test(
        "a changed key restarts only the collector it belongs to",
        arguments: [
            ("a postgres password", "password: first-password", "password: second-password", ["postgres:main"]),
            ("a postgres statement timeout", "statement_timeout: 5s", "statement_timeout: 3s", ["postgres:main"]),
            ("a postgres interval", "statement_timeout: 5s", "statement_timeout: 5s\n      interval: 20s", ["postgres:main"]),
            ("a probe URL", "url: http://127.0.0.1:8000/health/", "url: http://127.0.0.1:8001/health/", ["probe:health"]),
            ("a probe timeout", "timeout: 2s", "timeout: 3s", ["probe:health"]),
            ("a process group", "master \\[myapp\\]", "master \\[otherapp\\]", ["process"]),
            ("a process interval", "  process:\n    interval: 10s", "  process:\n    interval: 15s", ["process"]),
            ("the systemd units", "units: [myapp.service, nginx.service]", "units: [myapp.service]", ["systemd"]),
            ("the statsd quantiles", "quantiles: [0.5, 0.9]", "quantiles: [0.5, 0.99]", ["statsd"]),
            ("a gunicorn format", "format: combined", "format: json", ["gunicorn:myapp"]),
            ("billing per service", "per_service: false", "per_service: true", ["billing"]),
            // The identity and statsd collectors run on the host collector's grid.
            ("the host interval", "host: {interval: 10s}", "host: {interval: 5s}", ["host", "identity", "statsd"]),
            ("a probe removed", "    - name: other\n      url: tcp://127.0.0.1:5432\n", "", ["probe:other"]),
            ("a probe added", "  billing:", "    - name: added\n      url: tcp://127.0.0.1:6432\n  billing:", []),
            ("the host collector disabled", "host: {interval: 10s}", "host: {interval: 10s, enabled: false}", ["host"]),
        ])
    func changedKey(change: String, old: String, new: String, restarted: [String]) throws {
        let next = Self.config.replacing(old, with: new)
        #expect(next != Self.config, "the change applies to the configuration")
        #expect(try stopped(reloadingTo: next) == restarted.sorted(), "\(change)")
    }

    @Test("settings of two collectors are never equal, whatever their values")
    func differentKinds() {
        let host = HostCollector.Settings()
        let systemd = SystemdCollector.Settings(units: [])
        #expect(host.isEqual(to: host))
        #expect(!host.isEqual(to: systemd))
        #expect(!systemd.isEqual(to: host))
    }
}
