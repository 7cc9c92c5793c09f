import Logging
import SondeCollectors
import SondeCore

/// Turns the configuration's `collectors` section into the collectors to run. Each schedule carries
/// a fingerprint of the settings it was built from, so a reload restarts only what changed.
///
/// Collectors of later issues (gunicorn logs, postgres, probes, billing) are validated by the
/// configuration already; this build does not run them yet, and `sonde check` says which run.
public enum CollectorFactory {
    public static func schedules(for config: SondeConfig, procPath: String = "/proc", sysPath: String = "/sys", rootfsPath: String = "/", logger: Logger) throws -> [CollectorSchedule] {
        var schedules: [CollectorSchedule] = []
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
        if config.collectors.systemd.units != nil { names.append("systemd") }
        if !config.rules.files.isEmpty { names.append("rules") }
        return names
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
