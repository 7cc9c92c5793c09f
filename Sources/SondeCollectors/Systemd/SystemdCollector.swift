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

/// State and resources of the configured systemd units: unit state from systemd over D-Bus (the
/// node_exporter systemd collector's `systemd_unit_state` shape, plus restarts and the last exit
/// of services) and CPU, memory, tasks and I/O from each unit's cgroup v2 directory.
///
/// Only the configured units are reported, never every unit on the host. Without systemd on the
/// system bus (a container, a build machine, a host where sonde starts before dbus) it reports
/// `sonde_systemd_available 0`, logs that once, keeps reading the cgroup files it can find, and
/// looks for the bus again at most every 5 minutes. On hybrid hosts it reads the unified hierarchy
/// at `<cgroupRoot>/unified`; on cgroup v1-only hosts it reports no resource metrics (it
/// deliberately does not read the v1 controllers).
///
/// The sd-bus calls are blocking, with a 1 s timeout each; after a timeout or a broken connection
/// the rest of the round skips the bus and the next round reconnects.
public final class SystemdCollector: Collector {
    public let name = "systemd"

    /// The units to report and where their cgroups are.
    public struct Settings: CollectorSettings {
        public var units: [String]
        public var cgroupRoot: String

        public init(units: [String], cgroupRoot: String = "/sys/fs/cgroup") {
            self.units = units
            self.cgroupRoot = cgroupRoot
        }

        /// `collectors.systemd`: its units, or those of the watched process groups when it names none.
        public init(_ config: SystemdCollectorConfig, process: ProcessCollectorConfig, sysPath: String = "/sys") {
            self.init(units: config.units ?? Self.watchedUnits(process), cgroupRoot: sysPath + "/fs/cgroup")
        }

        /// The systemd units of the watched process groups, when `collectors.systemd.units` is not
        /// given: the units named in `systemd_unit` rules, and for the embedded default groups the
        /// Debian and Amazon Linux unit names of PostgreSQL and nginx (a Gunicorn app's unit name is
        /// the app's own).
        static func watchedUnits(_ process: ProcessCollectorConfig) -> [String] {
            guard process.enabled else { return [] }
            if process.groups.isEmpty { return ["postgresql.service", "nginx.service"] }
            return process.groups.compactMap(\.systemdUnit)
        }
    }

    /// The states of `systemd_unit_state`, each reported 0 or 1 for every unit (node_exporter's set
    /// plus reloading). A state outside the list (maintenance, refreshing) is reported as an extra 1.
    public static let unitStates = ["active", "reloading", "inactive", "failed", "activating", "deactivating"]

    /// Normalized unit names (`nginx` → `nginx.service`), without duplicates, in configured order.
    public let units: [String]
    let cgroupRoot: String
    let logger: Logger
    private let busProvider: any SystemdBusProvider
    private let now: @Sendable () -> ContinuousClock.Instant
    private let bus = Mutex(BusState())

    struct BusState: Sendable {
        var connection: (any SystemdBusConnection)?
        var schedule = SystemdBusSchedule()
    }

    /// - Parameters:
    ///   - units: unit names; `nginx` means `nginx.service`. Names that cannot be units (empty, with
    ///     `/`) are left out with a warning.
    ///   - cgroupRoot: where cgroup file systems are mounted.
    ///   - busProvider: how to reach systemd; nil for the system bus through sd-bus.
    public convenience init(
        units: [String], cgroupRoot: String = "/sys/fs/cgroup", busProvider: (any SystemdBusProvider)? = nil,
        logger: Logger = Logger(label: "sonde.collector.systemd")
    ) {
        self.init(units: units, cgroupRoot: cgroupRoot, busProvider: busProvider, logger: logger, now: { .now })
    }

    public convenience init(settings: Settings, logger: Logger = Logger(label: "sonde.collector.systemd")) {
        self.init(units: settings.units, cgroupRoot: settings.cgroupRoot, logger: logger)
    }

    init(
        units: [String], cgroupRoot: String, busProvider: (any SystemdBusProvider)?, logger: Logger,
        now: @escaping @Sendable () -> ContinuousClock.Instant
    ) {
        var seen = Set<String>()
        var kept: [String] = []
        for raw in units {
            let unit = SystemdUnit.normalize(raw)
            guard SystemdUnit.isValid(raw), SystemdUnit.isValid(unit) else {
                logger.warning("not a unit name, left out", metadata: ["collector.name": "systemd", "unit.name": "\(raw)"])
                continue
            }
            if seen.insert(unit).inserted { kept.append(unit) }
        }
        self.units = kept
        var root = cgroupRoot
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.cgroupRoot = root
        self.busProvider = busProvider ?? SDBusProvider()
        self.logger = logger
        self.now = now
    }

