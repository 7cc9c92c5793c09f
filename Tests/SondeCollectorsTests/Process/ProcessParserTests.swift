@testable import SondeCollectors
import SondeCore
import Testing

@Suite("Process: /proc parsers")
struct ProcessParserTests {
    @Test("stat of a real python3 process")
    func realStat() throws {
        let stat = try parseProcStat(ProcessFixtures.text("24690/stat"))
        #expect(stat.pid == 24690)
        #expect(stat.comm == "python3")
        #expect(stat.state == UInt8(ascii: "S"))
        #expect(stat.ppid == 1)
        #expect(stat.utime == 3 && stat.stime == 2)
        #expect(stat.threads == 1)
        #expect(stat.startTime == 437703)
        #expect(stat.virtualMemoryBytes == 16_961_536)
        #expect(stat.residentPages == 3319)
    }

    @Test("stat of a process named \"(a) b)\": the name runs to the last parenthesis")
    func trickyComm() throws {
        let stat = try parseProcStat(ProcessFixtures.text("24692/stat"))
        #expect(stat.comm == "(a) b)")
        #expect(stat.ppid == 1)
        #expect(stat.startTime == 437703)
        #expect(stat.virtualMemoryBytes == 2_990_080)
        // Synthetic, worse: spaces, a closing parenthesis followed by something that looks like fields.
        let worse = try parseProcStat("7 () 1 2 3) Z 5 0 0 0 -1 0 0 0 0 0 11 12 0 0 20 -5 4 0 99 1000 7")
        #expect(worse.comm == ") 1 2 3")
        #expect(worse.state == UInt8(ascii: "Z"))
        #expect(worse.ppid == 5 && worse.utime == 11 && worse.stime == 12 && worse.threads == 4)
        #expect(worse.startTime == 99 && worse.virtualMemoryBytes == 1000 && worse.residentPages == 7)
    }

    @Test("stat of a zombie and of a kernel thread")
    func zombieAndKernelThread() throws {
        let zombie = try parseProcStat(ProcessFixtures.text("24700/stat"))
        #expect(zombie.state == UInt8(ascii: "Z"))
        #expect(zombie.ppid == 24695)
        #expect(zombie.virtualMemoryBytes == 0 && zombie.residentPages == 0)
        #expect(parseCmdline(try ProcessFixtures.bytes("24700/cmdline")) == "")
        let kthreadd = try parseProcStat(ProcessFixtures.text("2/stat"))
        #expect(kthreadd.comm == "kthreadd" && kthreadd.ppid == 0)
    }

    @Test("malformed stat lines are errors, not crashes", arguments: [
        "", "123", "123 (x", "x (y) S 1", "12 (x) S 1 2 3", "12 (x) S abc 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
    ])
    func malformedStat(_ text: String) {
        #expect(throws: SondeError.self) { try parseProcStat(text) }
    }

    @Test("status: uids, threads and memory; a zombie has no memory lines")
    func status() throws {
        let status = try parseStatus(ProcessFixtures.text("24690/status"))
        #expect(status.name == "python3")
        #expect(status.uids == [0, 0, 0, 0] && status.effectiveUID == 0)
        #expect(status.threads == 1)
        #expect(status.residentBytes == 13472 * 1024)
        #expect(status.ppid == 1 && status.tgid == 24690)
        let zombie = try parseStatus(ProcessFixtures.text("24700/status"))
        #expect(zombie.state == UInt8(ascii: "Z"))
        #expect(zombie.residentBytes == nil)
        let init1 = try parseStatus(ProcessFixtures.text("1/status"))
        #expect(init1.threads == 13)
        #expect(throws: SondeError.self) { try parseStatus("") }
        let user = try parseStatus("Name:\tpostgres\nUid:\t107\t108\t109\t110\n")
        #expect(user.effectiveUID == 108)
        // The scan's fast path agrees.
        #expect(parseStatusEffectiveUID(ArraySlice("Name:\tpostgres\nUid:\t107\t108\t109\t110\n".utf8)) == 108)
        #expect(parseStatusEffectiveUID(ArraySlice(try ProcessFixtures.bytes("24690/status"))) == 0)
        #expect(parseStatusEffectiveUID(ArraySlice("Name:\tx\nUid:\t1\n".utf8)) == nil)
        #expect(parseStatusEffectiveUID([]) == nil)
    }

