#if canImport(Glibc)
import Glibc
#endif
@testable import SondeCollectors
import SondeCore
import SondeTestSupport
import Testing

@Suite("Process: collector on the captured /proc tree")
struct ProcessCollectorFixtureTests {
    @Test("a gunicorn master and its workers form one group; zombies and absent groups behave")
    func fixtureTree() async throws {
        let collector = try ProcessCollector(groups: [
            ProcessGroup.gunicorn,
            ProcessGroup(name: "weird", rules: [.comm(#"\(a\) b\)"#)]),
            ProcessGroup(name: "sleepers", rules: [.comm("sleep")]),
            ProcessGroup.postgres,
            ProcessGroup.sonde,
        ], procPath: ProcessFixtures.proc)
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))

        #expect(batch.value("sonde_process_count", group: "gunicorn") == 3)
        #expect(batch.value("sonde_process_worker_count", group: "gunicorn") == 2)
        #expect(batch.value("sonde_process_threads", group: "gunicorn") == 3)
        #expect(batch.value("sonde_process_cpu_seconds_total", group: "gunicorn", ["mode": "user"]) == 0.32)
        #expect(batch.value("sonde_process_cpu_seconds_total", group: "gunicorn", ["mode": "system"]) == 0.02)
        #expect(batch.value("sonde_process_resident_memory_bytes", group: "gunicorn") == (3319 + 2463 + 2463) * page)
        #expect(batch.value("sonde_process_virtual_memory_bytes", group: "gunicorn") == Double(3 * 16_961_536))
        #expect(batch.value("sonde_process_open_fds", group: "gunicorn") == 15)
        #expect(batch.value("sonde_process_fd_limit_ratio", group: "gunicorn") == 5.0 / 20000)
        #expect(batch.value("sonde_process_read_bytes_total", group: "gunicorn") != nil)
        #expect((batch.value("sonde_process_oldest_age_seconds", group: "gunicorn") ?? 0) > 0)
        #expect(batch.value("sonde_process_restarts_total", group: "gunicorn") == 0)
        #expect(batch.value("sonde_process_cpu_percent", group: "gunicorn") == nil)  // no interval yet

        #expect(batch.value("sonde_process_count", group: "weird") == 1)
        // The shell whose child is a zombie: the zombie is not counted.
        #expect(batch.value("sonde_process_count", group: "sleepers") == 1)
        #expect(batch.value("sonde_process_worker_count", group: "sleepers") == 0)

        for absent in ["postgres", "sonde"] {
            #expect(batch.value("sonde_process_count", group: absent) == 0)
            #expect(batch.value("sonde_process_worker_count", group: absent) == 0)
            #expect(batch.value("sonde_process_restarts_total", group: absent) == 0)
            #expect(batch.value("sonde_process_threads", group: absent) == nil)
        }

        var second = MetricBatch()
        try await collector.collect(into: &second)
        #expect(second.value("sonde_process_cpu_seconds_total", group: "gunicorn", ["mode": "user"]) == 0.32)
        #expect(second.value("sonde_process_cpu_percent", group: "gunicorn") == 0)
    }

    @Test("a missing procfs is an error naming it")
    func missingProc() async {
        let collector = ProcessCollector(matches: [], procPath: "/nonexistent/proc")
        var batch = MetricBatch()
        await #expect(throws: SondeError.self) { try await collector.collect(into: &batch) }
    }
}

/// A real process tree, started and killed by the test.
@Suite("Process: collector on live processes", .exclusiveMachineUse, .serialized)
final class ProcessCollectorLiveTests {
    var started: [pid_t] = []

    deinit {
        for pid in started {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, WNOHANG)
        }
    }

    /// Starts `/bin/sh -c SCRIPT MARKER`: the marker is `$0`, so it shows in the shell's cmdline only.
    func spawnShell(_ script: String, marker: String) throws -> pid_t {
        var pid: pid_t = 0
        let arguments: [String] = ["/bin/sh", "-c", script, marker]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        let result = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard result == 0 else { throw SondeError(.io, "posix_spawn: \(result)") }
        started.append(pid)
        return pid
    }

