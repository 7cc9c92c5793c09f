import SondeCollectors
import SondeCore
import Testing

@Suite("Systemd parsers")
struct SystemdParsersTests {
    // MARK: cpu.stat

    @Test("cpu.stat of the root group, captured: core lines only, no throttling")
    func capturedRootCPUStat() throws {
        let stat = try SystemdParsers.parseCPUStat(try SystemdFixtures.text("captured/unified/cpu.stat"))
        #expect(
            stat
                == SystemdParsers.CPUStat(
                    usageMicroseconds: 6_263_825_343, userMicroseconds: 5_747_003_179, systemMicroseconds: 516_822_164
                )
        )
        #expect(stat.throttledPeriods == nil)
        #expect(stat.throttledMicroseconds == nil)
    }

    @Test("cpu.stat of a service with the cpu controller: throttling counters")
    func serviceCPUStat() throws {
        let stat = try SystemdParsers.parseCPUStat(try SystemdFixtures.text("cgroup/system.slice/myapp.service/cpu.stat"))
        #expect(stat.usageMicroseconds == 8_412_733_521)
        #expect(stat.userMicroseconds == 7_301_245_877)
        #expect(stat.systemMicroseconds == 1_111_487_644)
        #expect(stat.periods == 501_234)
        #expect(stat.throttledPeriods == 1207)
        #expect(stat.throttledMicroseconds == 98_211_345)
    }

    @Test("cpu.stat ignores keys added by later kernels")
    func cpuStatUnknownKeys() throws {
        let text = "usage_usec 3\nuser_usec 2\nsystem_usec 1\ncore_sched.force_idle_usec 9\nsomething_new 7\n"
        let stat = try SystemdParsers.parseCPUStat(text)
        #expect(stat == SystemdParsers.CPUStat(usageMicroseconds: 3, userMicroseconds: 2, systemMicroseconds: 1))
    }

    @Test("cpu.stat errors name the file, line and column")
    func cpuStatErrors() {
        let file = "/sys/fs/cgroup/system.slice/x.service/cpu.stat"
        #expect(throws: ParseError(file: file, line: 2, column: 11, message: "expected the value of user_usec as an unsigned integer, found \"12a\"")) {
            try SystemdParsers.parseCPUStat("usage_usec 1\nuser_usec 12a\nsystem_usec 1\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 11, message: "line ends before the value")) {
            try SystemdParsers.parseCPUStat("usage_usec\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 14, message: "expected \"key value\", found extra \"2\"")) {
            try SystemdParsers.parseCPUStat("usage_usec 1 2\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 2, column: 1, message: "no system_usec line")) {
            try SystemdParsers.parseCPUStat("usage_usec 1\nuser_usec 1\n", file: file)
        }
        let error = #expect(throws: ParseError.self) { try SystemdParsers.parseCPUStat("", file: file) }
        #expect(error?.description == "\(file):1:1: no usage_usec line")
    }

    // MARK: io.stat

    @Test("io.stat with two devices, exact counters")
    func ioStat() throws {
        let devices = try SystemdParsers.parseIOStat(try SystemdFixtures.text("cgroup/system.slice/myapp.service/io.stat"))
        #expect(
            devices == [
                SystemdParsers.IOStat(
                    device: "259:0", readBytes: 734_003_200, writtenBytes: 5_219_966_976, reads: 17933, writes: 402_181,
                    discardedBytes: 0, discards: 0
                ),
                SystemdParsers.IOStat(
                    device: "259:1", readBytes: 1_458_176, writtenBytes: 314_773_504, reads: 192, writes: 353,
                    discardedBytes: 50_331_648, discards: 12
                ),
            ]
        )
    }

    @Test("io.stat ignores io.cost and io.latency keys; kernels before 5.0 have no discard counters")
    func ioStatExtraAndOldKeys() throws {
        let nginx = try SystemdParsers.parseIOStat(try SystemdFixtures.text("cgroup/system.slice/nginx.service/io.stat"))
        #expect(nginx == [SystemdParsers.IOStat(device: "259:0", readBytes: 4096, writtenBytes: 118_784_000, reads: 1, writes: 29000, discardedBytes: 0, discards: 0)])
        let old = try SystemdParsers.parseIOStat("8:0 rbytes=1 wbytes=2 rios=3 wios=4 use_delay=0 delay_nsec=0\n")
        #expect(old == [SystemdParsers.IOStat(device: "8:0", readBytes: 1, writtenBytes: 2, reads: 3, writes: 4)])
        #expect(try SystemdParsers.parseIOStat("") == [])
    }

    @Test("io.stat errors name the file, line and column")
    func ioStatErrors() {
        let file = "io.stat"
        #expect(throws: ParseError(file: file, line: 2, column: 1, message: "expected a device as MAJ:MIN, found \"sda\"")) {
            try SystemdParsers.parseIOStat("8:0 rbytes=1 wbytes=2 rios=3 wios=4\nsda rbytes=1\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 7, message: "expected key=value, found \"rbytes\"")) {
            try SystemdParsers.parseIOStat("259:0 rbytes wbytes=2\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 21, message: "expected wbytes as an unsigned integer, found \"-2\"")) {
            try SystemdParsers.parseIOStat("8:0 rbytes=1 wbytes=-2 rios=3 wios=4\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 29, message: "device 8:0 has no wios= counter")) {
            try SystemdParsers.parseIOStat("8:0 rbytes=1 wbytes=2 rios=3\n", file: file)
        }
    }

    // MARK: single values

    @Test("single values: numbers and max, from captured and written files")
    func singleValues() throws {
        #expect(try SystemdParsers.parseSingleValue(try SystemdFixtures.text("captured/unified/cgroup.max.depth")) == .max)
        #expect(try SystemdParsers.parseSingleValue(try SystemdFixtures.text("captured/unified/cgroup.max.descendants")) == .max)
        #expect(try SystemdParsers.parseSingleValue(try SystemdFixtures.text("cgroup/system.slice/myapp.service/memory.current")) == .value(1_365_184_512))
        #expect(try SystemdParsers.parseSingleValue(try SystemdFixtures.text("cgroup/system.slice/myapp.service/memory.max")) == .value(2_147_483_648))
        #expect(try SystemdParsers.parseSingleValue(try SystemdFixtures.text("cgroup/system.slice/nginx.service/memory.max")) == .max)
        #expect(try SystemdParsers.parseSingleValue("18446744073709551615\n") == .value(.max))
        #expect(SystemdParsers.SingleValue.max.number == nil)
    }

    @Test("single value errors name the file, line and column")
    func singleValueErrors() {
        let file = "memory.current"
        #expect(throws: ParseError(file: file, line: 1, column: 1, message: "empty file, expected a number or \"max\"")) {
            try SystemdParsers.parseSingleValue("", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 1, message: "expected a number or \"max\", found \"-1\"")) {
            try SystemdParsers.parseSingleValue("-1\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 4, message: "expected one value, found extra \"34\"")) {
            try SystemdParsers.parseSingleValue("12 34\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 2, column: 1, message: "expected one value, found another line")) {
            try SystemdParsers.parseSingleValue("12\n34\n", file: file)
        }
        #expect(throws: ParseError(file: file, line: 1, column: 1, message: "expected a number or \"max\", found \"99999999999999999999\"")) {
            try SystemdParsers.parseSingleValue("99999999999999999999\n", file: file)
        }
    }
}
