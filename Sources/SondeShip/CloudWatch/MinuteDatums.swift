import SondeAWS
import SondeCore
import SondeStore

/// The datums of `resolution: 60s`: for each shipped series and each whole minute, one datum with
/// the minute's statistics from the store's 1-minute tier. Series that differ only in labels that
/// are not dimensions fold into one datum (their statistics merged). Counters ship as the increase
/// over each minute; gauges as the minute's SampleCount, Sum, Minimum and Maximum.
///
/// Pure reading: what was shipped (the cursor) is the shipper's business.
public struct MinuteDatums: Sendable {
    public let include: [SeriesSelector]
    public let exclude: [SeriesSelector]
    /// The labels that become dimensions.
    public let dimensionLabels: Set<String>
    /// Dimensions every datum carries (the instance's, fixed ones), after the labels'.
    public let appended: [CloudWatchClient.Dimension]

    public init(config: CloudWatchShipConfig, appended: [CloudWatchClient.Dimension]) {
        include = config.include
        exclude = config.exclude
        dimensionLabels = Set(config.dimensions)
        self.appended = appended
    }

    /// The datums of the minutes starting in `start..<end` (both on minute boundaries), oldest first.
    public func datums(from store: Store, start: Int64, end: Int64) throws(SondeError) -> [CloudWatchClient.Datum] {
        precondition(start % 60_000 == 0 && end % 60_000 == 0, "whole minutes")
        var seen = Set<Labels>()
        var folded: [Key: CloudWatchClient.StatisticSet] = [:]
        for selector in include {
            // One minute earlier too: a counter's first increase needs the value before it.
            for series in try store.select(selector.matchers, start: start - 60_000, end: end - 1, tier: .tier(.minute)) {
                guard seen.insert(series.labels).inserted, !excluded(series.labels) else { continue }
                let name = series.labels.metricName
                let seriesDimensions = dimensions(of: series.labels)
                for (minute, statistics) in Self.minutes(of: series, counter: MetricKind.isCounter(name), start: start, end: end) {
                    let key = Key(metricName: name, dimensions: seriesDimensions, minute: minute)
                    folded[key] = folded[key].map { $0.merged(with: statistics) } ?? statistics
                }
            }
        }
        return folded.sorted { $0.key < $1.key }.map { key, statistics in
            CloudWatchClient.Datum(metricName: key.metricName, dimensions: key.dimensions, timestamp: key.minute, statistics: statistics, unit: MetricKind.unit(of: key.metricName))
        }
    }

    func excluded(_ labels: Labels) -> Bool {
        exclude.contains { selector in selector.matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") } }
    }

    func dimensions(of labels: Labels) -> [CloudWatchClient.Dimension] {
        labels.pairs.filter { $0.name != Labels.metricNameLabel && dimensionLabels.contains($0.name) && !$0.value.isEmpty }
            .map { CloudWatchClient.Dimension($0.name, $0.value) } + appended
    }

    /// Each whole minute's statistics of one series, from its 1-minute rollup points (each stamped
    /// at its bucket's last sample). Points whose values are not finite are left out: CloudWatch
    /// refuses NaN and infinities.
    static func minutes(of series: SeriesData, counter: Bool, start: Int64, end: Int64) -> [(Int64, CloudWatchClient.StatisticSet)] {
        var result: [(Int64, CloudWatchClient.StatisticSet)] = []
        var previousLast: Double?
        var previousMinute: Int64?
        for index in series.timestamps.indices {
            let minute = series.timestamps[index] / 60_000 * 60_000
            let column = { (name: RollupColumn) in series.columns[name.rawValue][index] }
            let last = column(.last)
            defer {
                previousLast = last
                previousMinute = minute
            }
            guard minute >= start, minute < end else { continue }
            if counter {
                // The increase since the minute before; a drop is a reset, counted from zero.
                guard let before = previousLast, previousMinute == minute - 60_000, last.isFinite, before.isFinite else { continue }
                let increase = last >= before ? last - before : last
                result.append((minute, CloudWatchClient.StatisticSet(sampleCount: 1, sum: increase, minimum: increase, maximum: increase)))
            } else {
                let statistics = CloudWatchClient.StatisticSet(sampleCount: column(.count), sum: column(.sum), minimum: column(.min), maximum: column(.max))
                guard [statistics.sampleCount, statistics.sum, statistics.minimum, statistics.maximum].allSatisfy(\.isFinite), statistics.sampleCount > 0 else { continue }
                result.append((minute, statistics))
            }
        }
        return result
    }

    struct Key: Hashable, Comparable {
        var metricName: String
        var dimensions: [CloudWatchClient.Dimension]
        var minute: Int64

        static func < (lhs: Key, rhs: Key) -> Bool {
            if lhs.minute != rhs.minute { return lhs.minute < rhs.minute }
            if lhs.metricName != rhs.metricName { return lhs.metricName < rhs.metricName }
            return lhs.dimensions.map { $0.name + "=" + $0.value }.lexicographicallyPrecedes(rhs.dimensions.map { $0.name + "=" + $0.value })
        }
    }
}

/// What a metric's name says about it, by Prometheus' naming conventions.
enum MetricKind {
    /// Counters (and a histogram's or summary's `_sum`, `_count` and `_bucket`) ship as increases.
    static func isCounter(_ name: String) -> Bool {
        ["_total", "_count", "_sum", "_bucket"].contains { name.hasSuffix($0) }
    }

    /// CloudWatch's unit for a name's unit suffix; `None` when it has none.
    static func unit(of name: String) -> String {
        if name.hasSuffix("_count") || name.hasSuffix("_bucket") { return "Count" }
        var base = name
        for suffix in ["_total", "_sum"] where base.hasSuffix(suffix) { base = String(base.dropLast(suffix.count)) }
        if base.hasSuffix("_seconds") { return "Seconds" }
        if base.hasSuffix("_bytes") { return "Bytes" }
        if base.hasSuffix("_percent") { return "Percent" }
        return name.hasSuffix("_total") ? "Count" : "None"
    }
}
