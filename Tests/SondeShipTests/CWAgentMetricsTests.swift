import SondeAWS
import SondeCore
import SondeShip
import SondeStore
import SondeTestSupport
import Testing

/// `naming: cwagent` against the CloudWatch agent's documented metrics ("Metrics collected by the
/// CloudWatch agent", Linux; units from the agent's default-unit table): names, units and
/// dimensions, and values computed as telegraf's plugins and gopsutil compute them.
@Suite struct CWAgentMetricsTests {
    static let base = ShipDatumsTests.base

    /// The agent's metrics as documented: unit and the plugin's own dimensions (before
    /// `append_dimensions` or `host`).
    static let documented: [String: (unit: String, dimensions: [String])] = {
        var table: [String: (String, [String])] = [:]
        for mode in ["active", "idle", "nice", "guest", "guest_nice", "iowait", "irq", "softirq", "steal", "system", "user"] { table["cpu_usage_" + mode] = ("Percent", ["cpu"]) }
        for field in ["total", "available", "free", "buffered", "cached", "active", "inactive", "used"] { table["mem_" + field] = ("Bytes", []) }
        table["mem_used_percent"] = ("Percent", [])
        table["mem_available_percent"] = ("Percent", [])
        for field in ["used", "free", "total"] { table["swap_" + field] = ("Bytes", []) }
        table["swap_used_percent"] = ("Percent", [])
        for field in ["total", "free", "used"] { table["disk_" + field] = ("Bytes", ["device", "fstype", "path"]) }
        for field in ["inodes_total", "inodes_free", "inodes_used"] { table["disk_" + field] = ("Count", ["device", "fstype", "path"]) }
        table["disk_used_percent"] = ("Percent", ["device", "fstype", "path"])
        for field in ["reads", "writes", "iops_in_progress"] { table["diskio_" + field] = ("Count", ["name"]) }
        for field in ["read_bytes", "write_bytes"] { table["diskio_" + field] = ("Bytes", ["name"]) }
        for field in ["read_time", "write_time", "io_time"] { table["diskio_" + field] = ("Milliseconds", ["name"]) }
        for field in ["bytes_sent", "bytes_recv"] { table["net_" + field] = ("Bytes", ["interface"]) }
        for field in ["packets_sent", "packets_recv", "err_in", "err_out", "drop_in", "drop_out"] { table["net_" + field] = ("Count", ["interface"]) }
        table["netstat_tcp_established"] = ("Count", [])
        table["netstat_tcp_time_wait"] = ("Count", [])
        table["processes_running"] = ("Count", [])
        table["processes_blocked"] = ("Count", [])
        table["procstat_cpu_usage"] = ("Percent", ["exe", "process_name"])
        table["procstat_memory_rss"] = ("Bytes", ["exe", "process_name"])
        table["procstat_memory_vms"] = ("Bytes", ["exe", "process_name"])
        table["procstat_lookup_pid_count"] = ("None", ["exe", "pid_finder"])
        return table
    }()

