import SondeCollectors
import SondeCore
import Testing

/// The parsers on files captured from a real machine (Linux 6.18, 2 CPUs, virtio disk), with the
/// exact values in those files, and on malformed input.
@Suite("Host parsers")
struct HostParsersTests {
    @Test("/proc/stat: aggregate and per-cpu ticks, counters")
    func stat() throws {
        let stat = try HostParsers.parseStat(HostFixtures.text("proc/stat"))
        #expect(stat.total == HostParsers.CPUTimes(user: 423341, nice: 0, system: 33988, idle: 317696, iowait: 12125, irq: 0, softirq: 767, steal: 968))
        #expect(stat.cpus.count == 2)
        #expect(stat.cpus[0] == .init(index: 0, times: .init(user: 206969, nice: 0, system: 14979, idle: 169579, iowait: 2480, irq: 0, softirq: 151, steal: 430)))
        #expect(stat.cpus[1].index == 1)
        #expect(stat.cpus[1].times.user == 216372)
        #expect(stat.interrupts == 2_404_684)
        #expect(stat.contextSwitches == 3_212_835)
        #expect(stat.bootTime == 1_795_331_135)
        #expect(stat.forks == 47764)
        #expect(stat.procsRunning == 9)
        #expect(stat.procsBlocked == 0)
    }

    @Test("/proc/stat: old kernels with four cpu columns; guest columns")
    func statColumns() throws {
        let old = try HostParsers.parseStat("cpu  1 2 3 4\ncpu0 1 2 3 4\n")
        #expect(old.total == HostParsers.CPUTimes(user: 1, nice: 2, system: 3, idle: 4))
        let guest = try HostParsers.parseStat("cpu 1 2 3 4 5 6 7 8 9 10\n")
        #expect(guest.total.guest == 9)
        #expect(guest.total.guestNice == 10)
        #expect(guest.total.total == 36)  // guest is inside user and nice, not added again
    }

    @Test("/proc/meminfo: every line, kB scaled to bytes, unitless HugePages counts")
    func meminfo() throws {
        let meminfo = try HostParsers.parseMeminfo(HostFixtures.text("proc/meminfo"))
        #expect(meminfo.entries.count == 54)
        #expect(meminfo["MemTotal"] == 24_684_084 * 1024)
        #expect(meminfo["MemFree"] == 23_186_832 * 1024)
        #expect(meminfo["MemAvailable"] == 23_884_124 * 1024)
        #expect(meminfo["Buffers"] == 5580 * 1024)
        #expect(meminfo["Cached"] == 783_860 * 1024)
        #expect(meminfo["Active(anon)"] == 1584 * 1024)
        #expect(meminfo["HugePages_Total"] == 0)
        #expect(meminfo["Hugepagesize"] == 2048 * 1024)
        let names = meminfo.entries.map(\.metricName)
        #expect(names.contains("node_memory_Active_anon_bytes"))
        #expect(names.contains("node_memory_HugePages_Total"))
        #expect(names.contains("node_memory_HugePages_Free"))
        #expect(names.contains("node_memory_Hugepagesize_bytes"))
        #expect(names.contains("node_memory_MemTotal_bytes"))
        let used = try #require(meminfo.usedPercent)
        #expect(abs(used - 100 * (1 - 23_884_124.0 / 24_684_084.0)) < 1e-9)
    }

    @Test("/proc/loadavg, /proc/uptime, /proc/sys/fs/file-nr")
    func smallFiles() throws {
        #expect(try HostParsers.parseLoadavg(HostFixtures.text("proc/loadavg")) == .init(load1: 0.66, load5: 0.88, load15: 1.43))
        #expect(try HostParsers.parseUptime(HostFixtures.text("proc/uptime")) == .init(uptime: 3955.96, idle: 3176.96))
        #expect(try HostParsers.parseFileNr(HostFixtures.text("proc/sys/fs/file-nr")) == .init(allocated: 1205, unused: 0, maximum: 2_466_170))
    }

