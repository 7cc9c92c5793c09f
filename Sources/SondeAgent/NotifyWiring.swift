import Logging
import ServiceLifecycle
import SondeAWS
import SondeCollectors
import SondeCore
import SondeNet
import SondeNotify
import SondeRules
import SondeStore

/// `notify:` into a running `NotifyService`, and the bridge from alert states to its alerts.
public enum NotifyWiring {
    /// The Alertmanager configuration `notify:` names or holds; errors at their file, line and column.
    public static func alertmanagerConfig(_ notify: NotifyConfig) throws -> AlertmanagerConfig {
        if let path = notify.configFile {
            let text: String
            do {
                text = try TextFile.read(path)
            } catch {
                throw SondeError(.io, "cannot read notify.config_file \(path): \(error.message)")
            }
            return try AlertmanagerConfig.parse(text, file: path)
        }
        guard let inline = notify.inline else { throw SondeError(.invalidArgument, "notify: no receivers configured") }
        return try AlertmanagerConfig.parse(inline, keyPath: "notify")
    }

    /// Alertmanager's default templates and the configuration's `templates:` files, relative to
    /// `config_file`'s folder (as Alertmanager takes them), or to the working directory when inline.
    public static func templates(_ notify: NotifyConfig, config: AlertmanagerConfig) throws -> NotificationTemplates {
        // The file's folder: "." for a bare name, "/" for a file at the root.
        let folder = notify.configFile.map { path -> String in
            guard let slash = path.lastIndex(of: "/") else { return "." }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        }
        let templates = try NotificationTemplates.load(config.templates, baseDirectory: folder)
        try templates.checkFields(of: config)
        return templates
    }

    /// What `sonde check` and the agent's start check: the configuration, its template files and
    /// fields, and that every SNS receiver has a region and no role to assume.
    public static func check(_ notify: NotifyConfig, environment: [String: String]) throws {
        let config = try alertmanagerConfig(notify)
        _ = try templates(notify, config: config)
        let planner = NotificationPlanner(config: config)
        let keys = StaticCredentialsProvider(AWSCredentials(accessKeyID: "", secretAccessKey: "", source: "sonde check"))
        for receiver in config.receivers {
            for (integration, _) in planner.integrations(of: receiver) {
                _ = try IntegrationSender.make(integration, of: receiver, client: HTTPClient(), awsCredentials: keys, environment: environment, instanceRegion: nil)
            }
        }
    }

    /// `sonde notify test`: the test alert with `labels`, through the configuration's route (or to
    /// `receiver`), sent now with the credentials the agent would use.
    public static func test(_ config: SondeConfig, receiver: String?, labels: [String: String]) async throws -> [NotificationTest.Result] {
        guard config.notify.isConfigured else { throw SondeError(.invalidArgument, "notify: no receivers configured") }
        let alertmanager = try alertmanagerConfig(config.notify)
        let templates = try templates(config.notify, config: alertmanager)
        let environment = ProcessEnvironment.current()
        let now = SystemClock().wallMilliseconds
        return try await NotificationTest.run(
            NotificationTest.alert(hostname: InstanceIdentity.localHostname(), labels: labels, now: now), config: alertmanager, templates: templates,
            receiver: receiver, externalURL: config.notify.externalURL ?? "http://\(config.api.listen)",
            awsCredentials: AWSCredentialsChain.standard(environment: environment, onEC2: InstanceIdentity.looksLikeEC2(), logger: Logger(label: "sonde")),
            environment: environment, instanceRegion: nil, now: now)
    }

    static func service(
        _ config: SondeConfig, dataDirectory: String, awsCredentials: any AWSCredentialsProvider, environment: [String: String], instanceRegion: String?,
        clock: any SondeClock, logger: Logger
    ) throws -> NotifyService? {
        guard config.notify.isConfigured else { return nil }
        let alertmanager = try alertmanagerConfig(config.notify)
        return try NotifyService(
            config: alertmanager, dataDirectory: dataDirectory + "/notify",
            externalURL: config.notify.externalURL ?? "http://\(config.api.listen)", maxAge: config.notify.maxAge,
            outboxMaxBytes: Int(config.notify.outboxMaxBytes), templates: templates(config.notify, config: alertmanager),
            awsCredentials: awsCredentials, environment: environment, instanceRegion: instanceRegion, clock: clock, logger: logger)
    }

    /// What the rules hand to notification after a round, as Prometheus sends to Alertmanager:
    /// firing alerts valid for four intervals (at least four minutes) unless renewed, and
    /// resolved ones, for as long as the rules keep them, ending when they resolved.
    static func alerts(_ states: [String: [ActiveAlert]], interval: [String: Int64], now: Int64) -> [NotifyAlert] {
        var result: [NotifyAlert] = []
        for (key, alerts) in states {
            let validFor = 4 * max(interval[key] ?? 60_000, 60_000)
            for alert in alerts {
                guard let firedAt = alert.firedAt else { continue }  // pending alerts are not sent
                let endsAt = alert.state == .firing ? now + validFor : (alert.resolvedAt ?? now)
                result.append(NotifyAlert(labels: alert.labels, annotations: alert.annotations, startsAt: firedAt, endsAt: endsAt, updatedAt: now))
            }
        }
        return result
    }
}

/// Runs the notify service in the agent's service group and stores its self-metrics every 10 s.
struct NotifyRunner: Service {
    let notify: NotifyService
    let store: Store
    let clock: any SondeClock

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await notify.run() }
                group.addTask {
                    while !Task.isCancelled {
                        let now = clock.wallMilliseconds
                        for (labels, value) in notify.selfMetrics(now: now) { _ = store.append(labels, timestamp: now, value: value) }
                        do {
                            try await clock.sleep(for: .seconds(10))
                        } catch {
                            return
                        }
                    }
                }
                await group.waitForAll()
            }
            // The final counts, before the store (which stops after this service) closes.
            let now = clock.wallMilliseconds
            for (labels, value) in notify.selfMetrics(now: now) { _ = store.append(labels, timestamp: now, value: value) }
        }
    }
}
