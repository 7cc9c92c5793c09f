#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
@testable import SondeCollectors
import SondeCore
import SondeTestSupport
import Testing

@Suite("Systemd collector")
struct SystemdCollectorTests {
    static let hasSystemd = access("/run/systemd/system", F_OK) == 0

    // MARK: Without systemd

    @Test("on a host without systemd: sonde_systemd_available 0, no unit metrics, no error", .enabled(if: !hasSystemd))
    func noSystemdOnThisMachine() async throws {
        let collector = SystemdCollector(units: ["nginx", "postgresql@14-main", "myapp"])
        for _ in 0..<3 {
            var batch = MetricBatch()
            try await collector.collect(into: &batch)
            #expect(batch.systemdMetricNames == ["sonde_systemd_available"])
            #expect(batch.systemdValue("sonde_systemd_available") == 0)
            #expect(batch.count == 1)
        }
    }

    @Test("sd-bus itself reports the missing system bus as connectionLost", .enabled(if: !hasSystemd))
    func realProviderWithoutBus() {
        let error = #expect(throws: SystemdBusError.self) { _ = try SDBusProvider().open() }
        #expect(error?.kind == .connectionLost)
    }

    @Test("the bus is looked for on the first run, then at most every 5 minutes; once up, it is used")
    func recheckInterval() async throws {
        let bus = FakeBus(FakeBus.Script(available: false))
        let clock = ManualClock()
        let collector = SystemdCollector(
            units: ["nginx"], cgroupRoot: SystemdFixtures.cgroup, busProvider: bus, logger: Logger(label: "test"),
            now: { clock.now() }
        )
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(bus.opens == 1)
        #expect(batch.systemdValue("sonde_systemd_available") == 0)
        for _ in 0..<5 {
            clock.advance(.seconds(59))
            batch = MetricBatch()
            try await collector.collect(into: &batch)
            #expect(batch.systemdValue("sonde_systemd_available") == 0)
        }
        #expect(bus.opens == 1)  // 295 s later: not yet
        bus.script.withLock { $0.available = true }
        clock.advance(.seconds(5))
        batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(bus.opens == 2)
        #expect(batch.systemdValue("sonde_systemd_available") == 1)
        clock.advance(.seconds(10))
        try await collector.collect(into: &batch)
        #expect(bus.opens == 2)  // the connection is kept
    }

    // MARK: cgroup metrics from the fixture tree

