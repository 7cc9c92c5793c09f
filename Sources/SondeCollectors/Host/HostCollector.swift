#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import SondeCore
import Synchronization

/// Host metrics from `/proc` and `/sys` under node_exporter's names and labels, so the "Node
/// Exporter Full" dashboard and node_exporter alert rules work unchanged, plus a few ready-made
/// `host_*` percentages.
///
/// Groups: cpu (`/proc/stat`), memory, load, pressure, disk, filesystem, network, sockstat,
/// netstat, filefd, uptime and time. A group whose file does not exist (no PSI, no diskstats in a
/// container) is skipped silently; a group whose file is malformed is left out and named in the one
/// error thrown after every other group has been added to the batch.
///
/// It deliberately does not call `statvfs` on network file systems (nfs, cifs, sshfs, …, see
/// `HostParsers.networkFilesystemTypes`): a dead server makes the call block in the kernel, and
/// there is no way to time it out from here. Nor does it read udev data (`node_disk_info`) or
/// per-interface sysfs details beyond `operstate`.
public final class HostCollector: Collector {
    public let name = "host"

    /// Where the host's files are; the section `collectors.host` has only its schedule.
    public struct Settings: CollectorSettings {
        public var procPath: String
        public var sysPath: String
        public var rootfsPath: String

        public init(procPath: String = "/proc", sysPath: String = "/sys", rootfsPath: String = "/") {
            self.procPath = procPath
            self.sysPath = sysPath
            self.rootfsPath = rootfsPath
        }
    }

    let procPath: String
    let sysPath: String
    let rootfsPath: String
    let clock: any SondeClock
    let logger: Logger
    /// The aggregate cpu line of the previous successful collection, for `host_cpu_utilization_percent`.
    private let previousCPU = Mutex<HostParsers.CPUTimes?>(nil)
    private let pageSize: Double

    public init(
        procPath: String = "/proc", sysPath: String = "/sys", rootfsPath: String = "/",
        clock: any SondeClock = SystemClock(), logger: Logger = Logger(label: "sonde.collector.host")
    ) {
        self.clock = clock
        self.procPath = HostCollector.trimmingTrailingSlash(procPath)
        self.sysPath = HostCollector.trimmingTrailingSlash(sysPath)
        self.rootfsPath = HostCollector.trimmingTrailingSlash(rootfsPath)
        self.logger = logger
        let size = sysconf(Int32(_SC_PAGESIZE))
        pageSize = size > 0 ? Double(size) : 4096
    }

    public convenience init(settings: Settings, clock: any SondeClock = SystemClock(), logger: Logger = Logger(label: "sonde.collector.host")) {
        self.init(procPath: settings.procPath, sysPath: settings.sysPath, rootfsPath: settings.rootfsPath, clock: clock, logger: logger)
    }

    public func collect(into batch: inout MetricBatch) async throws {
        var reader = HostFileReader()
        var failures: [(group: String, error: any Error & Sendable)] = []

        func run(_ group: String, _ body: () throws -> Void) {
            do {
                try body()
            } catch {
                failures.append((group, error))
            }
        }

        run("cpu") { try collectStat(&reader, &batch) }
        run("memory") { try collectMeminfo(&reader, &batch) }
        run("load") { try collectLoadavg(&reader, &batch) }
        run("pressure") { try collectPressure(&reader, &batch) }
        run("disk") { try collectDiskstats(&reader, &batch) }
        try Task.checkCancellation()
        run("filesystem") { try collectFilesystems(&reader, &batch) }
        try Task.checkCancellation()
        run("network") { try collectNetDev(&reader, &batch) }
        run("sockstat") { try collectSockstat(&reader, &batch) }
        run("netstat") { try collectNetstat(&reader, &batch) }
        run("filefd") { try collectFileNr(&reader, &batch) }
        run("uptime") { try collectUptime(&reader, &batch) }
        batch.add("node_time_seconds", clock.wallSeconds)

        guard let first = failures.first else { return }
        let list = failures.map { "\($0.group) (\($0.error))" }.joined(separator: "; ")
        let code: SondeError.Code = (first.error as? SondeError)?.code ?? .parse
        throw SondeError(code, "host: \(failures.count) group(s) failed: \(list)", cause: first.error)
    }

