import SondeAWS
import SondeCore
import SondeStore

/// `naming: cwagent`: host and process metrics under the Amazon CloudWatch agent's names, units
/// and dimensions in its `CWAgent` namespace, so dashboards and alarms built on the agent keep
/// working when a host moves to sonde. Computed per minute from the store's 1-minute tier the way
/// the agent (telegraf's plugins and gopsutil) computes them: counters as the minute's increase,
/// ratios of counters over the same increases, gauges as the minute's mean. docs/shipping.md has
/// the table of names, what each is computed from and where sonde can only come close.
public struct CWAgentMetrics: Sendable {
    public static let namespace = "CWAgent"

    /// A metric the agent sends: its unit and its section of the agent's configuration.
    struct Definition: Sendable {
        var unit: String
        var section: Section
    }

    /// The agent's sections, named as the part of a metric name before its first `_`.
    enum Section: String, Sendable { case cpu, mem, swap, disk, diskio, net, netstat, processes, procstat }

    /// Every agent metric sonde can produce: `CloudWatchShipConfig.cwagentMetricUnits`, which the
    /// configuration checks `cwagent_metrics` against, with each name's section.
    static let definitions: [String: Definition] = CloudWatchShipConfig.cwagentMetricUnits.reduce(into: [:]) { table, entry in
        let prefix = String(entry.key.prefix { $0 != "_" })
        guard let section = Section(rawValue: prefix) else { preconditionFailure("\(entry.key): no agent section \(prefix)") }
        table[entry.key] = Definition(unit: entry.value, section: section)
    }

    /// How the agent names a process group in its dimensions: `exe`, `pattern` or `pidfile` with
    /// the configured string, and `process_name` when the group's command name is known.
    public struct ProcessDimensions: Sendable, Equatable {
        public var lookup: CloudWatchClient.Dimension
        public var processName: String?

        public init(lookup: CloudWatchClient.Dimension, processName: String?) {
            self.lookup = lookup
            self.processName = processName
        }
    }

    public let metrics: Set<String>
    /// The dimensions every datum carries: the appended ones, or `host` when none of the instance's
    /// is appended (the agent drops `host` when it appends EC2 dimensions).
    public let common: [CloudWatchClient.Dimension]
    /// Process groups by name, for procstat.
    public let processes: [String: ProcessDimensions]

    public init(metrics: [String], appended: [CloudWatchClient.Dimension], hostname: String, processes: [String: ProcessDimensions]) {
        self.metrics = Set(metrics)
        let instance = Set(CloudWatchShipConfig.instanceDimensions)
        common = appended.contains { instance.contains($0.name) } ? appended : [CloudWatchClient.Dimension("host", hostname)] + appended
        self.processes = processes
    }

    /// Whether `name` is a sonde host or process metric, which `naming: cwagent` ships under the
    /// agent's names instead of its own.
    public static func replaces(_ name: String) -> Bool {
        name.hasPrefix("host_") || name.hasPrefix("node_") || name.hasPrefix("sonde_process_")
    }

    /// The datums of the minutes starting in `start..<end`, oldest first.
    public func datums(from store: Store, start: Int64, end: Int64) throws(SondeError) -> [CloudWatchClient.Datum] {
        let sections = Set(metrics.compactMap { Self.definitions[$0]?.section })
        let reader = MinuteReader(store: store, start: start, end: end)
        var out = Output(metrics: metrics, common: common)
        if sections.contains(.cpu) { try cpu(reader, &out) }
        if sections.contains(.mem) || sections.contains(.swap) { try memory(reader, &out) }
        if sections.contains(.disk) { try disk(reader, &out) }
        if sections.contains(.diskio) { try diskio(reader, &out) }
        if sections.contains(.net) { try net(reader, &out) }
        if sections.contains(.netstat) {
            for (minute, value) in try reader.total("node_netstat_Tcp_CurrEstab") { out.add("netstat_tcp_established", minute, value) }
            for (minute, value) in try reader.total("node_sockstat_TCP_tw") { out.add("netstat_tcp_time_wait", minute, value) }
        }
        if sections.contains(.processes) {
            for (minute, value) in try reader.total("node_procs_running") { out.add("processes_running", minute, value) }
            for (minute, value) in try reader.total("node_procs_blocked") { out.add("processes_blocked", minute, value) }
        }
        if sections.contains(.procstat) { try procstat(reader, &out) }
        return out.datums.sorted { ($0.timestamp, $0.metricName) < ($1.timestamp, $1.metricName) }
    }

