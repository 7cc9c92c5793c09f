import Logging
import SondeAWS
import SondeCollectors
import SondeCore
import SondeNet

/// Turns the configuration's `collectors` section into the collectors to run. Each schedule carries
/// a fingerprint of the settings it was built from, so a reload restarts only what changed.
public enum CollectorFactory {
    /// - Parameter environment: where AWS credentials and profiles are looked up (the billing
    ///   collector); the process environment by default.
    public static func schedules(
        for config: SondeConfig, identity: InstanceIdentity, dataDirectory: String, procPath: String = "/proc", sysPath: String = "/sys",
        rootfsPath: String = "/", environment: [String: String] = ProcessEnvironment.current(), logger: Logger
    ) throws -> [CollectorSchedule] {
        var schedules: [CollectorSchedule] = [
            // Who this host is (EC2 instance or hostname): `sonde_instance_info`, on the host grid.
            CollectorSchedule(collector: InstanceIdentityCollector(identity: identity), interval: .milliseconds(config.collectors.host.intervalMilliseconds), fingerprint: "\(identity)"),
        ]
        let collectors = config.collectors
        if collectors.host.enabled {
            schedules.append(CollectorSchedule(
                collector: HostCollector(procPath: procPath, sysPath: sysPath, rootfsPath: rootfsPath, logger: logger),
                interval: .milliseconds(collectors.host.intervalMilliseconds),
                fingerprint: "\(collectors.host)"))
        }
        if collectors.process.enabled {
            let groups = collectors.process.groups.isEmpty ? ProcessGroup.defaults : collectors.process.groups.map(processGroup)
            schedules.append(CollectorSchedule(
                collector: try ProcessCollector(groups: groups, procPath: procPath),
                interval: .milliseconds(collectors.process.intervalMilliseconds),
                fingerprint: "\(collectors.process)"))
        }
        if collectors.systemd.enabled {
            let units = collectors.systemd.units ?? watchedUnits(collectors.process)
            schedules.append(CollectorSchedule(
                collector: SystemdCollector(units: units, cgroupRoot: sysPath + "/fs/cgroup", logger: logger),
                interval: .milliseconds(collectors.systemd.intervalMilliseconds),
                fingerprint: "\(collectors.systemd) \(units)"))
        }
        if collectors.statsd.enabled && (collectors.statsd.listen != nil || collectors.statsd.unixSocket != nil) {
            let statsd = collectors.statsd
            schedules.append(CollectorSchedule(
                collector: StatsDCollector(
                    udp: statsd.listen?.description, unixSocket: statsd.unixSocket, quantiles: statsd.quantiles,
                    maxSeries: statsd.maxSeries, procRoot: procPath, logger: logger),
                // Aggregates are drained into the store on the host collector's grid.
                interval: .milliseconds(collectors.host.intervalMilliseconds),
                fingerprint: "\(statsd)"))
        }
        for server in collectors.postgres {
            var settings = PostgresCollector.Settings(name: server.name, dsn: server.parsedDSN, password: server.password?.value)
            settings.statementTimeoutMilliseconds = server.statementTimeoutMilliseconds
            settings.topTables = server.topTables
            settings.topStatements = server.topStatements
            schedules.append(CollectorSchedule(
                collector: PostgresCollector(settings: settings, logger: logger),
                interval: .milliseconds(server.intervalMilliseconds),
                fingerprint: "\(server.name) \(server.dsn) \(server.password?.value ?? "") \(server.intervalMilliseconds) \(server.statementTimeoutMilliseconds) \(server.topTables) \(server.topStatements)"))
        }
        for app in collectors.gunicorn {
            schedules.append(CollectorSchedule(
                collector: GunicornLogCollector(settings: try gunicornSettings(app, dataDirectory: dataDirectory), logger: logger),
                interval: .milliseconds(app.intervalMilliseconds),
                fingerprint: "\(app)"))
        }
        for probe in collectors.probes {
            // Its own schedule, `probe:NAME`; the run may last the probe's timeout and a little more.
            schedules.append(CollectorSchedule(
                collector: ProbeCollector(settings: try ProbeCollector.Settings(probe)),
                interval: .milliseconds(probe.intervalMilliseconds),
                timeout: .milliseconds(min(probe.intervalMilliseconds, probe.timeoutMilliseconds + 1_000)),
                fingerprint: "\(probe)"))
        }
        if collectors.billing.enabled {
            let billing = collectors.billing
            // The instance role is asked only where DMI and the metadata service said EC2 (the
            // identity discovered at start): off EC2 the metadata address is never contacted.
            let instanceRole = identity.onEC2 ? InstanceRoleCredentialsProvider(client: HTTPClient(), logger: logger) : nil
            let credentials = AWSCredentialsChain.standard(environment: environment, instanceRole: instanceRole)
            schedules.append(CollectorSchedule(
                collector: BillingCollector(settings: BillingCollector.Settings(endpoint: billing.endpoint, perService: billing.perService), credentials: credentials),
                interval: .milliseconds(billing.intervalMilliseconds),
                // Two calls, each with up to three attempts of 10 s and the waits between them.
                timeout: .milliseconds(min(billing.intervalMilliseconds, 90_000)),
                fingerprint: "\(billing)"))
        }
        return schedules
    }

    /// Where log collectors keep their checkpoints.
    public static func logStateDirectory(_ dataDirectory: String) -> String { dataDirectory + "/logs" }

    /// The Gunicorn collector's settings for one app; a bad `format` is an error at its place in the file.
    public static func gunicornSettings(_ app: GunicornAppConfig, dataDirectory: String) throws(ParseError) -> GunicornLogCollector.Settings {
        let decoder: AccessLogDecoder
        do {
            decoder = try AccessLogDecoder(format: app.format, maxLineLength: Int(app.maxLineBytes))
        } catch {
            let at = app.formatPosition
            throw ParseError(
                file: at?.file, line: at?.line ?? error.line, column: (at?.column ?? 1) + error.column - 1,
                message: "gunicorn app \"\(app.app)\" format: \(error.message)")
        }
        var settings = GunicornLogCollector.Settings(
            app: app.app, accessLog: app.accessLog, errorLog: app.errorLog, decoder: decoder,
            checkpointPath: logStateDirectory(dataDirectory) + "/gunicorn-\(app.app).checkpoint")
        settings.options.durationBuckets = app.durationBuckets ?? GunicornMetricsOptions.defaultDurationBuckets
        settings.options.maxRoutes = app.maxRoutes
        settings.options.routePatterns = app.routes.map { RouteFolding.Pattern(pattern: $0.pattern, route: $0.route) }
        settings.lineLimit = Int(app.maxLineBytes)
        settings.startAtEnd = app.startAt == .end
        settings.rotateWaitMilliseconds = app.rotateWaitMilliseconds
        return settings
    }

    /// Checks what the configuration parser cannot (access-log formats), for `sonde check`.
    public static func validate(_ config: SondeConfig) throws(ParseError) {
        for app in config.collectors.gunicorn { _ = try gunicornSettings(app, dataDirectory: ".") }
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