    // MARK: - Groups

    private func read<R>(
        _ reader: inout HostFileReader, _ path: String, _ parse: (UnsafeRawBufferPointer, String) throws -> R
    ) throws -> R? {
        let result = try reader.withContents(of: path) { try parse($0, path) }
        if result == nil { logger.trace("file absent, group skipped", metadata: ["collector.name": "host", "file.path": "\(path)"]) }
        return result
    }

    private func collectStat(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard let stat = try read(&reader, procPath + "/stat", { try HostParsers.parseStat(bytes: $0, file: $1) }) else { return }
        let hz = HostParsers.userHZ
        for cpu in stat.cpus {
            let label = String(cpu.index)
            let t = cpu.times
            batch.add("node_cpu_seconds_total", Double(t.user) / hz, [("cpu", label), ("mode", "user")])
            batch.add("node_cpu_seconds_total", Double(t.nice) / hz, [("cpu", label), ("mode", "nice")])
            batch.add("node_cpu_seconds_total", Double(t.system) / hz, [("cpu", label), ("mode", "system")])
            batch.add("node_cpu_seconds_total", Double(t.idle) / hz, [("cpu", label), ("mode", "idle")])
            batch.add("node_cpu_seconds_total", Double(t.iowait) / hz, [("cpu", label), ("mode", "iowait")])
            batch.add("node_cpu_seconds_total", Double(t.irq) / hz, [("cpu", label), ("mode", "irq")])
            batch.add("node_cpu_seconds_total", Double(t.softirq) / hz, [("cpu", label), ("mode", "softirq")])
            batch.add("node_cpu_seconds_total", Double(t.steal) / hz, [("cpu", label), ("mode", "steal")])
            batch.add("node_cpu_guest_seconds_total", Double(t.guest) / hz, [("cpu", label), ("mode", "user")])
            batch.add("node_cpu_guest_seconds_total", Double(t.guestNice) / hz, [("cpu", label), ("mode", "nice")])
        }
        let previous = previousCPU.withLock { previous in
            defer { previous = stat.total }
            return previous
        }
        if let previous, let percent = stat.total.utilizationPercent(since: previous) {
            batch.add("host_cpu_utilization_percent", percent)
        }
        if let value = stat.procsRunning { batch.add("node_procs_running", Double(value)) }
        if let value = stat.procsBlocked { batch.add("node_procs_blocked", Double(value)) }
        if let value = stat.forks { batch.add("node_forks_total", Double(value)) }
        if let value = stat.contextSwitches { batch.add("node_context_switches_total", Double(value)) }
        if let value = stat.interrupts { batch.add("node_intr_total", Double(value)) }
        if let value = stat.bootTime { batch.add("node_boot_time_seconds", Double(value)) }
    }

    private func collectMeminfo(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard let meminfo = try read(&reader, procPath + "/meminfo", { try HostParsers.parseMeminfo(bytes: $0, file: $1) }) else {
            return
        }
        for entry in meminfo.entries {
            batch.add(entry.metricName, Double(entry.value))
        }
        if let percent = meminfo.usedPercent { batch.add("host_memory_used_percent", percent) }
    }

    private func collectLoadavg(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard let load = try read(&reader, procPath + "/loadavg", { try HostParsers.parseLoadavg(bytes: $0, file: $1) }) else {
            return
        }
        batch.add("node_load1", load.load1)
        batch.add("node_load5", load.load5)
        batch.add("node_load15", load.load15)
    }

