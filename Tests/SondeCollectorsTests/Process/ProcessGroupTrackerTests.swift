@testable import SondeCollectors
import Testing

@Suite("Process: group tracker (counters across scans)")
struct ProcessGroupTrackerTests {
    func sample(_ pid: Int32, start: UInt64 = 1, user: UInt64, system: UInt64 = 0, read: UInt64? = nil) -> ProcessSample {
        ProcessSample(key: ProcessKey(pid: pid, startTime: start), utime: user, stime: system, threads: 1,
                      residentBytes: 4096, virtualBytes: 8192, openFDs: 10, fdLimit: 100, readBytes: read, writtenBytes: read)
    }

    func key(_ pid: Int32, _ start: UInt64 = 1) -> ProcessKey { ProcessKey(pid: pid, startTime: start) }

    @Test("CPU seconds never decrease when a worker exits, and CPU percent is over the interval")
    func monotonicCPU() {
        var tracker = ProcessGroupTracker()
        var s = tracker.observe(members: [sample(1, user: 100, system: 10), sample(2, user: 300)], roots: [key(1)],
                                monotonicSeconds: 10, ticksPerSecond: 100)
        #expect(s.userSeconds == 4 && s.systemSeconds == 0.1)
        #expect(s.cpuPercent == nil)
        #expect(s.count == 2 && s.workers == 1)
        // Worker 2 exits; 1 used 50 more ticks in 1 s.
        s = tracker.observe(members: [sample(1, user: 150, system: 10)], roots: [key(1)], monotonicSeconds: 11, ticksPerSecond: 100)
        #expect(s.userSeconds == 4.5)
        #expect(s.cpuPercent == 50)
        #expect(s.count == 1 && s.workers == 0)
        // A new worker with the same PID (reused) brings its own ticks.
        s = tracker.observe(members: [sample(1, user: 150, system: 10), sample(2, start: 9, user: 20)], roots: [key(1)],
                            monotonicSeconds: 12, ticksPerSecond: 100)
        #expect(s.userSeconds == 4.7)
        #expect(s.cpuPercent?.rounded() == 20)
    }

    @Test("I/O totals carry exited processes and stay absent while unreadable")
    func io() {
        var tracker = ProcessGroupTracker()
        var s = tracker.observe(members: [sample(1, user: 0)], roots: [key(1)], monotonicSeconds: 0, ticksPerSecond: 100)
        #expect(s.readBytes == nil)
        s = tracker.observe(members: [sample(1, user: 0, read: 1000), sample(2, user: 0, read: 500)], roots: [key(1)],
                            monotonicSeconds: 1, ticksPerSecond: 100)
        #expect(s.readBytes == 1500)
        s = tracker.observe(members: [sample(1, user: 0, read: 1200)], roots: [key(1)], monotonicSeconds: 2, ticksPerSecond: 100)
        #expect(s.readBytes == 1700)
        #expect(s.fdLimitRatio == 0.1 && s.openFDs == 10)
    }

    @Test("restarts count replaced roots, across a down period, not the first sighting")
    func restarts() {
        var tracker = ProcessGroupTracker()
        func scan(_ roots: Set<ProcessKey>) -> UInt64 {
            tracker.observe(members: roots.map { sample($0.pid, start: $0.startTime, user: 1) }, roots: roots,
                            monotonicSeconds: 0, ticksPerSecond: 100).restarts
        }
        #expect(scan([key(10)]) == 0)
        #expect(scan([key(10)]) == 0)
        #expect(scan([]) == 0)  // down
        #expect(scan([]) == 0)
        #expect(scan([key(20)]) == 1)  // back with a new PID
        #expect(scan([key(20, 5)]) == 2)  // same PID, new process
        #expect(scan([key(20, 5), key(30)]) == 2)  // a second root appearing is not a restart
        #expect(scan([key(40)]) == 3)  // two went, one came
    }
}