    @Test("/proc/pressure: some and full lines, total in microseconds")
    func pressure() throws {
        let cpu = try HostParsers.parsePressure(HostFixtures.text("proc/pressure/cpu"))
        #expect(cpu.some == .init(avg10: 16.37, avg60: 3.77, avg300: 6.00, totalMicroseconds: 771_559_159))
        #expect(cpu.some?.totalSeconds == 771.559159)
        let io = try HostParsers.parsePressure(HostFixtures.text("proc/pressure/io"))
        #expect(io.full?.totalMicroseconds == 89_672_868)
        #expect(io.some?.avg300 == 2.33)
        // Linux before 5.13: the cpu file has only a "some" line.
        let old = try HostParsers.parsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=12\n")
        #expect(old.full == nil)
        #expect(old.some?.totalMicroseconds == 12)
    }

    @Test("/proc/diskstats: all 17 fields, sectors and milliseconds as the kernel prints them")
    func diskstats() throws {
        let disks = try HostParsers.parseDiskstats(HostFixtures.text("proc/diskstats"))
        #expect(disks.map(\.device) == ["loop0", "loop1", "loop2", "loop3", "loop4", "loop5", "loop6", "loop7", "vda", "zram0"])
        let vda = try #require(disks.first { $0.device == "vda" })
        #expect(vda.major == 254 && vda.minor == 0)
        #expect(vda.readsCompleted == 377_275)
        #expect(vda.readsMerged == 42510)
        #expect(vda.sectorsRead == 31_883_594)
        #expect(vda.readTimeMs == 2_714_656)
        #expect(vda.writesCompleted == 325_272)
        #expect(vda.writesMerged == 85634)
        #expect(vda.sectorsWritten == 17_540_136)
        #expect(vda.writeTimeMs == 109_152)
        #expect(vda.ioInProgress == 0)
        #expect(vda.ioTimeMs == 149_288)
        #expect(vda.weightedIOTimeMs == 2_844_988)
        #expect(vda.discardsCompleted == 48997)
        #expect(vda.sectorsDiscarded == 139_710_808)
        #expect(vda.discardTimeMs == 15581)
        #expect(vda.flushRequestsCompleted == 107_010)
        #expect(vda.flushTimeMs == 5598)
    }

    @Test("/proc/diskstats: kernels before 4.18 (11 fields) have no discard or flush values")
    func diskstatsOld() throws {
        let disks = try HostParsers.parseDiskstats(HostFixtures.text("variants/diskstats-mixed"))
        let sda = try #require(disks.first { $0.device == "sda" })
        #expect(sda.weightedIOTimeMs == 2000)
        #expect(sda.discardsCompleted == nil)
        #expect(sda.flushRequestsCompleted == nil)
        let sdb = try #require(disks.first { $0.device == "sdb" })  // 15 fields: discards, no flush
        #expect(sdb.discardsCompleted == 0)
        #expect(sdb.flushRequestsCompleted == nil)
    }

    @Test("/proc/mounts: fields, octal escapes, read-only option")
    func mounts() throws {
        let mounts = try HostParsers.parseMounts(HostFixtures.text("proc/mounts"))
        #expect(mounts.count == 19)
        let root = try #require(mounts.first { $0.mountPoint == "/" })
        #expect(root == .init(device: "/dev/vda", mountPoint: "/", fsType: "ext4", options: "rw,relatime,discard,resv_strict,resuid=65534,resgid=65534"))
        #expect(!root.isReadOnly)
        let variant = try HostParsers.parseMounts(HostFixtures.text("variants/mounts-pseudo"))
        let media = try #require(variant.first { $0.device == "/dev/nvme2n1" })
        #expect(media.mountPoint == "/srv/media files")
        #expect(media.isReadOnly)
    }

    @Test("/proc/net/dev: 8 receive and 8 transmit counters per interface, lo kept")
    func netDev() throws {
        let devices = try HostParsers.parseNetDev(HostFixtures.text("proc/net/dev"))
        #expect(devices.map(\.device) == ["lo", "ifb0", "ifb1", "eth0"])
        #expect(devices[3].receive == [58_089_439, 1052, 0, 0, 0, 0, 0, 0])
        #expect(devices[3].transmit == [53751, 648, 0, 0, 0, 0, 0, 0])
        #expect(devices[0].receive[0] == 199_739_669)
        // A counter wide enough to touch the colon.
        let glued = try HostParsers.parseNetDev("eth1:12345678901 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n")
        #expect(glued[0].device == "eth1")
        #expect(glued[0].receive[0] == 12_345_678_901)
        #expect(glued[0].transmit[7] == 16)
    }