    @Test("io: read_bytes and write_bytes")
    func io() throws {
        let io = try parseIO(ProcessFixtures.text("24690/io"))
        #expect(io == ProcIO(rchar: 1_693_783, wchar: 1692, readBytes: 24576, writtenBytes: 0, cancelledWriteBytes: 0))
        #expect(throws: SondeError.self) { try parseIO("rchar: 1\n") }
        #expect(throws: SondeError.self) { try parseIO("read_bytes: x\nwrite_bytes: 1\n") }
    }

    @Test("limits: soft and hard open files, unlimited as nil")
    func limits() throws {
        let limits = try parseLimits(ProcessFixtures.text("24690/limits"))
        #expect(limits.openFiles == ProcLimit(soft: 20000, hard: 20000))
        #expect(limits.limits["Max cpu time"] == ProcLimit(soft: nil, hard: nil))
        #expect(limits.limits["Max stack size"] == ProcLimit(soft: 8_388_608, hard: nil))
        #expect(limits.limits["Max realtime timeout"] != nil)
        #expect(limits.limits.count == 16)
        #expect(throws: SondeError.self) { try parseLimits("") }
    }

    @Test("cgroup: v2 service, user service, hybrid v1, none")
    func cgroup() throws {
        let real = try parseCgroup(ProcessFixtures.text("24690/cgroup"))
        #expect(real.entries.count == 10)
        #expect(real.entries[5] == ProcCgroup.Entry(hierarchy: 4, controllers: ["memory"],
                                                     path: "/process_api/211f671b9bea4509b018b971aa065f9f"))
        #expect(real.systemdUnit == nil)
        #expect(try parseCgroup("0::/system.slice/myapp.service\n").systemdUnit == "myapp.service")
        #expect(try parseCgroup("0::/system.slice/postgresql@16-main.service\n").systemdUnit == "postgresql@16-main.service")
        #expect(try parseCgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.service\n").systemdUnit == "x.service")
        #expect(try parseCgroup("0::/user.slice/user-1000.slice/session-3.scope\n").systemdUnit == nil)
        let hybrid = "12:pids:/system.slice/nginx.service\n1:name=systemd:/system.slice/nginx.service\n0::/\n"
        #expect(try parseCgroup(hybrid).systemdUnit == "nginx.service")
        #expect(throws: SondeError.self) { try parseCgroup("garbage\n") }
    }

    @Test("cmdline: NULs become spaces, the trailing NUL goes")
    func cmdline() throws {
        #expect(parseCmdline(try ProcessFixtures.bytes("24690/cmdline"))
                == "/root/.pyenv/versions/3.11.7/bin/python3 /tmp/fx/venv/bin/gunicorn app:application --workers 2")
        #expect(parseCmdline(Array("gunicorn: master [app]".utf8) + [0, 0]) == "gunicorn: master [app]")
        #expect(parseCmdline([UInt8]()) == "")
    }

    @Test("btime from /proc/stat and users from passwd")
    func bootTimeAndPasswd() throws {
        #expect(try parseBootTime(ProcessFixtures.text("stat")) > 1_700_000_000)
        #expect(throws: SondeError.self) { try parseBootTime("cpu 1 2 3\n") }
        let users = parsePasswd("# comment\nroot:x:0:0:root:/root:/bin/bash\npostgres:x:107:113::/var/lib/postgresql:/bin/bash\n+nis\nbroken\n")
        #expect(users == ["root": 0, "postgres": 107])
    }

    @Test("missing files read as nil, not as errors")
    func missingFiles() {
        var buffer: [UInt8] = []
        #expect(ProcFS.readFile(ProcessFixtures.proc + "/1/io", into: &buffer) == nil)
        #expect(ProcFS.readText(ProcessFixtures.proc + "/999999/stat") == nil)
        #expect(ProcFS.countEntries(ProcessFixtures.proc + "/999999/fd") == nil)
        #expect(ProcFS.readLink(ProcessFixtures.proc + "/2/exe") == nil)
        #expect(ProcFS.countEntries(ProcessFixtures.proc + "/24690/fd") == 5)
        #expect(ProcFS.readLink(ProcessFixtures.proc + "/24690/exe") == "/root/.pyenv/versions/3.11.7/bin/python3.11")
    }
}