    func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        if started.contains(pid) { waitpid(pid, &status, 0) }
        started.removeAll { $0 == pid }
    }

    /// The live children of `parent`, from /proc.
    func children(of parent: pid_t) -> [(pid: pid_t, stat: ProcStat)] {
        (ProcFS.listPIDs("/proc") ?? []).compactMap { pid in
            guard let text = ProcFS.readText("/proc/\(pid)/stat"), let stat = try? parseProcStat(text),
                  stat.ppid == parent, stat.state != UInt8(ascii: "Z") else { return nil }
            return (pid, stat)
        }
    }

    /// Collects until `condition` holds (processes take a moment to fork and exit), up to ~10 s.
    func collect(_ collector: ProcessCollector, until condition: (MetricBatch) -> Bool) async throws -> MetricBatch {
        var batch = MetricBatch()
        for _ in 0..<200 {
            batch = MetricBatch()
            try await collector.collect(into: &batch)
            if condition(batch) { return batch }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition never held; last batch: \(batch.samples.map { "\($0.labels) \($0.value)" })")
        return batch
    }

    static func uniqueMarker() -> String {
        let now = SystemClock().wall.components
        return "sonde-test-\(getpid())-\(now.seconds)\(now.attoseconds / 1_000_000_000)"
    }

    @Test("parent and children as one group: kill a child, kill and restart the root")
    func liveTree() async throws {
        let marker = Self.uniqueMarker()
        // One child burns some CPU before sleeping, so there is CPU time to lose when it dies.
        let script = "(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exec sleep 30) & sleep 30 & wait"
        let collector = try ProcessCollector(groups: [
            ProcessGroup(name: "tree", rules: [.cmdline(marker)]),
            ProcessGroup(name: "nothing", rules: [.cmdline(marker + "-absent")]),
        ])
        let root = try spawnShell(script, marker: marker)

        // Wait until both children run `sleep` (the busy loop is over).
        var batch = try await collect(collector) { _ in
            let kids = children(of: root)
            return kids.count == 2 && kids.allSatisfy { $0.stat.comm == "sleep" }
        }
        batch = try await collect(collector) { $0.value("sonde_process_count", group: "tree") == 3 }
        #expect(batch.value("sonde_process_count", group: "tree") == 3)
        #expect(batch.value("sonde_process_worker_count", group: "tree") == 2)
        #expect((batch.value("sonde_process_threads", group: "tree") ?? 0) >= 3)
        #expect((batch.value("sonde_process_resident_memory_bytes", group: "tree") ?? 0) > 0)
        #expect((batch.value("sonde_process_open_fds", group: "tree") ?? 0) >= 3)
        #expect((batch.value("sonde_process_oldest_age_seconds", group: "tree") ?? -1) >= 0)
        #expect(batch.value("sonde_process_restarts_total", group: "tree") == 0)
        #expect(batch.value("sonde_process_count", group: "nothing") == 0)
        #expect(batch.value("sonde_process_worker_count", group: "nothing") == 0)
        let cpuBefore = (batch.value("sonde_process_cpu_seconds_total", group: "tree", ["mode": "user"]) ?? 0)
            + (batch.value("sonde_process_cpu_seconds_total", group: "tree", ["mode": "system"]) ?? 0)
        #expect(cpuBefore > 0)

        // Kill the child that burnt CPU: the count drops, the CPU counter does not.
        let busy = try #require(children(of: root).max { $0.stat.utime + $0.stat.stime < $1.stat.utime + $1.stat.stime })
        kill(busy.pid, SIGKILL)
        batch = try await collect(collector) { $0.value("sonde_process_count", group: "tree") == 2 }
        #expect(batch.value("sonde_process_worker_count", group: "tree") == 1)
        let cpuAfter = (batch.value("sonde_process_cpu_seconds_total", group: "tree", ["mode": "user"]) ?? 0)
            + (batch.value("sonde_process_cpu_seconds_total", group: "tree", ["mode": "system"]) ?? 0)
        #expect(cpuAfter >= cpuBefore)

        // Kill the root (and its remaining child): the group is down, not restarted.
        for kid in children(of: root) { kill(kid.pid, SIGKILL) }
        stop(root)
        batch = try await collect(collector) { $0.value("sonde_process_count", group: "tree") == 0 }
        #expect(batch.value("sonde_process_restarts_total", group: "tree") == 0)
        #expect(batch.value("sonde_process_threads", group: "tree") == nil)
        #expect((batch.value("sonde_process_cpu_seconds_total", group: "tree", ["mode": "user"]) ?? 0)
                + (batch.value("sonde_process_cpu_seconds_total", group: "tree", ["mode": "system"]) ?? 0) >= cpuAfter)

        // A new root with the same marker: one restart.
        let second = try spawnShell("sleep 30 & wait", marker: marker)
        batch = try await collect(collector) { $0.value("sonde_process_count", group: "tree") == 2 }
        #expect(batch.value("sonde_process_restarts_total", group: "tree") == 1)
        #expect(batch.value("sonde_process_worker_count", group: "tree") == 1)
        for kid in children(of: second) { kill(kid.pid, SIGKILL) }
        stop(second)
    }

    @Test("the default sonde group finds the agent's own process")
    func selfGroup() async throws {
        let collector = try ProcessCollector(groups: ProcessGroup.defaults)
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect((batch.value("sonde_process_count", group: "sonde") ?? 0) >= 1)
        #expect((batch.value("sonde_process_resident_memory_bytes", group: "sonde") ?? 0) > 0)
        for group in ["gunicorn", "postgres", "nginx"] {
            #expect(batch.value("sonde_process_count", group: group) != nil)
        }
    }
}
