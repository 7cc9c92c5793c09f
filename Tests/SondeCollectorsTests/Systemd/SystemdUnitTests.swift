@testable import SondeCollectors
import Testing

@Suite("Systemd unit names and the bus schedule")
struct SystemdUnitTests {
    @Test("names without a type mean services; bad names are left out; duplicates once")
    func normalization() {
        let collector = SystemdCollector(
            units: ["nginx", "nginx.service", "postgresql@14-main.service", "", "../etc", "a/b.service", "web.socket"],
            busProvider: UnavailableBus()
        )
        #expect(collector.units == ["nginx.service", "postgresql@14-main.service", "web.socket"])
    }

    @Test("default cgroup locations: system.slice, then the template's slice with - escaped")
    func defaultPaths() {
        #expect(SystemdUnit.defaultCgroupPaths("nginx.service") == ["/system.slice/nginx.service"])
        #expect(
            SystemdUnit.defaultCgroupPaths("postgresql@14-main.service") == [
                "/system.slice/postgresql@14-main.service",
                "/system.slice/system-postgresql.slice/postgresql@14-main.service",
            ]
        )
        #expect(SystemdUnit.defaultCgroupPaths("my-app@1.service").last == "/system.slice/system-my\\x2dapp.slice/my-app@1.service")
    }

    @Test("ControlGroup lives on the unit type's own interface")
    func cgroupInterfaces() {
        #expect(SystemdUnit.cgroupInterface("nginx.service") == "org.freedesktop.systemd1.Service")
        #expect(SystemdUnit.cgroupInterface("web.socket") == "org.freedesktop.systemd1.Socket")
        #expect(SystemdUnit.cgroupInterface("multi-user.target") == nil)
        #expect(SystemdUnit.cgroupInterface("backup.timer") == nil)
    }

    @Test("the bus is tried at once, then at most every 5 minutes; a lost connection is retried at once")
    func schedule() {
        let start = ContinuousClock.now
        var schedule = SystemdBusSchedule()
        #expect(schedule.shouldOpen(at: start))
        #expect(schedule.openFailed(at: start) == true)  // first failure: logged
        #expect(!schedule.shouldOpen(at: start.advanced(by: .seconds(10))))
        #expect(!schedule.shouldOpen(at: start.advanced(by: .seconds(299))))
        #expect(schedule.shouldOpen(at: start.advanced(by: .seconds(300))))
        #expect(schedule.openFailed(at: start.advanced(by: .seconds(300))) == false)  // not logged again
        #expect(!schedule.shouldOpen(at: start.advanced(by: .seconds(599))))
        schedule.opened()
        schedule.connectionLost()
        #expect(schedule.shouldOpen(at: start.advanced(by: .seconds(601))))
        #expect(schedule.openFailed(at: start.advanced(by: .seconds(601))) == true)  // a new spell: logged
    }
}