    /// telegraf's cpu plugin over the whole host (`cpu=cpu-total`): each mode's share of the
    /// minute's CPU time, user and nice without the guest time they include; active is all but idle.
    func cpu(_ reader: MinuteReader, _ out: inout Output) throws(SondeError) {
        let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
        let seconds = try reader.increases("node_cpu_seconds_total", by: "mode")
        let guest = try reader.increases("node_cpu_guest_seconds_total", by: "mode")
        let dimensions = [CloudWatchClient.Dimension("cpu", "cpu-total")]
        for minute in reader.minutes {
            let delta = { (mode: String) in seconds[mode]?[minute] }
            let parts = modes.compactMap(delta)
            guard parts.count == modes.count else { continue }
            let total = parts.reduce(0, +)
            guard total > 0 else { continue }
            let guestUser = guest["user"]?[minute] ?? 0
            let guestNice = guest["nice"]?[minute] ?? 0
            func share(_ seconds: Double) -> Double { 100 * seconds / total }
            for mode in ["system", "idle", "iowait", "irq", "softirq", "steal"] { out.add("cpu_usage_" + mode, minute, share(delta(mode)!), dimensions) }
            out.add("cpu_usage_user", minute, share(delta("user")! - guestUser), dimensions)
            out.add("cpu_usage_nice", minute, share(delta("nice")! - guestNice), dimensions)
            out.add("cpu_usage_guest", minute, share(guestUser), dimensions)
            out.add("cpu_usage_guest_nice", minute, share(guestNice), dimensions)
            out.add("cpu_usage_active", minute, share(total - delta("idle")!), dimensions)
        }
    }

    /// gopsutil's memory: cached includes SReclaimable, used is what is neither free, buffers nor cached.
    func memory(_ reader: MinuteReader, _ out: inout Output) throws(SondeError) {
        var field: [String: [Int64: Double]] = [:]
        for name in ["MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SReclaimable", "Active", "Inactive", "SwapTotal", "SwapFree"] {
            field[name] = try reader.total("node_memory_\(name)_bytes")
        }
        for minute in reader.minutes {
            let value = { (name: String) in field[name]?[minute] }
            if let total = value("MemTotal"), total > 0, let free = value("MemFree"), let buffers = value("Buffers"), let cached = value("Cached") {
                let cachedAll = cached + (value("SReclaimable") ?? 0)
                let used = total - free - buffers - cachedAll
                out.add("mem_total", minute, total)
                out.add("mem_free", minute, free)
                out.add("mem_buffered", minute, buffers)
                out.add("mem_cached", minute, cachedAll)
                out.add("mem_used", minute, used)
                out.add("mem_used_percent", minute, 100 * used / total)
                if let available = value("MemAvailable") {
                    out.add("mem_available", minute, available)
                    out.add("mem_available_percent", minute, 100 * available / total)
                }
                if let active = value("Active") { out.add("mem_active", minute, active) }
                if let inactive = value("Inactive") { out.add("mem_inactive", minute, inactive) }
            }
            if let total = value("SwapTotal"), let free = value("SwapFree") {
                out.add("swap_total", minute, total)
                out.add("swap_free", minute, free)
                out.add("swap_used", minute, total - free)
                out.add("swap_used_percent", minute, total > 0 ? 100 * (total - free) / total : 0)
            }
        }
    }