    @Test("without the bus, cgroup metrics are still reported per unit, from system.slice and template slices")
    func cgroupTreeWithoutBus() async throws {
        let collector = SystemdCollector(
            units: ["myapp", "nginx.service", "postgresql@14-main", "absent.service"], cgroupRoot: SystemdFixtures.cgroup,
            busProvider: UnavailableBus()
        )
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(batch.systemdValue("sonde_systemd_available") == 0)
        #expect(batch.systemdSamples(named: "systemd_unit_state").isEmpty)

        let app = ["unit": "myapp.service"]
        #expect(batch.systemdValue("systemd_unit_cpu_seconds_total", ["unit": "myapp.service", "mode": "user"]) == 7301.245877)
        #expect(batch.systemdValue("systemd_unit_cpu_seconds_total", ["unit": "myapp.service", "mode": "system"]) == 1111.487644)
        #expect(batch.systemdValue("systemd_unit_cpu_usage_seconds_total", app) == 8412.733521)
        #expect(batch.systemdValue("systemd_unit_cpu_throttled_periods_total", app) == 1207)
        #expect(batch.systemdValue("systemd_unit_cpu_throttled_seconds_total", app) == 98.211345)
        #expect(batch.systemdValue("systemd_unit_memory_bytes", app) == 1_365_184_512)
        #expect(batch.systemdValue("systemd_unit_memory_limit_bytes", app) == 2_147_483_648)
        #expect(batch.systemdValue("systemd_unit_tasks", app) == 37)
        #expect(batch.systemdValue("systemd_unit_tasks_limit", app) == 4915)
        #expect(batch.systemdValue("systemd_unit_io_read_bytes_total", ["unit": "myapp.service", "device": "259:0"]) == 734_003_200)
        #expect(batch.systemdValue("systemd_unit_io_written_bytes_total", ["unit": "myapp.service", "device": "259:0"]) == 5_219_966_976)
        #expect(batch.systemdValue("systemd_unit_io_reads_total", ["unit": "myapp.service", "device": "259:1"]) == 192)
        #expect(batch.systemdValue("systemd_unit_io_writes_total", ["unit": "myapp.service", "device": "259:1"]) == 353)

        let nginx = ["unit": "nginx.service"]
        #expect(batch.systemdValue("systemd_unit_memory_bytes", nginx) == 52_428_800)
        #expect(batch.systemdValue("systemd_unit_memory_limit_bytes", nginx) == nil)  // memory.max is "max"
        #expect(batch.systemdValue("systemd_unit_tasks_limit", nginx) == nil)
        #expect(batch.systemdValue("systemd_unit_cpu_throttled_periods_total", nginx) == nil)  // no cpu controller
        #expect(batch.systemdValue("systemd_unit_io_written_bytes_total", ["unit": "nginx.service", "device": "259:0"]) == 118_784_000)

        let postgres = ["unit": "postgresql@14-main.service"]
        #expect(batch.systemdValue("systemd_unit_cpu_usage_seconds_total", postgres) == 30125)
        #expect(batch.systemdValue("systemd_unit_memory_bytes", postgres) == 4_294_967_296)
        #expect(batch.systemdValue("systemd_unit_tasks", postgres) == 12)
        #expect(batch.systemdSamples(named: "systemd_unit_io_reads_total").allSatisfy { $0.labels["unit"] != "postgresql@14-main.service" })

        // Only configured units, and nothing for a unit without a cgroup.
        let reported = Set(batch.samples.compactMap { $0.labels["unit"] })
        #expect(reported == ["myapp.service", "nginx.service", "postgresql@14-main.service"])
    }

    @Test("a hybrid host: the unified hierarchy at <root>/unified")
    func hybridHierarchy() async throws {
        let collector = SystemdCollector(units: ["myapp"], cgroupRoot: SystemdFixtures.hybrid + "/", busProvider: UnavailableBus())
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(batch.systemdValue("systemd_unit_cpu_usage_seconds_total", ["unit": "myapp.service"]) == 8412.733521)
        #expect(batch.systemdValue("systemd_unit_memory_bytes", ["unit": "myapp.service"]) == nil)
        #expect(SystemdCollector.unifiedRoot(under: SystemdFixtures.hybrid) == SystemdFixtures.hybrid + "/unified")
        #expect(SystemdCollector.unifiedRoot(under: SystemdFixtures.cgroup) == SystemdFixtures.cgroup)
        #expect(SystemdCollector.unifiedRoot(under: SystemdFixtures.root + "/captured/none") == nil)
    }

    @Test("a malformed cgroup file is named in the error; everything else is still reported")
    func malformedCgroupFile() async throws {
        let tree = try SystemdTempTree()
        defer { tree.remove() }
        try tree.write("cgroup.controllers", "cpu io memory pids\n")
        try tree.write("system.slice/bad.service/cpu.stat", "usage_usec 10\nuser_usec x\nsystem_usec 1\n")
        try tree.write("system.slice/bad.service/memory.current", "4096\n")
        try tree.write("system.slice/good.service/pids.current", "3\n")
        let collector = SystemdCollector(units: ["bad", "good"], cgroupRoot: tree.path, busProvider: UnavailableBus())
        var batch = MetricBatch()
        let error = await #expect(throws: SondeError.self) { try await collector.collect(into: &batch) }
        let message = error?.description ?? ""
        #expect(message.contains("bad.service: \(tree.path)/system.slice/bad.service/cpu.stat:2:11: expected the value of user_usec"))
        #expect(error?.code == .parse)
        #expect(batch.systemdValue("systemd_unit_memory_bytes", ["unit": "bad.service"]) == 4096)
        #expect(batch.systemdValue("systemd_unit_tasks", ["unit": "good.service"]) == 3)
        #expect(batch.systemdValue("sonde_systemd_available") == 0)
    }

