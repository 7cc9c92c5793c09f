import Synchronization

/// What the running agent's parts report about themselves, for the HTTP API's readiness, its
/// `/api/v1/status/sonde`, the status page and `sonde status`: each collector's last success and
/// last error, and which parts have started.
public final class AgentStatusBoard: Sendable {
    public struct Collector: Sendable, Equatable {
        public var name: String
        public var lastRun: Int64?
        public var lastSuccess: Int64?
        public var lastError: String?
        public var lastErrorAt: Int64?
        public var lastDurationSeconds: Double = 0
    }

    private struct State {
        var collectors: [String: Collector] = [:]
        var started: Set<String> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// One collector round: `error` nil for a success.
    public func collectorRan(_ name: String, at time: Int64, seconds: Double, error: String?) {
        state.withLock { state in
            var entry = state.collectors[name] ?? Collector(name: name)
            entry.lastRun = time
            entry.lastDurationSeconds = seconds
            if let error {
                entry.lastError = error
                entry.lastErrorAt = time
            } else {
                entry.lastSuccess = time
            }
            state.collectors[name] = entry
        }
    }

    /// A collector taken out by a reload.
    public func collectorRemoved(_ name: String) {
        state.withLock { _ = $0.collectors.removeValue(forKey: name) }
    }

    /// A collector that has started but not run yet shows as such.
    public func collectorStarted(_ name: String) {
        state.withLock { state in
            if state.collectors[name] == nil { state.collectors[name] = Collector(name: name) }
        }
    }

    /// Marks a part (`store`, `collectors`) as started.
    public func started(_ part: String) {
        state.withLock { _ = $0.started.insert(part) }
    }

    /// Ready once the store has recovered and the collectors have started.
    public var isReady: Bool { state.withLock { $0.started.isSuperset(of: ["store", "collectors"]) } }

    /// Collectors sorted by name.
    public var collectors: [Collector] { state.withLock { $0.collectors.values.sorted { $0.name < $1.name } } }
}
