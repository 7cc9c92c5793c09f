import SondeCore
import Synchronization

/// Series read for a selector over a window, prepared for evaluation (in Prometheus' order, names
/// dropped once), shared by the queries of one rule-group round: rules that select the same series
/// over the same window (`up`, `rate(up[5m])`, `avg_over_time(up[5m])` at one instant) read and
/// prepare them once. A rule's write drops the selections it could belong to (`invalidate`), so
/// the next rule still sees what the ones before it recorded.
public final class PromQLSelectionCache: Sendable {
    struct Entry: Sendable {
        var matchers: [LabelMatcher]
        var series: [PromQLEvaluation.Loaded]
    }

    /// Entries by the metric name their selector fixes ("" when it fixes none), then by selector
    /// and window.
    private let entries = Mutex<[String: [String: Entry]]>([:])

    public init() {}

    func lookup(_ matchers: [LabelMatcher], key: String) -> [PromQLEvaluation.Loaded]? {
        entries.withLock { $0[Self.fixedName(matchers)]?[key]?.series }
    }

    func store(_ series: [PromQLEvaluation.Loaded], for matchers: [LabelMatcher], key: String) {
        entries.withLock { $0[Self.fixedName(matchers), default: [:]][key] = Entry(matchers: matchers, series: series) }
    }

    /// Forgets every selection a series with these labels could be part of.
    public func invalidate(_ labels: Labels) {
        entries.withLock { entries in
            entries[labels.metricName] = nil
            guard let unnamed = entries[""] else { return }
            for (key, entry) in unnamed where entry.matchers.allSatisfy({ $0.matches(labels[$0.name] ?? "") }) {
                entries[""]?[key] = nil
            }
        }
    }

    private static func fixedName(_ matchers: [LabelMatcher]) -> String {
        matchers.first { $0.name == Labels.metricNameLabel && $0.op == .equal }?.value ?? ""
    }
}