    public func collect(into batch: inout MetricBatch) async throws {
        var failures: [Failure] = []
        let (available, statuses) = queryBus(&failures)
        batch.add("sonde_systemd_available", available ? 1 : 0)

        let unifiedRoot = Self.unifiedRoot(under: cgroupRoot)
        var reader = HostFileReader(initialCapacity: 4 << 10)
        for unit in units {
            try Task.checkCancellation()
            let status: SystemdUnitStatus?
            switch statuses[unit] {
            case .success(let value)?:
                status = value
                Self.addUnitStatus(unit, value, into: &batch)
            case .failure(let error)?:
                status = nil
                failures.append(Failure(unit, error))
            case nil:
                status = nil
            }
            guard let unifiedRoot, let directory = Self.cgroupDirectory(unit, status, unifiedRoot: unifiedRoot) else { continue }
            Self.addCgroupMetrics(unit, directory: directory, reader: &reader, into: &batch, failures: &failures)
        }

        guard let first = failures.first else { return }
        let list = failures.map { "\($0.unit): \($0.error)" }.joined(separator: "; ")
        let code: SondeError.Code = first.error is ParseError ? .parse : (first.error as? SondeError)?.code ?? .io
        throw SondeError(code, "systemd: \(failures.count) problem(s): \(list)", cause: first.error)
    }

    /// Something that went wrong for one unit; the round goes on and throws them all at the end.
    struct Failure {
        var unit: String
        var error: any Error & Sendable
        init(_ unit: String, _ error: any Error & Sendable) {
            self.unit = unit
            self.error = error
        }
    }

    // MARK: - Bus

    /// Opens the bus when due and reads every unit's status. Returns whether a connection is up at
    /// the end, and the status (or error) of each unit the bus was asked about.
    private func queryBus(_ failures: inout [Failure]) -> (Bool, [String: Result<SystemdUnitStatus, SystemdBusError>]) {
        let instant = now()
        return bus.withLock { state in
            if state.connection == nil, state.schedule.shouldOpen(at: instant) {
                do throws(SystemdBusError) {
                    let connection = try busProvider.open()
                    state.connection = connection
                    state.schedule.opened()
                    logger.info(
                        "connected to systemd on the system bus",
                        metadata: ["collector.name": "systemd", "systemd.version": "\(connection.systemdVersion)"]
                    )
                } catch {
                    let metadata: Logger.Metadata = ["collector.name": "systemd", "error.message": "\(error.message)"]
                    if state.schedule.openFailed(at: instant) {
                        logger.info(
                            "systemd is not available; reporting sonde_systemd_available 0 and cgroup metrics only, looking again every 5 minutes",
                            metadata: metadata
                        )
                    } else {
                        logger.debug("systemd still not available", metadata: metadata)
                    }
                }
            }
            guard let connection = state.connection else { return (false, [:]) }
            var statuses: [String: Result<SystemdUnitStatus, SystemdBusError>] = [:]
            for unit in units {
                if Task.isCancelled { break }
                do throws(SystemdBusError) {
                    statuses[unit] = .success(try connection.unitStatus(unit))
                } catch where error.kind == .connectionLost {
                    state.connection = nil
                    state.schedule.connectionLost()
                    logger.warning(
                        "lost the system bus connection; reconnecting next round",
                        metadata: ["collector.name": "systemd", "unit.name": "\(unit)", "error.message": "\(error.message)"]
                    )
                    failures.append(Failure(unit, SystemdBusError(.connectionLost, "system bus lost: \(error.message)")))
                    break
                } catch {
                    statuses[unit] = .failure(error)
                }
            }
            return (state.connection != nil, statuses)
        }
    }

    /// Unit state, load state, sub-state and, for services, restarts and last exit.
    static func addUnitStatus(_ unit: String, _ status: SystemdUnitStatus, into batch: inout MetricBatch) {
        let notFound = status.loadState == "not-found"
        // systemd reports a unit that does not exist as inactive; say so even if it did not.
        let active = notFound ? "inactive" : status.activeState
        for state in unitStates {
            batch.add("systemd_unit_state", active == state ? 1 : 0, [("unit", unit), ("state", state)])
        }
        if !unitStates.contains(active) {
            batch.add("systemd_unit_state", 1, [("unit", unit), ("state", active)])
        }
        batch.add("systemd_unit_loaded", status.loadState == "loaded" ? 1 : 0, [("unit", unit)])
        guard !notFound else { return }
        batch.add("systemd_unit_sub_state_info", 1, [("unit", unit), ("sub_state", status.subState)])
        guard let service = status.service else { return }
        if let restarts = service.restarts {
            batch.add("systemd_service_restarts_total", Double(restarts), [("unit", unit)])
        }
        if let exit = service.execMainStatus {
            batch.add("systemd_service_main_exit_status", Double(exit), [("unit", unit)])
        }
        if let result = service.result {
            batch.add("systemd_service_result_success", result == "success" ? 1 : 0, [("unit", unit)])
        }
        if let pid = service.mainPID {
            batch.add("systemd_service_main_pid", Double(pid), [("unit", unit)])
        }
    }

