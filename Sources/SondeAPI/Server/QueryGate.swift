import Dispatch
import Synchronization

/// Lets at most `limit` queries evaluate at once; up to `queueLimit` more wait their turn, and
/// beyond that a query is refused at once (503) rather than piling up memory. Queries evaluate on
/// their own threads, not Swift's cooperative pool (two threads here), so a slow query never stalls
/// the server, the rules or the collectors.
final class QueryGate: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private enum Admission { case now, wait, refuse }

    private let state = Mutex(State())
    let limit: Int
    let queueLimit: Int
    let statistics: APIStatistics

    init(limit: Int, queueLimit: Int = 64, statistics: APIStatistics) {
        self.limit = limit
        self.queueLimit = queueLimit
        self.statistics = statistics
    }

    /// Runs `body` once a slot is free; throws 503 when the queue is full.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(APIError) -> T) async throws(APIError) -> T {
        let admission = state.withLock { state -> Admission in
            if state.running < limit {
                state.running += 1
                return .now
            }
            return state.waiters.count < queueLimit ? .wait : .refuse
        }
        switch admission {
        case .refuse:
            statistics.refused()
            throw APIError(status: .serviceUnavailable, type: .unavailable, message: "too many queries at once (api.max_concurrent_queries); try again")
        case .wait:
            statistics.waiting(1)
            await withCheckedContinuation { continuation in
                let admitted = state.withLock { state -> Bool in
                    // A slot may have freed between the two locks.
                    if state.running < limit {
                        state.running += 1
                        return true
                    }
                    state.waiters.append(continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
            statistics.waiting(-1)
        case .now:
            break
        }
        statistics.queryStarted()
        defer {
            statistics.queryFinished()
            // Hand the slot straight to the next waiter, or give it back.
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.waiters.isEmpty {
                    state.running -= 1
                    return nil
                }
                return state.waiters.removeFirst()
            }
            next?.resume()
        }
        let result: Result<T, APIError> = await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Result { () throws(APIError) -> T in try body() }) }
        }
        return try result.get()
    }

    private static let queue = DispatchQueue(label: "sonde.api.query", attributes: .concurrent)
}