    /// Two minutes and one sample of host data every 30 s, as the host and process collectors write it.
    func store() throws -> (TemporaryDirectory, Store) {
        let directory = TemporaryDirectory("sonde-cwagent")
        let store = try Store.open(directory: directory.path + "/data")
        // Per 30 s and CPU: user 3 s (1 of it guest), nice 0.5, system 1, idle 20, iowait 2, irq 0.1,
        // softirq 0.4, steal 3: 30 s in all.
        let perStep = ["user": 3.0, "nice": 0.5, "system": 1, "idle": 20, "iowait": 2, "irq": 0.1, "softirq": 0.4, "steal": 3]
        for step in 0..<6 {
            let time = Self.base - 30_000 + Int64(step) * 30_000
            let s = Double(step)
            for cpu in ["0", "1"] {
                for (mode, seconds) in perStep { store.append(Labels(name: "node_cpu_seconds_total", ["cpu": cpu, "mode": mode]), timestamp: time, value: 1000 + s * seconds) }
                store.append(Labels(name: "node_cpu_guest_seconds_total", ["cpu": cpu, "mode": "user"]), timestamp: time, value: s)
                store.append(Labels(name: "node_cpu_guest_seconds_total", ["cpu": cpu, "mode": "nice"]), timestamp: time, value: 0)
            }
            let memory = ["MemTotal": 8e9, "MemFree": 1e9, "MemAvailable": 5e9, "Buffers": 0.5e9, "Cached": 2.5e9, "SReclaimable": 0.5e9, "Active": 3e9, "Inactive": 2e9,
                          "SwapTotal": 2e9, "SwapFree": 1.5e9]
            for (field, value) in memory { store.append(Labels(name: "node_memory_\(field)_bytes", [:]), timestamp: time, value: value) }
            let filesystem = ["device": "/dev/nvme0n1p1", "fstype": "ext4", "mountpoint": "/"]
            store.append(Labels(name: "node_filesystem_size_bytes", filesystem), timestamp: time, value: 100e9)
            store.append(Labels(name: "node_filesystem_free_bytes", filesystem), timestamp: time, value: 40e9)
            store.append(Labels(name: "node_filesystem_avail_bytes", filesystem), timestamp: time, value: 35e9)
            store.append(Labels(name: "node_filesystem_files", filesystem), timestamp: time, value: 6e6)
            store.append(Labels(name: "node_filesystem_files_free", filesystem), timestamp: time, value: 5e6)
            store.append(Labels(name: "node_disk_reads_completed_total", ["device": "nvme0n1"]), timestamp: time, value: 100 * s)
            store.append(Labels(name: "node_disk_io_time_seconds_total", ["device": "nvme0n1"]), timestamp: time, value: 0.25 * s)
            store.append(Labels(name: "node_disk_io_now", ["device": "nvme0n1"]), timestamp: time, value: 2)
            for device in ["eth0", "lo", "eth1"] {
                store.append(Labels(name: "node_network_transmit_bytes_total", ["device": device]), timestamp: time, value: 1e6 * s)
                store.append(Labels(name: "node_network_up", ["device": device]), timestamp: time, value: device == "eth1" ? 0 : 1)
            }
            store.append(Labels(name: "sonde_process_count", ["group": "nginx"]), timestamp: time, value: 3)
            store.append(Labels(name: "sonde_process_resident_memory_bytes", ["group": "nginx"]), timestamp: time, value: 30e6)
            store.append(Labels(name: "sonde_process_count", ["group": "sonde"]), timestamp: time, value: 1)
            store.append(Labels(name: "gunicorn_requests_total", ["app": "shop", "status_class": "2xx"]), timestamp: time, value: s)
            store.append(Labels(name: "host_cpu_utilization_percent", [:]), timestamp: time, value: 12)
        }
        return (directory, store)
    }

    func planner(metrics: [String] = CloudWatchShipConfig.cwagentMetricNames, appended: [CloudWatchClient.Dimension] = [CloudWatchClient.Dimension("InstanceId", "i-0abc")]) throws -> ShipDatums {
        let config = try SondeConfig.parse("ship:\n  cloudwatch: {naming: cwagent, include: [gunicorn_requests_total, host_cpu_utilization_percent], dimensions: [app]}\n", file: nil).ship.cloudwatch
        let cwagent = CWAgentMetrics(
            metrics: metrics, appended: appended, hostname: "web-1",
            processes: ["nginx": CWAgentMetrics.ProcessDimensions(lookup: CloudWatchClient.Dimension("exe", "nginx"), processName: "nginx")])
        return ShipDatums(config: config, appended: appended, cwagent: cwagent)
    }

    @Test func everyNameUnitAndDimensionIsTheAgentsDocumentedOne() throws {
        #expect(Set(Self.documented.keys) == Set(CloudWatchShipConfig.cwagentMetricNames), "the configuration offers exactly what is produced")
        let (directory, store) = try store()
        defer { directory.remove() }
        let sections = try planner().sections(from: store, start: Self.base, end: Self.base + 120_000)
        #expect(sections.map(\.namespace) == ["Sonde", "CWAgent"])
        #expect(sections[0].datums.map(\.metricName) == ["gunicorn_requests_total", "gunicorn_requests_total"], "host metrics go under the agent's names only")
        let agent = sections[1].datums
        for datum in agent {
            let expected = try #require(Self.documented[datum.metricName], "\(datum.metricName) is not an agent metric")
            #expect(datum.unit == expected.unit, "\(datum.metricName)")
            #expect(datum.dimensions.map(\.name) == expected.dimensions + ["InstanceId"], "\(datum.metricName): \(datum.dimensions)")
        }
        // Everything but the metrics the data has no source for (diskio writes and times but
        // io_time, net but bytes sent, netstat, processes, procstat cpu and vms), in both minutes.
        let produced = Set(agent.map(\.metricName))
        let unsourced: Set<String> = [
            "diskio_writes", "diskio_read_bytes", "diskio_write_bytes", "diskio_read_time", "diskio_write_time", "net_bytes_recv", "net_packets_sent", "net_packets_recv",
            "net_err_in", "net_err_out", "net_drop_in", "net_drop_out", "netstat_tcp_established", "netstat_tcp_time_wait", "processes_running", "processes_blocked",
            "procstat_cpu_usage", "procstat_memory_vms",
        ]
        #expect(produced == Set(Self.documented.keys).subtracting(unsourced))
        #expect(Set(agent.map(\.timestamp)) == [Self.base, Self.base + 60_000])
    }

