import Logging
import ServiceLifecycle
import SondeCore
import SondeStore

/// Keeps the store durable: a flush every flush interval. It is the first service of the group, so
/// on SIGTERM it stops last, after every collector, with a final flush and snapshot. A failing
/// flush (a full or broken disk) is logged once and retried every interval; it never stops the agent.
struct StoreService: Service {
    let store: Store
    let flushInterval: Duration
    let clock: any SondeClock
    let logger: Logger

    func run() async throws {
        let store = self.store
        let interval = flushInterval
        let clock = self.clock
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: interval)
                } catch {
                    return
                }
                do {
                    try store.flush(now: clock.wallMilliseconds)
                    if failing { logger.info("store flush works again") }
                    failing = false
                } catch {
                    if !failing { logger.error("store flush failed", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
        }
        try store.close(now: clock.wallMilliseconds)
        logger.info("store closed", metadata: ["store.directory": "\(store.directory)"])
    }
}