    /// telegraf's disk plugin per mount: free is what unprivileged users may use (bavail), used
    /// percent is used over used plus that.
    func disk(_ reader: MinuteReader, _ out: inout Output) throws(SondeError) {
        let names = ["size": "node_filesystem_size_bytes", "free": "node_filesystem_free_bytes", "avail": "node_filesystem_avail_bytes",
                     "files": "node_filesystem_files", "files_free": "node_filesystem_files_free"]
        var byMount: [[CloudWatchClient.Dimension]: [String: [Int64: Double]]] = [:]
        for (key, name) in names {
            for (labels, minutes) in try reader.gauges(name) {
                guard let path = labels["mountpoint"], let device = labels["device"], let fstype = labels["fstype"] else { continue }
                let dimensions = [
                    CloudWatchClient.Dimension("device", device.replacing("/dev/", with: "")), CloudWatchClient.Dimension("fstype", fstype),
                    CloudWatchClient.Dimension("path", path),
                ]
                byMount[dimensions, default: [:]][key] = minutes
            }
        }
        for (dimensions, fields) in byMount {
            for minute in reader.minutes {
                let value = { (name: String) in fields[name]?[minute] }
                if let size = value("size"), size > 0, let free = value("free"), let avail = value("avail") {
                    let used = size - free
                    out.add("disk_total", minute, size, dimensions)
                    out.add("disk_free", minute, avail, dimensions)
                    out.add("disk_used", minute, used, dimensions)
                    if used + avail > 0 { out.add("disk_used_percent", minute, 100 * used / (used + avail), dimensions) }
                }
                if let files = value("files"), let filesFree = value("files_free") {
                    out.add("disk_inodes_total", minute, files, dimensions)
                    out.add("disk_inodes_free", minute, filesFree, dimensions)
                    out.add("disk_inodes_used", minute, files - filesFree, dimensions)
                }
            }
        }
    }

    /// The diskio counters as the minute's increase per device (`name`); times in milliseconds.
    func diskio(_ reader: MinuteReader, _ out: inout Output) throws(SondeError) {
        let counters: [(String, String, Double)] = [
            ("diskio_reads", "node_disk_reads_completed_total", 1), ("diskio_writes", "node_disk_writes_completed_total", 1),
            ("diskio_read_bytes", "node_disk_read_bytes_total", 1), ("diskio_write_bytes", "node_disk_written_bytes_total", 1),
            ("diskio_read_time", "node_disk_read_time_seconds_total", 1000), ("diskio_write_time", "node_disk_write_time_seconds_total", 1000),
            ("diskio_io_time", "node_disk_io_time_seconds_total", 1000),
        ]
        for (agentName, sondeName, scale) in counters where metrics.contains(agentName) {
            for (labels, minutes) in try reader.increases(sondeName) {
                guard let device = labels["device"] else { continue }
                for (minute, value) in minutes { out.add(agentName, minute, value * scale, [CloudWatchClient.Dimension("name", device)]) }
            }
        }
        for (labels, minutes) in try reader.gauges("node_disk_io_now") {
            guard let device = labels["device"] else { continue }
            for (minute, value) in minutes { out.add("diskio_iops_in_progress", minute, value, [CloudWatchClient.Dimension("name", device)]) }
        }
    }

    /// The interface counters as the minute's increase, loopback and interfaces that are down left out.
    func net(_ reader: MinuteReader, _ out: inout Output) throws(SondeError) {
        var down: Set<String> = ["lo"]
        for (labels, minutes) in try reader.gauges("node_network_up") where minutes.values.allSatisfy({ $0 == 0 }) {
            if let device = labels["device"] { down.insert(device) }
        }
        let counters = [
            ("net_bytes_sent", "node_network_transmit_bytes_total"), ("net_bytes_recv", "node_network_receive_bytes_total"),
            ("net_packets_sent", "node_network_transmit_packets_total"), ("net_packets_recv", "node_network_receive_packets_total"),
            ("net_err_out", "node_network_transmit_errs_total"), ("net_err_in", "node_network_receive_errs_total"),
            ("net_drop_out", "node_network_transmit_drop_total"), ("net_drop_in", "node_network_receive_drop_total"),
        ]
        for (agentName, sondeName) in counters where metrics.contains(agentName) {
            for (labels, minutes) in try reader.increases(sondeName) {
                guard let device = labels["device"], !down.contains(device) else { continue }
                for (minute, value) in minutes { out.add(agentName, minute, value, [CloudWatchClient.Dimension("interface", device)]) }
            }
        }
    }

