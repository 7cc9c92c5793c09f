import Logging
import ServiceLifecycle
import SondeCore
import SondeRules
import UnixSignals

/// Reloads the configuration on SIGHUP. A valid new file replaces the collectors that changed and
/// re-reads the rule files; an invalid one (or an invalid rule file) is rejected with its error
/// logged, and everything keeps running on the old one.
/// Storage settings (budget, tier shares) shape files on disk and need a restart; a change there is
/// logged and otherwise ignored.
struct ConfigReloader: Service {
    let configPath: String?
    let current: SondeConfig
    let supervisor: CollectorSupervisor
    let rules: RuleEvaluationService
    let factory: @Sendable (SondeConfig) throws -> [CollectorSchedule]
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let (configPath, current, supervisor, rules, factory, logger) = (
            self.configPath, self.current, self.supervisor, self.rules, self.factory, self.logger)
        await cancelWhenGracefulShutdown {
            var active = current
            for await _ in signals {
                do {
                    let next = try SondeConfig.load(path: configPath)
                    let schedules = try factory(next)
                    let groups = try RuleSet.load(next.rules.files)
                    if next.storage != active.storage {
                        logger.warning("storage settings changed; they take effect at the next restart")
                    }
                    if next.notify != active.notify {
                        logger.warning("notify settings changed; they take effect at the next restart")
                    }
                    supervisor.apply(schedules)
                    rules.reload(groups)
                    active = next
                    logger.info("configuration reloaded", metadata: ["config.path": "\(configPath ?? "(embedded defaults)")"])
                } catch {
                    logger.error("configuration reload rejected; keeping the running configuration", metadata: [
                        "config.path": "\(configPath ?? "(embedded defaults)")", "error": "\(error)",
                    ])
                }
            }
        }
    }
}