    @Test func valuesAsTheAgentComputesThem() throws {
        let (directory, store) = try store()
        defer { directory.remove() }
        let agent = try planner().sections(from: store, start: Self.base, end: Self.base + 60_000)[1].datums
        func value(_ name: String, _ dimension: (String, String)? = nil) -> Double? {
            let matching = agent.filter { datum in
                datum.metricName == name && (dimension.map { datum.dimensions.contains(CloudWatchClient.Dimension($0.0, $0.1)) } ?? true)
            }
            guard matching.count == 1, let statistics = matching[0].statistics else { return nil }
            return statistics.sum / statistics.sampleCount
        }
        func close(_ name: String, _ expected: Double, _ dimension: (String, String)? = nil) {
            let actual = value(name, dimension)
            #expect(actual.map { abs($0 - expected) < 1e-9 * max(1, abs(expected)) } == true, "\(name): \(String(describing: actual)) against \(expected)")
        }
        // Over the minute each CPU spent 60 s: user 6 (2 guest), nice 1, system 2, idle 40, iowait 4, irq 0.2, softirq 0.8, steal 6.
        close("cpu_usage_idle", 100 * 40 / 60)
        close("cpu_usage_iowait", 100 * 4 / 60)
        close("cpu_usage_user", 100 * 4 / 60)
        close("cpu_usage_guest", 100 * 2 / 60)
        close("cpu_usage_steal", 100 * 6 / 60)
        close("cpu_usage_active", 100 * 20 / 60, ("cpu", "cpu-total"))
        // gopsutil: used = total − free − buffers − (cached + SReclaimable) = 8 − 1 − 0.5 − 3 GB.
        close("mem_used", 3.5e9)
        close("mem_used_percent", 100 * 3.5 / 8)
        close("mem_cached", 3e9)
        close("mem_available_percent", 100 * 5 / 8)
        close("swap_used_percent", 25)
        // disk: used = size − free = 60 GB; free is what users may have (avail); percent of used + avail.
        close("disk_used_percent", 100 * 60 / 95, ("path", "/"))
        close("disk_free", 35e9, ("device", "nvme0n1p1"))
        close("disk_inodes_used", 1e6, ("fstype", "ext4"))
        // Counters as the minute's increase; the disk's time in milliseconds.
        close("diskio_reads", 200, ("name", "nvme0n1"))
        close("diskio_io_time", 500, ("name", "nvme0n1"))
        close("diskio_iops_in_progress", 2)
        close("net_bytes_sent", 2e6, ("interface", "eth0"))
        #expect(agent.filter { $0.metricName == "net_bytes_sent" }.count == 1, "loopback and a down interface are left out")
        close("procstat_lookup_pid_count", 3, ("pid_finder", "native"))
        // rss: the group's 30 MB as three processes: Sum 30 MB, Average 10 MB.
        let rss = try #require(agent.first { $0.metricName == "procstat_memory_rss" }?.statistics)
        #expect(rss == CloudWatchClient.StatisticSet(sampleCount: 3, sum: 30e6, minimum: 10e6, maximum: 10e6))
        #expect(agent.first { $0.metricName == "procstat_memory_rss" }?.dimensions.prefix(2) == [CloudWatchClient.Dimension("exe", "nginx"), CloudWatchClient.Dimension("process_name", "nginx")])
    }

    @Test func hostOnlyWithoutTheInstancesDimensionsAndOnlyTheChosenMetrics() throws {
        let (directory, store) = try store()
        defer { directory.remove() }
        let offEC2 = try planner(metrics: ["mem_used_percent"], appended: [CloudWatchClient.Dimension("Environment", "prod")])
            .sections(from: store, start: Self.base, end: Self.base + 60_000)[1].datums
        #expect(offEC2.map(\.metricName) == ["mem_used_percent"])
        #expect(offEC2.first?.dimensions == [CloudWatchClient.Dimension("host", "web-1"), CloudWatchClient.Dimension("Environment", "prod")])
    }
}