    private func collectPressure(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        // node_exporter exports cpu "some" only (cpu "full" is undefined system-wide), and irq "full" only.
        let resources: [(file: String, some: String?, full: String?)] = [
            ("cpu", "node_pressure_cpu_waiting_seconds_total", nil),
            ("memory", "node_pressure_memory_waiting_seconds_total", "node_pressure_memory_stalled_seconds_total"),
            ("io", "node_pressure_io_waiting_seconds_total", "node_pressure_io_stalled_seconds_total"),
            ("irq", nil, "node_pressure_irq_stalled_seconds_total"),
        ]
        for resource in resources {
            let path = procPath + "/pressure/" + resource.file
            guard let stats = try read(&reader, path, { try HostParsers.parsePressure(bytes: $0, file: $1) }) else { continue }
            if let name = resource.some, let some = stats.some { batch.add(name, some.totalSeconds) }
            if let name = resource.full, let full = stats.full { batch.add(name, full.totalSeconds) }
        }
    }

    private func collectDiskstats(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard
            let disks = try read(&reader, procPath + "/diskstats", {
                try HostParsers.parseDiskstats(bytes: $0, file: $1, skip: HostParsers.isIgnoredDisk)
            })
        else { return }
        let sector = HostParsers.diskSectorBytes
        for disk in disks {
            let labels = [("device", disk.device)]
            batch.add("node_disk_reads_completed_total", Double(disk.readsCompleted), labels)
            batch.add("node_disk_reads_merged_total", Double(disk.readsMerged), labels)
            batch.add("node_disk_read_bytes_total", Double(disk.sectorsRead) * sector, labels)
            batch.add("node_disk_read_time_seconds_total", Double(disk.readTimeMs) / 1000, labels)
            batch.add("node_disk_writes_completed_total", Double(disk.writesCompleted), labels)
            batch.add("node_disk_writes_merged_total", Double(disk.writesMerged), labels)
            batch.add("node_disk_written_bytes_total", Double(disk.sectorsWritten) * sector, labels)
            batch.add("node_disk_write_time_seconds_total", Double(disk.writeTimeMs) / 1000, labels)
            batch.add("node_disk_io_now", Double(disk.ioInProgress), labels)
            batch.add("node_disk_io_time_seconds_total", Double(disk.ioTimeMs) / 1000, labels)
            batch.add("node_disk_io_time_weighted_seconds_total", Double(disk.weightedIOTimeMs) / 1000, labels)
            if let discards = disk.discardsCompleted, let merged = disk.discardsMerged, let sectors = disk.sectorsDiscarded,
                let time = disk.discardTimeMs
            {
                batch.add("node_disk_discards_completed_total", Double(discards), labels)
                batch.add("node_disk_discards_merged_total", Double(merged), labels)
                batch.add("node_disk_discarded_sectors_total", Double(sectors), labels)
                batch.add("node_disk_discard_time_seconds_total", Double(time) / 1000, labels)
            }
            if let flushes = disk.flushRequestsCompleted, let time = disk.flushTimeMs {
                batch.add("node_disk_flush_requests_total", Double(flushes), labels)
                batch.add("node_disk_flush_requests_time_seconds_total", Double(time) / 1000, labels)
            }
        }
    }

    private func collectFilesystems(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard let mounts = try read(&reader, procPath + "/mounts", { try HostParsers.parseMounts(bytes: $0, file: $1) }) else {
            return
        }
        for mount in HostParsers.reportableMounts(mounts) {
            try Task.checkCancellation()
            let labels = [("device", mount.device), ("fstype", mount.fsType), ("mountpoint", mount.mountPoint)]
            var stats = statvfs()
            guard statvfs(hostPath(mount.mountPoint), &stats) == 0 else {
                // As node_exporter: a mount we cannot stat (EACCES, ENOENT after a race) is flagged, not fatal.
                batch.add("node_filesystem_device_error", 1, labels)
                continue
            }
            let blockSize = Double(stats.f_frsize)
            let size = Double(stats.f_blocks) * blockSize
            let free = Double(stats.f_bfree) * blockSize
            let avail = Double(stats.f_bavail) * blockSize
            let readOnly = mount.isReadOnly || (stats.f_flag & UInt(ST_RDONLY)) != 0
            batch.add("node_filesystem_device_error", 0, labels)
            batch.add("node_filesystem_size_bytes", size, labels)
            batch.add("node_filesystem_free_bytes", free, labels)
            batch.add("node_filesystem_avail_bytes", avail, labels)
            batch.add("node_filesystem_files", Double(stats.f_files), labels)
            batch.add("node_filesystem_files_free", Double(stats.f_ffree), labels)
            batch.add("node_filesystem_readonly", readOnly ? 1 : 0, labels)
            // As df: used / (used + available to unprivileged users); reserved blocks count as neither.
            let usable = size - free + avail
            if usable > 0 {
                batch.add("host_filesystem_used_percent", 100 * (1 - avail / usable), [("mountpoint", mount.mountPoint)])
            }
        }
    }

