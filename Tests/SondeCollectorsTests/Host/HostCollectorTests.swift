import SondeCollectors
import SondeCore
import Testing

@Suite("HostCollector")
struct HostCollectorTests {
    private func collector(proc: String = HostFixtures.proc, sys: String = HostFixtures.sys, rootfs: String = HostFixtures.root) -> HostCollector {
        HostCollector(procPath: proc, sysPath: sys, rootfsPath: rootfs)
    }

    @Test("a full run on the fixture tree: node_exporter names, labels and values")
    func fixtureRun() async throws {
        var batch = MetricBatch()
        try await collector().collect(into: &batch)

        // cpu
        #expect(batch.hostValue("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]) == 2069.69)
        #expect(batch.hostValue("node_cpu_seconds_total", ["cpu": "1", "mode": "iowait"]) == 96.44)
        #expect(batch.hostValue("node_cpu_seconds_total", ["cpu": "0", "mode": "steal"]) == 4.3)
        #expect(batch.hostSamples(named: "node_cpu_seconds_total").count == 16)
        #expect(batch.hostSamples(named: "node_cpu_guest_seconds_total").count == 4)
        #expect(batch.hostValue("host_cpu_utilization_percent") == nil)  // first run: no previous totals
        #expect(batch.hostValue("node_procs_running") == 9)
        #expect(batch.hostValue("node_procs_blocked") == 0)
        #expect(batch.hostValue("node_forks_total") == 47764)
        #expect(batch.hostValue("node_context_switches_total") == 3_212_835)
        #expect(batch.hostValue("node_intr_total") == 2_404_684)
        #expect(batch.hostValue("node_boot_time_seconds") == 1_795_331_135)

        // memory
        #expect(batch.hostValue("node_memory_MemTotal_bytes") == Double(24_684_084 * 1024))
        #expect(batch.hostValue("node_memory_MemAvailable_bytes") == Double(23_884_124 * 1024))
        #expect(batch.hostValue("node_memory_MemFree_bytes") == Double(23_186_832 * 1024))
        #expect(batch.hostValue("node_memory_Buffers_bytes") == Double(5580 * 1024))
        #expect(batch.hostValue("node_memory_Cached_bytes") == Double(783_860 * 1024))
        #expect(batch.hostValue("node_memory_SwapTotal_bytes") == 0)
        #expect(batch.hostValue("node_memory_SwapFree_bytes") == 0)
        #expect(batch.hostValue("node_memory_HugePages_Total") == 0)
        #expect(batch.hostValue("node_memory_HugePages_Free") == 0)
        #expect(batch.hostValue("node_memory_Active_anon_bytes") == Double(1584 * 1024))
        let used = try #require(batch.hostValue("host_memory_used_percent"))
        #expect(abs(used - 100 * (1 - 23_884_124.0 / 24_684_084.0)) < 1e-9)

        // load, pressure
        #expect(batch.hostValue("node_load1") == 0.66)
        #expect(batch.hostValue("node_load5") == 0.88)
        #expect(batch.hostValue("node_load15") == 1.43)
        #expect(batch.hostValue("node_pressure_cpu_waiting_seconds_total") == 771.559159)
        #expect(batch.hostValue("node_pressure_memory_waiting_seconds_total") == 0)
        #expect(batch.hostValue("node_pressure_memory_stalled_seconds_total") == 0)
        #expect(batch.hostValue("node_pressure_io_waiting_seconds_total") == 105.259635)
        #expect(batch.hostValue("node_pressure_io_stalled_seconds_total") == 89.672868)
        #expect(batch.hostSamples(named: "node_pressure_cpu_stalled_seconds_total").isEmpty)

        // disks: vda only (loop* and zram0 skipped)
        let vda = ["device": "vda"]
        #expect(Set(batch.hostSamples(named: "node_disk_reads_completed_total").map { $0.labels["device"] }) == ["vda"])
        #expect(batch.hostValue("node_disk_reads_completed_total", vda) == 377_275)
        #expect(batch.hostValue("node_disk_reads_merged_total", vda) == 42510)
        #expect(batch.hostValue("node_disk_read_bytes_total", vda) == Double(31_883_594 * 512))
        #expect(batch.hostValue("node_disk_read_time_seconds_total", vda) == 2714.656)
        #expect(batch.hostValue("node_disk_writes_completed_total", vda) == 325_272)
        #expect(batch.hostValue("node_disk_writes_merged_total", vda) == 85634)
        #expect(batch.hostValue("node_disk_written_bytes_total", vda) == Double(17_540_136 * 512))
        #expect(batch.hostValue("node_disk_write_time_seconds_total", vda) == 109.152)
        #expect(batch.hostValue("node_disk_io_now", vda) == 0)
        #expect(batch.hostValue("node_disk_io_time_seconds_total", vda) == 149.288)
        #expect(batch.hostValue("node_disk_io_time_weighted_seconds_total", vda) == 2844.988)
        #expect(batch.hostValue("node_disk_discards_completed_total", vda) == 48997)
        #expect(batch.hostValue("node_disk_discarded_sectors_total", vda) == 139_710_808)
        #expect(batch.hostValue("node_disk_flush_requests_total", vda) == 107_010)
        #expect(batch.hostValue("node_disk_flush_requests_time_seconds_total", vda) == 5.598)

        // filesystems: only "/" survives the skip rules in this capture; statvfs ran on rootfsPath + "/".
        let root = ["device": "/dev/vda", "fstype": "ext4", "mountpoint": "/"]
        #expect(Set(batch.hostSamples(named: "node_filesystem_size_bytes").map { $0.labels["mountpoint"] }) == ["/"])
        let size = try #require(batch.hostValue("node_filesystem_size_bytes", root))
        let free = try #require(batch.hostValue("node_filesystem_free_bytes", root))
        let avail = try #require(batch.hostValue("node_filesystem_avail_bytes", root))
        #expect(size > 0 && free <= size && avail <= free)
        #expect(try #require(batch.hostValue("node_filesystem_files", root)) > 0)
        #expect(batch.hostValue("node_filesystem_files_free", root) != nil)
        #expect(batch.hostValue("node_filesystem_readonly", root) == 0)
        #expect(batch.hostValue("node_filesystem_device_error", root) == 0)
        let fsUsed = try #require(batch.hostValue("host_filesystem_used_percent", ["mountpoint": "/"]))
        #expect(abs(fsUsed - 100 * (1 - avail / (size - free + avail))) < 1e-9)

        // network: lo kept, 16 counters each, operstate from sysPath
        let eth0 = ["device": "eth0"]
        #expect(batch.hostValue("node_network_receive_bytes_total", eth0) == 58_089_439)
        #expect(batch.hostValue("node_network_receive_packets_total", eth0) == 1052)
        #expect(batch.hostValue("node_network_receive_errs_total", eth0) == 0)
        #expect(batch.hostValue("node_network_receive_drop_total", eth0) == 0)
        #expect(batch.hostValue("node_network_transmit_bytes_total", eth0) == 53751)
        #expect(batch.hostValue("node_network_transmit_packets_total", eth0) == 648)
        #expect(batch.hostValue("node_network_transmit_errs_total", eth0) == 0)
        #expect(batch.hostValue("node_network_transmit_drop_total", eth0) == 0)
        #expect(batch.hostValue("node_network_receive_bytes_total", ["device": "lo"]) == 199_739_669)
        #expect(batch.hostSamples(named: "node_network_transmit_colls_total").count == 4)
        #expect(batch.hostValue("node_network_up", eth0) == 1)
        #expect(batch.hostValue("node_network_up", ["device": "lo"]) == 0)

        // sockets, TCP
        #expect(batch.hostValue("node_sockstat_sockets_used") == 36)
        #expect(batch.hostValue("node_sockstat_TCP_inuse") == 1)
        #expect(batch.hostValue("node_sockstat_TCP_tw") == 0)
        #expect(batch.hostValue("node_sockstat_TCP_orphan") == 0)
        #expect(batch.hostValue("node_sockstat_TCP_alloc") == 1)
        #expect(batch.hostValue("node_sockstat_TCP_mem") == 170)
        #expect(try #require(batch.hostValue("node_sockstat_TCP_mem_bytes")) >= 170 * 4096)
        #expect(batch.hostValue("node_netstat_Tcp_RetransSegs") == 7)
        #expect(batch.hostValue("node_netstat_Tcp_CurrEstab") == 0)
        #expect(batch.hostValue("node_netstat_TcpExt_TCPTimeouts") == 2)
        #expect(batch.hostValue("node_netstat_IpExt_InOctets") == 257_814_196)

        // file handles, uptime, time
        #expect(batch.hostValue("node_filefd_allocated") == 1205)
        #expect(batch.hostValue("node_filefd_maximum") == 2_466_170)
        #expect(batch.hostValue("host_uptime_seconds") == 3955.96)
        #expect(try #require(batch.hostValue("node_time_seconds")) > 1_700_000_000)

        // No series twice.
        #expect(Set(batch.samples.map(\.labels)).count == batch.count)
    }