    /// procstat per process group. The agent sends a datum per process; sonde knows the group's
    /// total and member count, so it sends the statistics of that many processes with the total as
    /// their Sum: Sum and Average are the agent's, Minimum and Maximum the members' mean.
    func procstat(_ reader: MinuteReader, _ out: inout Output) throws(SondeError) {
        let counts = try reader.gauges("sonde_process_count")
        var members: [String: [Int64: Double]] = [:]
        for (labels, minutes) in counts { if let group = labels["group"] { members[group] = minutes } }
        for (group, minutes) in members {
            guard let names = processes[group] else { continue }
            for (minute, count) in minutes { out.add("procstat_lookup_pid_count", minute, count, [names.lookup, CloudWatchClient.Dimension("pid_finder", "native")]) }
        }
        let perProcess = [("procstat_cpu_usage", "sonde_process_cpu_percent"), ("procstat_memory_rss", "sonde_process_resident_memory_bytes"), ("procstat_memory_vms", "sonde_process_virtual_memory_bytes")]
        for (agentName, sondeName) in perProcess where metrics.contains(agentName) {
            for (labels, minutes) in try reader.gauges(sondeName) {
                guard let group = labels["group"], let names = processes[group] else { continue }
                let dimensions = [names.lookup] + (names.processName.map { [CloudWatchClient.Dimension("process_name", $0)] } ?? [])
                for (minute, total) in minutes {
                    guard let count = members[group]?[minute], count >= 1 else { continue }
                    let mean = total / count.rounded()
                    out.add(agentName, minute, CloudWatchClient.StatisticSet(sampleCount: count.rounded(), sum: total, minimum: mean, maximum: mean), dimensions)
                }
            }
        }
    }

    /// The datums being built, only for the metrics chosen.
    struct Output {
        let metrics: Set<String>
        let common: [CloudWatchClient.Dimension]
        var datums: [CloudWatchClient.Datum] = []

        mutating func add(_ name: String, _ minute: Int64, _ value: Double, _ dimensions: [CloudWatchClient.Dimension] = []) {
            add(name, minute, CloudWatchClient.StatisticSet(single: value), dimensions)
        }

        mutating func add(_ name: String, _ minute: Int64, _ statistics: CloudWatchClient.StatisticSet, _ dimensions: [CloudWatchClient.Dimension]) {
            guard metrics.contains(name), let definition = CWAgentMetrics.definitions[name],
                [statistics.sum, statistics.minimum, statistics.maximum].allSatisfy(\.isFinite) else { return }
            datums.append(CloudWatchClient.Datum(metricName: name, dimensions: dimensions + common, timestamp: minute, statistics: statistics, unit: definition.unit))
        }
    }

    /// Reads sonde series per whole minute: gauges as the minute's mean, counters as its increase.
    struct MinuteReader {
        let store: Store
        let start: Int64
        let end: Int64

        var minutes: StrideTo<Int64> { stride(from: start, to: end, by: 60_000) }

        func series(_ name: String) throws(SondeError) -> [SeriesData] {
            try store.select([.equal(Labels.metricNameLabel, name)], start: start - 60_000, end: end - 1, tier: .tier(.minute))
        }

        /// Each series' mean per minute.
        func gauges(_ name: String) throws(SondeError) -> [(Labels, [Int64: Double])] {
            try series(name).map { data in
                let minutes = ShipDatums.minutes(of: data, counter: false, start: start, end: end)
                return (data.labels, Dictionary(minutes.map { ($0.0, $0.1.sum / $0.1.sampleCount) }, uniquingKeysWith: +))
            }
        }

        /// Each series' increase per minute.
        func increases(_ name: String) throws(SondeError) -> [(Labels, [Int64: Double])] {
            try series(name).map { data in
                (data.labels, Dictionary(ShipDatums.minutes(of: data, counter: true, start: start, end: end).map { ($0.0, $0.1.sum) }, uniquingKeysWith: +))
            }
        }

        /// The increases summed over every series with the same value of `label` (over CPUs, for one mode).
        func increases(_ name: String, by label: String) throws(SondeError) -> [String: [Int64: Double]] {
            var result: [String: [Int64: Double]] = [:]
            for (labels, minutes) in try increases(name) {
                guard let value = labels[label] else { continue }
                result[value, default: [:]].merge(minutes, uniquingKeysWith: +)
            }
            return result
        }

        /// A gauge without labels (or the sum of its series): its mean per minute.
        func total(_ name: String) throws(SondeError) -> [Int64: Double] {
            var result: [Int64: Double] = [:]
            for (_, minutes) in try gauges(name) { result.merge(minutes, uniquingKeysWith: +) }
            return result
        }
    }
}