    @Test("/proc/net/sockstat: key/value pairs per protocol, node_exporter names")
    func sockstat() throws {
        let entries = try HostParsers.parseSockstat(HostFixtures.text("proc/net/sockstat"))
        func value(_ name: String) -> UInt64? { entries.first { $0.metricName == name }?.value }
        #expect(value("node_sockstat_sockets_used") == 36)
        #expect(value("node_sockstat_TCP_inuse") == 1)
        #expect(value("node_sockstat_TCP_orphan") == 0)
        #expect(value("node_sockstat_TCP_tw") == 0)
        #expect(value("node_sockstat_TCP_alloc") == 1)
        #expect(value("node_sockstat_TCP_mem") == 170)
        #expect(value("node_sockstat_FRAG_memory") == 0)
        #expect(entries.count == 12)
    }

    @Test("/proc/net/snmp and /proc/net/netstat: node_exporter's default field filter")
    func netstat() throws {
        let snmp = try HostParsers.parseNetSNMP(HostFixtures.text("proc/net/snmp"))
        let netstat = try HostParsers.parseNetstat(HostFixtures.text("proc/net/netstat"))
        var got: [String: Double] = [:]
        for entry in snmp + netstat { got[entry.metricName] = entry.value }
        // Computed from the fixture with node_exporter's regular expression.
        let expected: [String: Double] = [
            "Ip_Forwarding": 2, "Icmp_InMsgs": 1, "Icmp_InErrors": 0, "Icmp_OutMsgs": 0, "Tcp_ActiveOpens": 1817,
            "Tcp_PassiveOpens": 1808, "Tcp_CurrEstab": 0, "Tcp_InSegs": 377_246, "Tcp_OutSegs": 376_828,
            "Tcp_RetransSegs": 7, "Tcp_InErrs": 0, "Tcp_OutRsts": 0, "Udp_InDatagrams": 43, "Udp_NoPorts": 0,
            "Udp_InErrors": 0, "Udp_OutDatagrams": 44, "Udp_RcvbufErrors": 0, "Udp_SndbufErrors": 0,
            "UdpLite_InErrors": 0, "TcpExt_SyncookiesSent": 0, "TcpExt_SyncookiesRecv": 0,
            "TcpExt_SyncookiesFailed": 0, "TcpExt_ListenOverflows": 0, "TcpExt_ListenDrops": 0,
            "TcpExt_TCPTimeouts": 2, "TcpExt_TCPOFOQueue": 0, "TcpExt_TCPSynRetrans": 0, "TcpExt_TCPRcvQDrop": 0,
            "IpExt_InOctets": 257_814_196, "IpExt_OutOctets": 199_782_036,
        ]
        #expect(got == Dictionary(uniqueKeysWithValues: expected.map { ("node_netstat_" + $0.key, $0.value) }))
        // Unfiltered, signed values parse too.
        let all = try HostParsers.parseNetSNMP(HostFixtures.text("proc/net/snmp"), filter: .all)
        #expect(all.first { $0.proto == "Tcp" && $0.field == "MaxConn" }?.value == -1)
    }

    // MARK: - Malformed input

