import SondeCore
import Synchronization

/// The API's own counters, which `/metrics` exposes as `sonde_api_*`.
public final class APIStatistics: Sendable {
    private struct Key: Hashable {
        var route: String
        var code: Int
    }

    private struct State {
        var requests: [Key: Int] = [:]
        var seconds: [String: Double] = [:]
        var queriesRunning = 0
        var queriesWaiting = 0
        var queriesRefused = 0
    }

    private let state = Mutex(State())

    public init() {}

    func record(route: String, code: Int, seconds: Double) {
        state.withLock { state in
            state.requests[Key(route: route, code: code), default: 0] += 1
            state.seconds[route, default: 0] += seconds
        }
    }

    func queryStarted() { state.withLock { $0.queriesRunning += 1 } }
    func queryFinished() { state.withLock { $0.queriesRunning -= 1 } }
    func waiting(_ change: Int) { state.withLock { $0.queriesWaiting += change } }
    func refused() { state.withLock { $0.queriesRefused += 1 } }

    /// Self-metrics, sorted by name and labels.
    public func samples() -> [(Labels, Double)] {
        state.withLock { state in
            var samples: [(Labels, Double)] = []
            for (key, count) in state.requests.sorted(by: { ($0.key.route, $0.key.code) < ($1.key.route, $1.key.code) }) {
                samples.append((Labels([
                    Label(Labels.metricNameLabel, "sonde_api_requests_total"), Label("code", String(key.code)), Label("route", key.route),
                ]), Double(count)))
            }
            for (route, seconds) in state.seconds.sorted(by: { $0.key < $1.key }) {
                samples.append((Labels([Label(Labels.metricNameLabel, "sonde_api_request_seconds_total"), Label("route", route)]), seconds))
            }
            samples.append((Labels(name: "sonde_api_queries_running"), Double(state.queriesRunning)))
            samples.append((Labels(name: "sonde_api_queries_waiting"), Double(state.queriesWaiting)))
            samples.append((Labels(name: "sonde_api_queries_refused_total"), Double(state.queriesRefused)))
            return samples
        }
    }
}
