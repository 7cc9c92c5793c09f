import Logging
import ServiceLifecycle
import SondeCore
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

    static func service(_ config: SondeConfig, dataDirectory: String, clock: any SondeClock, logger: Logger) throws -> NotifyService? {
        guard config.notify.isConfigured else { return nil }
        return try NotifyService(
            config: alertmanagerConfig(config.notify), dataDirectory: dataDirectory + "/notify",
            externalURL: config.notify.externalURL ?? "http://\(config.api.listen)", maxAge: config.notify.maxAge,
            outboxMaxBytes: Int(config.notify.outboxMaxBytes), clock: clock, logger: logger)
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
