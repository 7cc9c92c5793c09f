import Logging
import SondeAWS
import SondeCollectors
import SondeCore
import SondeNet
import SondePostgres

/// Turns the configuration's `collectors` section into the collectors to run: for each enabled
/// section, the collector's settings built from it, and the collector built from those. Each
/// schedule keeps the settings, so a reload restarts only what changed.
public enum CollectorFactory {
    /// - Parameters:
    ///   - environment: where AWS credentials and profiles are looked up (the billing collector);
    ///     the process environment by default.
    ///   - clock: the agent's clock, which every collector reads the time from.
    public static func schedules(
        for config: SondeConfig, identity: InstanceIdentity, dataDirectory: String, procPath: String = "/proc", sysPath: String = "/sys",
        rootfsPath: String = "/", environment: [String: String] = ProcessEnvironment.current(), clock: any SondeClock = SystemClock(),
        logger: Logger
    ) throws -> [CollectorSchedule] {
        let collectors = config.collectors
        var schedules: [CollectorSchedule] = [
            // Who this host is (EC2 instance or hostname): `sonde_instance_info`, on the host grid.
            CollectorSchedule(collector: InstanceIdentityCollector(identity: identity), settings: identity, interval: collectors.host.interval),
        ]
        if collectors.host.enabled {
            let settings = HostCollector.Settings(procPath: procPath, sysPath: sysPath, rootfsPath: rootfsPath)
            schedules.append(CollectorSchedule(collector: HostCollector(settings: settings, clock: clock, logger: logger), settings: settings, interval: collectors.host.interval))
        }
        if collectors.process.enabled {
            let settings = ProcessCollector.Settings(collectors.process, procPath: procPath)
            schedules.append(CollectorSchedule(collector: try ProcessCollector(settings: settings, clock: clock), settings: settings, interval: collectors.process.interval))
        }
        if collectors.systemd.enabled {
            let settings = SystemdCollector.Settings(collectors.systemd, process: collectors.process, sysPath: sysPath)
            schedules.append(CollectorSchedule(collector: SystemdCollector(settings: settings, logger: logger), settings: settings, interval: collectors.systemd.interval))
        }
        let statsd = StatsDCollector.Settings(collectors.statsd, procRoot: procPath)
        if collectors.statsd.enabled && statsd.listens {
            // Aggregates are drained into the store on the host collector's grid.
            schedules.append(CollectorSchedule(collector: StatsDCollector(settings: statsd, logger: logger), settings: statsd, interval: collectors.host.interval))
        }
        for server in collectors.postgres {
            let settings = PostgresCollector.Settings(server)
            schedules.append(CollectorSchedule(collector: PostgresCollector(settings: settings, logger: logger), settings: settings, interval: server.interval))
        }
        for app in collectors.gunicorn {
            let settings = try GunicornLogCollector.Settings(app, dataDirectory: dataDirectory)
            schedules.append(CollectorSchedule(collector: GunicornLogCollector(settings: settings, clock: clock, logger: logger), settings: settings, interval: app.interval))
        }
        for probe in collectors.probes {
            // Its own schedule, `probe:NAME`; the run may last the probe's timeout and a little more.
            let settings = try ProbeCollector.Settings(probe)
            schedules.append(CollectorSchedule(
                collector: ProbeCollector(settings: settings, clock: clock), settings: settings, interval: probe.interval,
                timeout: min(probe.interval, probe.timeout + .seconds(1))))
        }
        if collectors.billing.enabled {
            let billing = collectors.billing
            // The instance role is asked only where DMI and the metadata service said EC2 (the
            // identity discovered at start): off EC2 the metadata address is never contacted.
            let credentials = AWSCredentialsChain.standard(environment: environment, onEC2: identity.onEC2, logger: logger)
            let settings = BillingCollector.Settings(billing)
            schedules.append(CollectorSchedule(
                collector: BillingCollector(settings: settings, credentials: credentials, now: { clock.wallMilliseconds }), settings: settings, interval: billing.interval,
                // Two calls, each with up to three attempts of 10 s and the waits between them.
                timeout: min(billing.interval, .seconds(90))))
        }
        return schedules
    }

    /// Where log collectors keep their checkpoints.
    public static func logStateDirectory(_ dataDirectory: String) -> String { GunicornLogCollector.Settings.stateDirectory(dataDirectory) }

    /// Checks what the configuration parser cannot (access-log formats), for `sonde check`.
    public static func validate(_ config: SondeConfig) throws(ParseError) {
        for app in config.collectors.gunicorn { _ = try GunicornLogCollector.Settings(app, dataDirectory: ".") }
    }
}
