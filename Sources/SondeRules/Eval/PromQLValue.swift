import SondeCore

/// One element of an instant vector: a series' labels, its value at the evaluation time, and the time
/// of the sample it came from (what `timestamp()` returns; the evaluation time for computed values).
public struct PromQLSample: Sendable, Equatable {
    public var labels: Labels
    public var value: Double
    public var timestamp: Int64

    public init(labels: Labels, value: Double, timestamp: Int64) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

/// A series with its points in time order: a sample source's answer, or one series of a range query.
public struct PromQLSeries: Sendable, Equatable {
    public var labels: Labels
    public var timestamps: [Int64]
    public var values: [Double]
    /// From a sample source: the points before this time stand for rollup buckets (the value of
    /// each bucket's last sample), not raw samples; nil when all are raw.
    public var rollupBefore: Int64?

    public init(labels: Labels, timestamps: [Int64] = [], values: [Double] = []) {
        self.labels = labels
        self.timestamps = timestamps
        self.values = values
    }
}

/// The result of a query, typed as Prometheus types it: an instant query of `1 + 1` is a scalar, of
/// `up` a vector; a range query is always a matrix.
public enum PromQLValue: Sendable, Equatable {
    case scalar(Double)
    case vector([PromQLSample])
    case matrix([PromQLSeries])
    case string(String)
}

/// Where the evaluator reads samples: the store for queries and rules, an in-memory set of series
/// for `sonde rules test`.
public protocol PromQLSampleSource: Sendable {
    /// Every series matching all `matchers`, with its samples in [start, end] (milliseconds, both
    /// inclusive) in time order, staleness markers included. `step` is the range query's step (nil
    /// for an instant evaluation), from which a store picks the tier it reads.
    func series(matching matchers: [LabelMatcher], start: Int64, end: Int64, step: Int64?) throws(SondeError) -> [PromQLSeries]
}

/// Series held in memory, as promtool's unit tests hold their `input_series`; also what recording
/// rules write to within one `sonde rules test` run.
public struct InMemorySampleSource: PromQLSampleSource {
    public private(set) var series: [PromQLSeries]
    private var indexByLabels: [Labels: Int] = [:]

    public init(_ series: [PromQLSeries] = []) {
        self.series = []
        for entry in series {
            for (timestamp, value) in zip(entry.timestamps, entry.values) { append(entry.labels, timestamp, value) }
            if entry.timestamps.isEmpty, indexByLabels[entry.labels] == nil {
                indexByLabels[entry.labels] = self.series.count
                self.series.append(PromQLSeries(labels: entry.labels))
            }
        }
    }

    /// Adds a sample; a sample at or before the series' last timestamp replaces nothing and is
    /// dropped, as a TSDB drops out-of-order samples.
    public mutating func append(_ labels: Labels, _ timestamp: Int64, _ value: Double) {
        if let index = indexByLabels[labels] {
            if let last = series[index].timestamps.last, timestamp <= last { return }
            series[index].timestamps.append(timestamp)
            series[index].values.append(value)
        } else {
            indexByLabels[labels] = series.count
            series.append(PromQLSeries(labels: labels, timestamps: [timestamp], values: [value]))
        }
    }

    public func series(matching matchers: [LabelMatcher], start: Int64, end: Int64, step: Int64?) throws(SondeError) -> [PromQLSeries] {
        var result: [PromQLSeries] = []
        for entry in series where matchers.allSatisfy({ $0.matches(entry.labels[$0.name] ?? "") }) {
            let from = SortedSearch.firstIndex(in: entry.timestamps, atOrAfter: start)
            let to = SortedSearch.firstIndex(in: entry.timestamps, after: end)
            guard from < to else { continue }
            result.append(PromQLSeries(
                labels: entry.labels, timestamps: Array(entry.timestamps[from..<to]), values: Array(entry.values[from..<to])))
        }
        return result
    }
}