    @Test("host_cpu_utilization_percent from two /proc/stat snapshots with known deltas")
    func cpuUtilization() async throws {
        let tree = try HostTempTree()
        defer { tree.remove() }
        try tree.write("proc/stat", HostFixtures.text("proc/stat"))
        let collector = collector(proc: tree.path + "/proc", sys: tree.path + "/sys", rootfs: tree.path)

        var first = MetricBatch()
        try await collector.collect(into: &first)
        #expect(first.hostValue("host_cpu_utilization_percent") == nil)

        // +300 user, +100 system, +500 idle, +100 iowait: 1000 ticks, 600 of them idle or iowait.
        try tree.write("proc/stat", HostFixtures.text("variants/stat-later"))
        var second = MetricBatch()
        try await collector.collect(into: &second)
        let percent = try #require(second.hostValue("host_cpu_utilization_percent"))
        #expect(abs(percent - 40) < 1e-9)
        #expect(second.hostValue("node_procs_running") == 3)

        // Same snapshot again: no time passed, so no value rather than 0 or NaN.
        var third = MetricBatch()
        try await collector.collect(into: &third)
        #expect(third.hostValue("host_cpu_utilization_percent") == nil)
    }

    @Test("missing files skip their group silently (no pressure, no diskstats, old meminfo)")
    func minimalTree() async throws {
        var batch = MetricBatch()
        let minimal = HostFixtures.root + "/minimal"
        try await collector(proc: minimal + "/proc", sys: minimal + "/sys", rootfs: minimal).collect(into: &batch)
        #expect(batch.hostValue("node_cpu_seconds_total", ["cpu": "0", "mode": "idle"]) == 10)
        #expect(batch.hostValue("node_cpu_seconds_total", ["cpu": "0", "mode": "steal"]) == 0)
        #expect(batch.hostValue("node_memory_MemTotal_bytes") == Double(1_024_000 * 1024))
        #expect(batch.hostValue("host_memory_used_percent") == nil)  // no MemAvailable before Linux 3.14
        #expect(batch.hostValue("node_load15") == 0.05)
        #expect(batch.hostValue("node_time_seconds") != nil)
        let names = batch.hostMetricNames
        for prefix in ["node_pressure_", "node_disk_", "node_filesystem_", "node_network_", "node_sockstat_", "node_netstat_", "node_filefd_", "host_uptime"] {
            #expect(!names.contains { $0.hasPrefix(prefix) }, "\(prefix)")
        }
    }