    @Test("malformed files fail with the file, line and column and what was expected")
    func malformed() {
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { _ = try HostParsers.parseStat("cpu  1 2 3 4\ncpu0 1 2 x3 4\n", file: "/proc/stat") }
            == "/proc/stat:2:10: expected the system ticks as an unsigned integer, found \"x3\"")
        #expect(message { _ = try HostParsers.parseStat("cpu  1 2\n", file: "/proc/stat") }
            == "/proc/stat:1:9: cpu line has 2 values, expected at least 4")
        #expect(message { _ = try HostParsers.parseStat("cpu 1 2 3 4\nctxt\n", file: "/proc/stat") }
            == "/proc/stat:2:5: line ends before the context switch count")
        #expect(message { _ = try HostParsers.parseStat("intr 5\n", file: "/proc/stat") }
            == "/proc/stat:1:1: no aggregate \"cpu\" line")
        #expect(message { _ = try HostParsers.parseStat("cpu 1 2 3 99999999999999999999\n") }
            == "1:11: expected the idle ticks as an unsigned integer, found \"99999999999999999999\"")
        #expect(message { _ = try HostParsers.parseMeminfo("MemTotal: 100 kB\nMemFree: 5x kB\n", file: "/proc/meminfo") }
            == "/proc/meminfo:2:10: expected the value of MemFree as an unsigned integer, found \"5x\"")
        #expect(message { _ = try HostParsers.parseMeminfo("MemTotal: 100 kB\nMemFree:\n", file: "/proc/meminfo") }
            == "/proc/meminfo:2:9: line ends before the value of MemFree")
        #expect(message { _ = try HostParsers.parseMeminfo("MemTotal 100 kB\n") }
            == "1:1: expected \"Field:\", found \"MemTotal\"")
        #expect(message { _ = try HostParsers.parseMeminfo("MemTotal: 100 MB\n") }
            == "1:15: expected the unit \"kB\", found \"MB\"")
        #expect(message { _ = try HostParsers.parseLoadavg("0.5 abc 1\n", file: "/proc/loadavg") }
            == "/proc/loadavg:1:5: expected the 5 minute load as a number, found \"abc\"")
        #expect(message { _ = try HostParsers.parseLoadavg("") } == "1:1: empty file")
        #expect(message { _ = try HostParsers.parsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg6", file: "/proc/pressure/io") }
            == "/proc/pressure/io:2:17: expected key=value, found \"avg6\"")
        #expect(message { _ = try HostParsers.parsePressure("some avg10=0.00 avg60=0.00\n") }
            == "1:27: pressure line lacks one of avg10, avg60, avg300, total")
        #expect(message { _ = try HostParsers.parseDiskstats(" 8 0 sda 1 2 3\n", file: "/proc/diskstats") }
            == "/proc/diskstats:1:15: sda has 3 values, expected at least 11")
        #expect(message { _ = try HostParsers.parseDiskstats(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 -11\n") }
            == "1:31: expected diskstats field 11 of sda as an unsigned integer, found \"-11\"")
        #expect(message { _ = try HostParsers.parseMounts("/dev/sda1 /\n", file: "/proc/mounts") }
            == "/proc/mounts:1:12: line ends before the file system type")
        #expect(message { _ = try HostParsers.parseNetDev("Inter-|\n face |\n  eth0: 1 2 3\n", file: "/proc/net/dev") }
            == "/proc/net/dev:3:14: line ends before counter 4 of eth0")
        #expect(message { _ = try HostParsers.parseNetDev("  eth0 1 2 3\n") } == "1:1: expected \"device: counters\"")
        #expect(message { _ = try HostParsers.parseSockstat("TCP: inuse x\n") }
            == "1:12: expected the value of TCP inuse as an unsigned integer, found \"x\"")
        #expect(message { _ = try HostParsers.parseNetSNMP("Tcp: A CurrEstab\nTcp: 1\n", file: "/proc/net/snmp") }
            == "/proc/net/snmp:2:7: fewer values than names for Tcp: no value for CurrEstab")
        #expect(message { _ = try HostParsers.parseNetSNMP("Tcp: RetransSegs\n", file: "/proc/net/snmp") }
            == "/proc/net/snmp:1:1: Tcp: header has no value line")
        #expect(message { _ = try HostParsers.parseNetSNMP("Tcp: RetransSegs\nTcp: 1 2\n") }
            == "2:8: more values than names for Tcp")
        #expect(message { _ = try HostParsers.parseFileNr("12 0\n") } == "1:5: line ends before the maximum handle count")
        #expect(message { _ = try HostParsers.parseUptime("12.5 abc\n") } == "1:6: expected the idle time as a number, found \"abc\"")
    }
}
