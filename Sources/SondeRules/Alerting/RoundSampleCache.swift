import SondeCore
import Synchronization

/// Within one evaluation round of a rule group, rules that select the same series over the same
/// window (`up`, `rate(up[5m])`, `avg_over_time(up[5m])` at one instant) read them from the store
/// once. What the rules write in the round drops the cached selections it could belong to, so a
/// rule still sees what the rules before it recorded.
final class RoundSampleCache: PromQLSampleSource, RuleSampleSink {
    private struct Entry {
        var matchers: [LabelMatcher]
        var start: Int64
        var end: Int64
        var series: [PromQLSeries]
    }

    private let source: any PromQLSampleSource
    private let sink: any RuleSampleSink
    /// Entries by the metric name their selector fixes ("" when it fixes none).
    private let entries = Mutex<[String: [String: Entry]]>([:])

    init(source: any PromQLSampleSource, sink: any RuleSampleSink) {
        self.source = source
        self.sink = sink
    }

    func series(matching matchers: [LabelMatcher], start: Int64, end: Int64, step: Int64?) throws(SondeError) -> [PromQLSeries] {
        let name = Self.fixedName(matchers)
        let key = matchers.map(\.description).joined(separator: ",")
        if let entry = entries.withLock({ $0[name]?[key] }), entry.start <= start, entry.end >= end {
            if entry.start == start && entry.end == end { return entry.series }
            return entry.series.compactMap { series in
                let from = SortedSearch.firstIndex(in: series.timestamps, atOrAfter: start)
                let to = SortedSearch.firstIndex(in: series.timestamps, after: end)
                guard from < to else { return nil }
                return PromQLSeries(labels: series.labels, timestamps: Array(series.timestamps[from..<to]), values: Array(series.values[from..<to]))
            }
        }
        let series = try source.series(matching: matchers, start: start, end: end, step: step)
        entries.withLock { $0[name, default: [:]][key] = Entry(matchers: matchers, start: start, end: end, series: series) }
        return series
    }

    func write(_ labels: Labels, timestamp: Int64, value: Double) {
        sink.write(labels, timestamp: timestamp, value: value)
        let name = labels.metricName
        entries.withLock { entries in
            entries[name] = nil
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