    private func collectNetDev(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard let devices = try read(&reader, procPath + "/net/dev", { try HostParsers.parseNetDev(bytes: $0, file: $1) }) else {
            return
        }
        for device in devices {
            let labels = [("device", device.device)]
            for (index, value) in device.receive.enumerated() {
                batch.add(HostParsers.NetDevStats.receiveMetricNames[index], Double(value), labels)
            }
            for (index, value) in device.transmit.enumerated() {
                batch.add(HostParsers.NetDevStats.transmitMetricNames[index], Double(value), labels)
            }
            // node_exporter's netclass: up means operstate "up" ("unknown" for lo counts as down).
            let operstate = sysPath + "/class/net/" + device.device + "/operstate"
            if let up = try reader.withContents(of: operstate, { HostCollector.isOperstateUp($0) }) {
                batch.add("node_network_up", up ? 1 : 0, labels)
            }
        }
    }

    static func isOperstateUp(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == UInt8(ascii: "u") && bytes[1] == UInt8(ascii: "p")
            && (bytes.count == 2 || bytes[2] == UInt8(ascii: "\n"))
    }

    private func collectSockstat(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        for file in ["/net/sockstat", "/net/sockstat6"] {
            guard let entries = try read(&reader, procPath + file, { try HostParsers.parseSockstat(bytes: $0, file: $1) }) else {
                continue
            }
            for entry in entries {
                batch.add(entry.metricName, Double(entry.value))
                // As node_exporter: `mem` is in pages; also export it in bytes.
                if entry.key == "mem" { batch.add(entry.metricName + "_bytes", Double(entry.value) * pageSize) }
            }
        }
    }

    private func collectNetstat(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        for file in ["/net/snmp", "/net/netstat"] {
            guard
                let entries = try read(&reader, procPath + file, {
                    try HostParsers.parseNetSNMP(bytes: $0, file: $1, filter: .nodeExporterDefault)
                })
            else { continue }
            for entry in entries { batch.add(entry.metricName, entry.value) }
        }
    }

    private func collectFileNr(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard let fileNr = try read(&reader, procPath + "/sys/fs/file-nr", { try HostParsers.parseFileNr(bytes: $0, file: $1) })
        else { return }
        batch.add("node_filefd_allocated", Double(fileNr.allocated))
        batch.add("node_filefd_maximum", Double(fileNr.maximum))
    }

    private func collectUptime(_ reader: inout HostFileReader, _ batch: inout MetricBatch) throws {
        guard let uptime = try read(&reader, procPath + "/uptime", { try HostParsers.parseUptime(bytes: $0, file: $1) }) else {
            return
        }
        batch.add("host_uptime_seconds", uptime.uptime)
    }

    // MARK: - Helpers

    /// Where `mountPoint` of the host is seen from here (under `rootfsPath` when sonde runs in a
    /// container with the host's root mounted, say, at /host).
    func hostPath(_ mountPoint: String) -> String {
        rootfsPath.isEmpty ? mountPoint : rootfsPath + mountPoint
    }

    static func trimmingTrailingSlash(_ path: String) -> String {
        var path = path
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

}
