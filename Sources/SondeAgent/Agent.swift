import Logging
import ServiceLifecycle
import SondeCollectors
import SondeAPI
import SondeAWS
import SondeCore
import SondeNet
import SondeNotify
import SondeRules
import SondeStore
#if canImport(Glibc)
import Glibc
#endif

/// `sonde run`: wires the configuration into one `ServiceGroup`: the store first, then the
/// collectors, the rules, notifications (with `notify:`), then the SIGHUP reloader. SIGTERM and SIGINT stop it gracefully in reverse order,
/// so every collector has stopped and the store is flushed and snapshotted last.
public enum Agent {
    public static func run(configPath: String?, dataDirectory: String, logger: Logger) async throws {
        // A peer closing a socket must be an error on that socket, not the end of the process.
        signal(SIGPIPE, SIG_IGN)
        let config = try SondeConfig.load(path: configPath)
        let clock = SystemClock()
        var options = StoreOptions()
        options.maxBytes = config.storage.maxBytes
        options.maxSeries = config.storage.maxSeries
        options.flushIntervalMilliseconds = config.storage.flushInterval.inMilliseconds
        options.tierShares = [
            .raw: config.storage.tierShares["raw"] ?? 0.6,
            .minute: config.storage.tierShares["1m"] ?? 0.25,
            .hour: config.storage.tierShares["1h"] ?? 0.15,
        ]
        let store = try Store.open(directory: dataDirectory, options: options, logger: logger)
        logger.info("store open", metadata: [
            "store.directory": "\(dataDirectory)", "store.created": "\(store.recovery.created)",
            "series.count": "\(store.recovery.series)", "store.replayed_entries": "\(store.recovery.replayedEntries)",
        ])
        // Log collectors keep their checkpoints beside the store.
        mkdir(CollectorFactory.logStateDirectory(dataDirectory), 0o750)
        // IMDSv2 answers within its 1 s timeout on EC2; a machine that does not say it is EC2 is
        // never probed, and uses its hostname.
        let identity = InstanceIdentity.looksLikeEC2()
            ? await InstanceIdentity.discover(metadata: InstanceMetadataClient(client: HTTPClient(), timeout: .seconds(1)), logger: logger)
            : InstanceIdentity.offEC2(hostname: InstanceIdentity.localHostname())
        logger.info("instance identity", metadata: [
            "instance": "\(identity.instance)", "instance.on_ec2": "\(identity.onEC2)", "instance.region": "\(identity.region)",
        ])
        let factory: @Sendable (SondeConfig) throws -> [CollectorSchedule] = { config in
            try CollectorFactory.schedules(for: config, identity: identity, dataDirectory: dataDirectory, clock: clock, logger: logger)
        }
        let board = AgentStatusBoard()
        board.started("store")
        let supervisor = CollectorSupervisor(store: store, schedules: try factory(config), board: board, clock: clock, logger: logger)
        let environment = ProcessEnvironment.current()
        let notify = try NotifyWiring.service(
            config, dataDirectory: dataDirectory,
            awsCredentials: AWSCredentialsChain.standard(environment: environment, onEC2: identity.onEC2, logger: logger),
            environment: environment, instanceRegion: identity.region.isEmpty ? nil : identity.region, clock: clock, logger: logger)
        let rules = try ruleService(config, store: store, dataDirectory: dataDirectory, notify: notify, clock: clock, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: StoreService(store: store, flushInterval: config.storage.flushInterval, clock: clock, logger: logger), serviceName: "store"),
            .init(service: supervisor, serviceName: "collectors"),
            .init(service: rules, serviceName: "rules"),
        ]
        if let notify {
            logger.info("notify ready", metadata: ["notify.receivers": "\(notify.config.receivers.map(\.name).joined(separator: ","))"])
            services.append(.init(service: NotifyRunner(notify: notify, store: store, clock: clock), serviceName: "notify"))
        }
        if let shipper = ShipWiring.runner(
            config, store: store, dataDirectory: dataDirectory, identity: identity,
            credentials: AWSCredentialsChain.standard(environment: environment, onEC2: identity.onEC2, logger: logger), environment: environment,
            clock: clock, logger: logger)
        {
            services.append(.init(service: shipper, serviceName: "ship"))
        }
        if config.api.listen != nil || config.api.unixSocket != nil {
            let sources = APISources(
                store: store, ruleGroups: { rules.groups }, notify: notify, silences: SilenceFile(directory: dataDirectory + "/notify"),
                board: board, clock: clock)
            var settings = try APISettings(config.api)
            settings.subqueryStep = config.rules.evaluationInterval
            services.append(.init(service: APIServer(sources: sources, settings: settings, logger: logger), serviceName: "api"))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services + [
                .init(
                    service: ConfigReloader(configPath: configPath, current: config, supervisor: supervisor, rules: rules, factory: factory, logger: logger),
                    serviceName: "reload"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// The rules service for `rules.files`; with no files it runs no groups. Rule files that do not
    /// parse stop the agent from starting, with every problem logged, as Prometheus refuses them.
    static func ruleService(
        _ config: SondeConfig, store: Store, dataDirectory: String, notify: NotifyService?, clock: any SondeClock, logger: Logger
    ) throws -> RuleEvaluationService {
        let groups: [RuleSet.LoadedGroup]
        do {
            groups = try RuleSet.load(config.rules.files)
        } catch {
            for problem in error.errors { logger.error("rule file rejected", metadata: ["error": "\(problem)"]) }
            throw SondeError(.invalidArgument, "rule files have \(error.errors.count) problem(s); `sonde rules check` lists them")
        }
        let stateDirectory = dataDirectory + "/rules"
        mkdir(stateDirectory, 0o750)
        return RuleEvaluationService(
            store: store, groups: groups, evaluationInterval: config.rules.evaluationInterval,
            stateDirectory: stateDirectory, outageTolerance: config.rules.outageTolerance,
            expand: AlertTemplateExpansion.expander(externalLabels: [:], externalURL: ""),
            queryLimits: PromQLLimits(maxSamples: config.api.maxSamples, timeout: config.api.queryTimeout), notify: notify, clock: clock, logger: logger)
    }
}