    @Test("a malformed file fails its group only: one error naming the groups, the rest is reported")
    func brokenTree() async throws {
        var batch = MetricBatch()
        let broken = HostFixtures.root + "/broken"
        let error = await #expect(throws: SondeError.self) {
            try await collector(proc: broken + "/proc", sys: broken + "/sys", rootfs: broken).collect(into: &batch)
        }
        let text = try #require(error).description
        #expect(text.hasPrefix("host: 2 group(s) failed: memory ("))
        #expect(text.contains(broken + "/proc/meminfo:2:19: expected the value of MemFree as an unsigned integer, found \"51x000\""))
        #expect(text.contains("pressure (" + broken + "/proc/pressure/io:2:17: expected key=value, found \"avg6\")"))
        #expect(error?.code == .parse)
        // Everything else, including the pressure file read before the broken one, is in the batch.
        #expect(batch.hostValue("node_load1") == 0)
        #expect(batch.hostValue("node_pressure_cpu_waiting_seconds_total") == 2.5)
        #expect(batch.hostValue("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]) == 1)
        #expect(batch.hostValue("node_time_seconds") != nil)
        #expect(batch.hostSamples(named: "node_memory_MemTotal_bytes").isEmpty)
    }

    @Test("the real /proc and /sys of this machine")
    func realProc() async throws {
        let collector = HostCollector()
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(batch.hostValue("node_load1") != nil)
        #expect(try #require(batch.hostValue("node_memory_MemTotal_bytes")) > 0)
        #expect(!batch.hostSamples(named: "node_cpu_seconds_total").isEmpty)
        #expect(Set(batch.samples.map(\.labels)).count == batch.count)

        // What one collection costs is measured in Benchmarks/ (CollectorBenchmarks: "host: one collection of this machine's /proc and /sys").
        let second = try #require(batch.hostValue("node_time_seconds"))
        #expect(second > 0)
    }
}