    // MARK: - cgroups

    /// The cgroup v2 hierarchy: `root` itself on unified hosts, `root/unified` on hybrid ones, nil
    /// on v1-only hosts.
    static func unifiedRoot(under root: String) -> String? {
        if access(root + "/cgroup.controllers", F_OK) == 0 { return root }
        if access(root + "/unified/cgroup.controllers", F_OK) == 0 { return root + "/unified" }
        return nil
    }

    /// The unit's cgroup directory: systemd's `ControlGroup` when the bus gave one (empty means the
    /// unit has no cgroup now), else the first existing default location.
    static func cgroupDirectory(_ unit: String, _ status: SystemdUnitStatus?, unifiedRoot: String) -> String? {
        if let status {
            if status.loadState == "not-found" { return nil }
            if let group = status.controlGroup {
                guard group.hasPrefix("/"), group.count > 1, !group.split(separator: "/").contains("..") else { return nil }
                return unifiedRoot + group
            }
        }
        for relative in SystemdUnit.defaultCgroupPaths(unit) {
            let directory = unifiedRoot + relative
            if access(directory, F_OK) == 0 { return directory }
        }
        return nil
    }

    /// Reads the unit's cgroup files; an absent file is skipped (its controller is not enabled), a
    /// malformed one is named in `failures`.
    static func addCgroupMetrics(
        _ unit: String, directory: String, reader: inout HostFileReader, into batch: inout MetricBatch,
        failures: inout [Failure]
    ) {
        let labels = [("unit", unit)]
        func read<R>(_ file: String, _ parse: (UnsafeRawBufferPointer, String) throws -> R) -> R? {
            let path = directory + "/" + file
            do {
                return try reader.withContents(of: path) { try parse($0, path) }
            } catch {
                failures.append(Failure(unit, error))
                return nil
            }
        }

        if let cpu = read("cpu.stat", { try SystemdParsers.parseCPUStat(bytes: $0, file: $1) }) {
            batch.add("systemd_unit_cpu_seconds_total", Double(cpu.userMicroseconds) / 1e6, [("unit", unit), ("mode", "user")])
            batch.add("systemd_unit_cpu_seconds_total", Double(cpu.systemMicroseconds) / 1e6, [("unit", unit), ("mode", "system")])
            batch.add("systemd_unit_cpu_usage_seconds_total", Double(cpu.usageMicroseconds) / 1e6, labels)
            if let periods = cpu.throttledPeriods {
                batch.add("systemd_unit_cpu_throttled_periods_total", Double(periods), labels)
            }
            if let throttled = cpu.throttledMicroseconds {
                batch.add("systemd_unit_cpu_throttled_seconds_total", Double(throttled) / 1e6, labels)
            }
        }
        if let memory = read("memory.current", { try SystemdParsers.parseSingleValue(bytes: $0, file: $1) })?.number {
            batch.add("systemd_unit_memory_bytes", Double(memory), labels)
        }
        if let limit = read("memory.max", { try SystemdParsers.parseSingleValue(bytes: $0, file: $1) })?.number {
            batch.add("systemd_unit_memory_limit_bytes", Double(limit), labels)
        }
        if let tasks = read("pids.current", { try SystemdParsers.parseSingleValue(bytes: $0, file: $1) })?.number {
            batch.add("systemd_unit_tasks", Double(tasks), labels)
        }
        if let limit = read("pids.max", { try SystemdParsers.parseSingleValue(bytes: $0, file: $1) })?.number {
            batch.add("systemd_unit_tasks_limit", Double(limit), labels)
        }
        if let devices = read("io.stat", { try SystemdParsers.parseIOStat(bytes: $0, file: $1) }) {
            for device in devices {
                let deviceLabels = [("unit", unit), ("device", device.device)]
                batch.add("systemd_unit_io_read_bytes_total", Double(device.readBytes), deviceLabels)
                batch.add("systemd_unit_io_written_bytes_total", Double(device.writtenBytes), deviceLabels)
                batch.add("systemd_unit_io_reads_total", Double(device.reads), deviceLabels)
                batch.add("systemd_unit_io_writes_total", Double(device.writes), deviceLabels)
            }
        }
    }
}
