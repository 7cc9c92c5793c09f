import Logging
import SondeCore
import Synchronization

/// Delivers one receiver integration's notifications from the outbox, oldest first, one at a
/// time: each integration has its own, so a receiver that is down for an hour delays only itself.
/// A retryable failure waits (`RetryBackoff`) and tries the same entry again; a rejection drops the
/// entry; entries past `max_age` are dropped by the outbox and counted by the caller.
public final class OutboxDelivery: Sendable {
    public typealias Send = @Sendable (NotificationOutbox.Entry) async -> DeliveryOutcome

    /// What this integration's deliveries came to, for `sonde_notifications_total` and
    /// `sonde_notifications_failed_total{reason}`.
    public struct Counters: Sendable, Equatable {
        public var delivered = 0
        public var failed: [String: Int] = [:]

        public init(delivered: Int = 0, failed: [String: Int] = [:]) {
            self.delivered = delivered
            self.failed = failed
        }
    }

    public let integration: String
    private let outbox: NotificationOutbox
    private let send: Send
    private let backoff: RetryBackoff
    private let clock: any SondeClock
    private let logger: Logger
    private let counters = Mutex(Counters())
    private let wakeup = Wakeup()

    public init(integration: String, outbox: NotificationOutbox, backoff: RetryBackoff = RetryBackoff(), clock: any SondeClock, logger: Logger, send: @escaping Send) {
        self.integration = integration
        self.outbox = outbox
        self.send = send
        self.backoff = backoff
        self.clock = clock
        self.logger = logger
    }

    public var statistics: Counters { counters.withLock { $0 } }

    /// New entries were enqueued for this integration.
    public func wake() { wakeup.signal() }

    /// Delivers until cancelled, sleeping while there is nothing to send.
    public func run() async {
        while !Task.isCancelled {
            await deliverPending()
            await wakeup.wait(upTo: .seconds(5), clock: clock)
        }
    }

    /// Delivers what is pending now; returns when the outbox has nothing left for this integration
    /// (or the task is cancelled, leaving the rest for later).
    public func deliverPending() async {
        var failures = 0
        while !Task.isCancelled, let entry = outbox.pending(for: integration).first {
            switch await send(entry) {
            case .delivered:
                outbox.remove(entry.sequence)
                counters.withLock { $0.delivered += 1 }
                if failures > 0 {
                    logger.info("notification delivered again", metadata: ["notify.integration": "\(integration)", "notify.failed_attempts": "\(failures)"])
                }
                failures = 0
            case .rejected(let reason, let detail):
                outbox.remove(entry.sequence)
                counters.withLock { $0.failed[reason, default: 0] += 1 }
                logger.error("notification rejected; dropped", metadata: [
                    "notify.integration": "\(integration)", "notify.group_key": "\(entry.groupKey)", "reason": "\(reason)", "response": "\(detail)",
                ])
            case .retry(let reason):
                failures += 1
                counters.withLock { $0.failed[reason, default: 0] += 1 }
                if failures == 1 {
                    logger.warning("notification not delivered; retrying", metadata: ["notify.integration": "\(integration)", "reason": "\(reason)"])
                }
                do {
                    try await clock.sleep(for: backoff.delay(afterFailures: failures, random: Double.random(in: 0...1)))
                } catch {
                    return
                }
            }
        }
    }
}

/// A signal one task waits on with a timeout; a signal sent while nobody waits is kept for the
/// next wait, so none is lost between a check and the wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func wait(upTo timeout: Duration, clock: any SondeClock) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    // Cancelled already (the timeout won before this task started): do not wait,
                    // as nobody would resume it.
                    let cancelled = Task.isCancelled
                    let resumeNow = self.state.withLock { state -> Bool in
                        if state.pending || cancelled {
                            state.pending = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask { try? await clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // The timeout (or cancellation) won: release the waiter so its task can end.
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