    // MARK: Unit state over the (fake) bus

    @Test("unit state in node_exporter's shape, sub-state, restarts, exit status, result")
    func unitStateMetrics() async throws {
        var script = FakeBus.Script()
        script.statuses["myapp.service"] = SystemdUnitStatus(
            loadState: "loaded", activeState: "active", subState: "running", controlGroup: "/system.slice/myapp.service",
            service: SystemdServiceStatus(restarts: 3, result: "success", execMainStatus: 0, mainPID: 4242)
        )
        script.statuses["nginx.service"] = SystemdUnitStatus(
            loadState: "loaded", activeState: "failed", subState: "failed", controlGroup: "",
            service: SystemdServiceStatus(restarts: 5, result: "exit-code", execMainStatus: 203, mainPID: 0)
        )
        let collector = SystemdCollector(units: ["myapp", "nginx", "ghost"], cgroupRoot: SystemdFixtures.cgroup, busProvider: FakeBus(script))
        var batch = MetricBatch()
        try await collector.collect(into: &batch)

        #expect(batch.systemdValue("sonde_systemd_available") == 1)
        for state in SystemdCollector.unitStates {
            #expect(batch.systemdValue("systemd_unit_state", ["unit": "myapp.service", "state": state]) == (state == "active" ? 1 : 0))
            #expect(batch.systemdValue("systemd_unit_state", ["unit": "nginx.service", "state": state]) == (state == "failed" ? 1 : 0))
            #expect(batch.systemdValue("systemd_unit_state", ["unit": "ghost.service", "state": state]) == (state == "inactive" ? 1 : 0))
        }
        #expect(batch.systemdValue("systemd_unit_loaded", ["unit": "myapp.service"]) == 1)
        #expect(batch.systemdValue("systemd_unit_sub_state_info", ["unit": "myapp.service", "sub_state": "running"]) == 1)
        #expect(batch.systemdValue("systemd_service_restarts_total", ["unit": "myapp.service"]) == 3)
        #expect(batch.systemdValue("systemd_service_result_success", ["unit": "myapp.service"]) == 1)
        #expect(batch.systemdValue("systemd_service_main_exit_status", ["unit": "myapp.service"]) == 0)
        #expect(batch.systemdValue("systemd_service_main_pid", ["unit": "myapp.service"]) == 4242)

        #expect(batch.systemdValue("systemd_service_restarts_total", ["unit": "nginx.service"]) == 5)
        #expect(batch.systemdValue("systemd_service_result_success", ["unit": "nginx.service"]) == 0)
        #expect(batch.systemdValue("systemd_service_main_exit_status", ["unit": "nginx.service"]) == 203)

        // A unit that does not exist: inactive, not loaded, nothing else.
        #expect(batch.systemdValue("systemd_unit_loaded", ["unit": "ghost.service"]) == 0)
        #expect(batch.samples.filter { $0.labels["unit"] == "ghost.service" }.count == SystemdCollector.unitStates.count + 1)

        // Cgroup metrics follow ControlGroup: myapp has them; nginx's is empty (not running), so none
        // even though the fixture tree has a system.slice/nginx.service directory.
        #expect(batch.systemdValue("systemd_unit_memory_bytes", ["unit": "myapp.service"]) == 1_365_184_512)
        #expect(batch.systemdValue("systemd_unit_memory_bytes", ["unit": "nginx.service"]) == nil)
        #expect(batch.systemdSamples(named: "systemd_unit_state").count == 3 * SystemdCollector.unitStates.count)
    }

