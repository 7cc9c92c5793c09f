import Logging
import SondeCollectors
import SondeCore

/// Turns the configuration's `collectors` section into the collectors to run. Each schedule carries
/// a fingerprint of the settings it was built from, so a reload restarts only what changed.
///
/// Collectors of later issues (gunicorn logs, postgres, probes, billing) are validated by the
/// configuration already; this build does not run them yet, and `sonde check` says which run.
public enum CollectorFactory {
    public static func schedules(
        for config: SondeConfig, identity: InstanceIdentity, procPath: String = "/proc", sysPath: String = "/sys", rootfsPath: String = "/",
        logger: Logger
    ) throws -> [CollectorSchedule] {
        var schedules: [CollectorSchedule] = [
            // Who this host is (EC2 instance or hostname): `sonde_instance_info`, on the host grid.
            CollectorSchedule(collector: InstanceIdentityCollector(identity: identity), intervalMilliseconds: config.collectors.host.intervalMilliseconds, fingerprint: "\(identity)"),
        ]
        let collectors = config.collectors
        if collectors.host.enabled {
            schedules.append(CollectorSchedule(
                collector: HostCollector(procPath: procPath, sysPath: sysPath, rootfsPath: rootfsPath, logger: logger),
                intervalMilliseconds: collectors.host.intervalMilliseconds,
                fingerprint: "\(collectors.host)"))
        }
        if collectors.process.enabled {
            let groups = collectors.process.groups.isEmpty ? ProcessGroup.defaults : collectors.process.groups.map(processGroup)
            schedules.append(CollectorSchedule(
                collector: try ProcessCollector(groups: groups, procPath: procPath),
                intervalMilliseconds: collectors.process.intervalMilliseconds,
                fingerprint: "\(collectors.process)"))
        }
        if collectors.systemd.enabled {
            let units = collectors.systemd.units ?? watchedUnits(collectors.process)
            schedules.append(CollectorSchedule(
                collector: SystemdCollector(units: units, cgroupRoot: sysPath + "/fs/cgroup", logger: logger),
                intervalMilliseconds: collectors.systemd.intervalMilliseconds,
                fingerprint: "\(collectors.systemd) \(units)"))
        }
        if collectors.statsd.enabled && (collectors.statsd.listen != nil || collectors.statsd.unixSocket != nil) {
            let statsd = collectors.statsd
            schedules.append(CollectorSchedule(
                collector: StatsDCollector(
                    udp: statsd.listen?.description, unixSocket: statsd.unixSocket, quantiles: statsd.quantiles,
                    maxSeries: statsd.maxSeries, procRoot: procPath, logger: logger),
                // Aggregates are drained into the store on the host collector's grid.
                intervalMilliseconds: collectors.host.intervalMilliseconds,
                fingerprint: "\(statsd)"))
        }
        return schedules
    }

    /// Names of the configured collectors that this build validates but does not run yet.
    public static func notYetRunning(_ config: SondeConfig) -> [String] {
        var names: [String] = []
        if !config.collectors.gunicorn.isEmpty { names.append("gunicorn") }
        if !config.collectors.postgres.isEmpty { names.append("postgres") }
        if !config.collectors.probes.isEmpty { names.append("probes") }
        if config.collectors.billing.enabled { names.append("billing") }
        if !config.rules.files.isEmpty { names.append("rules") }
        return names
    }

    /// The systemd units of the watched process groups, when `collectors.systemd.units` is not given:
    /// the units named in `systemd_unit` rules, and for the embedded default groups the Debian and
    /// Amazon Linux unit names of PostgreSQL and nginx (a Gunicorn app's unit name is the app's own).
    static func watchedUnits(_ process: ProcessCollectorConfig) -> [String] {
        guard process.enabled else { return [] }
        if process.groups.isEmpty { return ["postgresql.service", "nginx.service"] }
        return process.groups.compactMap(\.systemdUnit)
    }

    static func processGroup(_ config: ProcessGroupConfig) -> ProcessGroup {
        var rules: [ProcessGroupRule] = []
        if let comm = config.comm { rules.append(ProcessGroupRule(.comm, comm)) }
        if let exe = config.exe { rules.append(ProcessGroupRule(.exe, exe)) }
        if let cmdline = config.cmdline { rules.append(ProcessGroupRule(.cmdline, cmdline)) }
        if let user = config.user { rules.append(ProcessGroupRule(.user, user)) }
        if let pidfile = config.pidfile { rules.append(ProcessGroupRule(.pidfile, pidfile)) }
        if let unit = config.systemdUnit { rules.append(ProcessGroupRule(.systemdUnit, unit)) }
        return ProcessGroup(name: config.name, rules: rules)
    }
}