    @Test("ControlGroup from systemd wins over the default location (a unit with Slice=)")
    func controlGroupIsFollowed() async throws {
        var script = FakeBus.Script()
        script.statuses["frontend.service"] = SystemdUnitStatus(
            loadState: "loaded", activeState: "active", subState: "running", controlGroup: "/system.slice/nginx.service",
            service: SystemdServiceStatus(restarts: 0, result: "success", execMainStatus: 0, mainPID: 7)
        )
        let collector = SystemdCollector(units: ["frontend"], cgroupRoot: SystemdFixtures.cgroup, busProvider: FakeBus(script))
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(batch.systemdValue("systemd_unit_memory_bytes", ["unit": "frontend.service"]) == 52_428_800)
    }

    @Test("a state outside the fixed set (refreshing) is reported as an extra series; old systemd without NRestarts")
    func unknownStateAndMissingProperties() {
        var batch = MetricBatch()
        SystemdCollector.addUnitStatus(
            "app.service",
            SystemdUnitStatus(
                loadState: "loaded", activeState: "refreshing", subState: "reload-notify",
                service: SystemdServiceStatus(restarts: nil, result: "success", execMainStatus: 0, mainPID: 10)
            ),
            into: &batch
        )
        #expect(batch.systemdSamples(named: "systemd_unit_state").count == SystemdCollector.unitStates.count + 1)
        #expect(batch.systemdValue("systemd_unit_state", ["unit": "app.service", "state": "refreshing"]) == 1)
        #expect(batch.systemdSamples(named: "systemd_unit_state").filter { $0.value == 1 }.count == 1)
        #expect(batch.systemdValue("systemd_service_restarts_total", ["unit": "app.service"]) == nil)
    }

    @Test("a lost connection mid-round: the round fails, the rest skip the bus, the next round reconnects")
    func connectionLostMidRound() async throws {
        var script = FakeBus.Script()
        script.statuses["a.service"] = SystemdUnitStatus(loadState: "loaded", activeState: "active", subState: "running")
        script.errors["b.service"] = SystemdBusError(.connectionLost, "Connection reset by peer")
        let bus = FakeBus(script)
        let collector = SystemdCollector(units: ["a", "b", "c"], cgroupRoot: SystemdFixtures.cgroup, busProvider: bus)
        var batch = MetricBatch()
        let error = await #expect(throws: SondeError.self) { try await collector.collect(into: &batch) }
        #expect(error?.description.contains("b.service: system bus lost: Connection reset by peer") == true)
        #expect(batch.systemdValue("systemd_unit_state", ["unit": "a.service", "state": "active"]) == 1)
        #expect(batch.systemdValue("sonde_systemd_available") == 0)
        #expect(bus.script.withLock { $0.queries } == ["a.service", "b.service"])

        bus.script.withLock { $0.errors = [:] }
        batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(bus.opens == 2)
        #expect(batch.systemdValue("sonde_systemd_available") == 1)
        #expect(batch.systemdValue("systemd_unit_loaded", ["unit": "c.service"]) == 0)
    }

    @Test("a failed call for one unit is named in the error; the others are reported")
    func callFailedForOneUnit() async throws {
        var script = FakeBus.Script()
        script.statuses["a.service"] = SystemdUnitStatus(loadState: "loaded", activeState: "active", subState: "running")
        script.errors["b.service"] = SystemdBusError(.callFailed, "org.freedesktop.DBus.Error.AccessDenied: nope")
        let bus = FakeBus(script)
        let collector = SystemdCollector(units: ["a", "b"], cgroupRoot: SystemdFixtures.cgroup, busProvider: bus)
        var batch = MetricBatch()
        let error = await #expect(throws: SondeError.self) { try await collector.collect(into: &batch) }
        #expect(error?.description.contains("b.service: org.freedesktop.DBus.Error.AccessDenied: nope") == true)
        #expect(batch.systemdValue("systemd_unit_state", ["unit": "a.service", "state": "active"]) == 1)
        #expect(batch.systemdValue("sonde_systemd_available") == 1)
        try? await collector.collect(into: &batch)
        #expect(bus.opens == 1)  // the connection is kept
    }
}

typealias SystemdTempTree = ScratchTree
