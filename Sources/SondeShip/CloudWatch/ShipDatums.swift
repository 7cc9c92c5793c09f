import SondeAWS
import SondeCore
import SondeStore

/// The datums that ship for one or more whole minutes, as `ship.cloudwatch` asks:
/// - `resolution: 60s`: one datum per series and minute from the store's 1-minute tier, as
///   StatisticValues (SampleCount, Sum, Minimum, Maximum). Series chosen by `distribution` send the
///   minute's raw samples as Values/Counts instead, at most 150 distinct values a datum (more make
///   several datums with the same timestamp), so CloudWatch can compute percentiles; a minute the
///   raw ring no longer holds goes as statistics.
/// - `resolution: 1s`: one datum per series and sampled second from the raw ring, with
///   StorageResolution=1.
///
/// Counters ship as the increase over each period (a reset counted from zero; the first minute
/// after a start or a gap as the increase within it); gauges as they are.
/// Series that differ only in labels that are not dimensions fold into one datum, their samples
/// together. Pure reading: what was shipped (the cursor) is the shipper's business.
public struct ShipDatums: Sendable {
    public let include: [SeriesSelector]
    public let exclude: [SeriesSelector]
    public let distribution: [SeriesSelector]
    public let resolution: CloudWatchShipConfig.Resolution
    /// The labels that become dimensions.
    public let dimensionLabels: Set<String>
    /// Dimensions every datum carries (the instance's, fixed ones), after the labels'.
    public let appended: [CloudWatchClient.Dimension]
    public let namespace: String
    /// With `naming: cwagent`: host and process metrics under the agent's names, in `CWAgent`,
    /// instead of sonde's.
    public let cwagent: CWAgentMetrics?

    public init(config: CloudWatchShipConfig, appended: [CloudWatchClient.Dimension], cwagent: CWAgentMetrics? = nil) {
        namespace = config.namespace
        self.cwagent = config.naming == .cwagent ? cwagent : nil
        include = config.include
        exclude = config.exclude
        distribution = config.distribution
        resolution = config.resolution
        dimensionLabels = Set(config.dimensions)
        self.appended = appended
    }

    /// What goes for the minutes starting in `start..<end`: sonde's names in `namespace`, then the
    /// CloudWatch agent's in `CWAgent` (with `naming: cwagent`). Always in this order, so a cursor
    /// can count the datums of a minute sent so far.
    public func sections(from store: Store, start: Int64, end: Int64) throws(SondeError) -> [(namespace: String, datums: [CloudWatchClient.Datum])] {
        var sections = [(namespace: namespace, datums: try datums(from: store, start: start, end: end))]
        if let cwagent { sections.append((CWAgentMetrics.namespace, try cwagent.datums(from: store, start: start, end: end))) }
        return sections
    }

    /// The first minute in `start..<end` with anything to ship, nil when none: after a long gap
    /// the shipper jumps over the empty minutes instead of reading them one by one.
    public func firstMinuteWithData(in store: Store, start: Int64, end: Int64) throws(SondeError) -> Int64? {
        var selectors = include.map(\.matchers)
        if cwagent != nil { selectors.append([try LabelMatcher(name: Labels.metricNameLabel, op: .regexMatch, value: "node_.*|sonde_process_.*")]) }
        var first: Int64?
        for matchers in selectors {
            for series in try store.select(matchers, start: start, end: end - 1, tier: .tier(.minute)) {
                guard let timestamp = series.timestamps.first(where: { $0 >= start }) else { continue }
                first = min(first ?? .max, timestamp / 60_000 * 60_000)
            }
        }
        return first
    }

    /// The datums under sonde's names of the minutes starting in `start..<end` (both on minute
    /// boundaries), oldest first.
    public func datums(from store: Store, start: Int64, end: Int64) throws(SondeError) -> [CloudWatchClient.Datum] {
        precondition(start % 60_000 == 0 && end % 60_000 == 0, "whole minutes")
        var seen = Set<Labels>()
        var periods = Periods()
        let tier: Tier = resolution == .second ? .raw : .minute
        for selector in include {
            // One minute earlier too: a counter's first increase needs the value before it.
            for series in try store.select(selector.matchers, start: start - 60_000, end: end - 1, tier: .tier(tier)) {
                guard seen.insert(series.labels).inserted, !Self.matches(exclude, series.labels) else { continue }
                let name = series.labels.metricName
                if cwagent != nil, CWAgentMetrics.replaces(name) { continue }
                let counter = MetricKind.isCounter(name)
                let key = Key(metricName: name, dimensions: dimensions(of: series.labels), time: 0)
                switch resolution {
                case .second:
                    for (second, sample) in Self.seconds(of: series, counter: counter, start: start, end: end) {
                        periods.add(key.at(second), sample)
                    }
                case .minute:
                    let raw = !counter && Self.matches(distribution, series.labels)
                        ? try store.select(Self.exact(series.labels), start: start, end: end - 1, tier: .tier(.raw)).first : nil
                    for (minute, statistics) in Self.minutes(of: series, counter: counter, start: start, end: end) {
                        let values = raw.map { Self.values(of: $0, minute: minute) } ?? [:]
                        // The raw ring may have dropped the minute already: its statistics still go.
                        if !values.isEmpty { periods.add(key.at(minute), values) } else { periods.add(key.at(minute), statistics) }
                    }
                }
            }
        }
        return periods.datums(storageResolution: resolution == .second ? 1 : nil)
    }

    static func matches(_ selectors: [SeriesSelector], _ labels: Labels) -> Bool {
        selectors.contains { selector in selector.matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") } }
    }

    /// Matchers for exactly this series, to read its raw samples.
    static func exact(_ labels: Labels) -> [LabelMatcher] {
        labels.pairs.map { LabelMatcher.equal($0.name, $0.value) }
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
                // Without the minute before (the first after a start or a gap), the increase
                // within the minute: its last value over its lowest.
                let before = previousMinute == minute - 60_000 ? previousLast : column(.min)
                guard let before, let increase = increase(from: before, to: last) else { continue }
                result.append((minute, CloudWatchClient.StatisticSet(single: increase)))
            } else {
                let statistics = CloudWatchClient.StatisticSet(sampleCount: column(.count), sum: column(.sum), minimum: column(.min), maximum: column(.max))
                guard [statistics.sampleCount, statistics.sum, statistics.minimum, statistics.maximum].allSatisfy(\.isFinite), statistics.sampleCount > 0 else { continue }
                result.append((minute, statistics))
            }
        }
        return result
    }

    /// Each sampled second of one series' raw samples in `start..<end`, as a statistic of one
    /// sample: the value (a gauge) or the increase since the sample before (a counter). Two
    /// samples in one second (a backfill) go together.
    static func seconds(of series: SeriesData, counter: Bool, start: Int64, end: Int64) -> [(Int64, CloudWatchClient.StatisticSet)] {
        var result: [(Int64, CloudWatchClient.StatisticSet)] = []
        var previous: Double?
        for (timestamp, value) in zip(series.timestamps, series.columns[0]) {
            defer { previous = value }
            guard timestamp >= start, timestamp < end else { continue }
            let second = timestamp / 1000 * 1000
            if counter {
                guard let before = previous, let increase = increase(from: before, to: value) else { continue }
                result.append((second, CloudWatchClient.StatisticSet(single: increase)))
            } else if value.isFinite {
                result.append((second, CloudWatchClient.StatisticSet(single: value)))
            }
        }
        return result
    }

    /// How many times each finite value was sampled in the minute starting at `minute`.
    static func values(of series: SeriesData, minute: Int64) -> [Double: Double] {
        var counts: [Double: Double] = [:]
        for (timestamp, value) in zip(series.timestamps, series.columns[0]) where timestamp / 60_000 * 60_000 == minute && value.isFinite {
            counts[value, default: 0] += 1
        }
        return counts
    }

    /// A counter's increase from `before` to `after`; a drop is a reset, counted from zero.
    static func increase(from before: Double, to after: Double) -> Double? {
        guard before.isFinite, after.isFinite else { return nil }
        return after >= before ? after - before : after
    }

    struct Key: Hashable, Comparable {
        var metricName: String
        var dimensions: [CloudWatchClient.Dimension]
        /// The period's start: a minute, or a second at 1 s resolution.
        var time: Int64

        func at(_ time: Int64) -> Key { Key(metricName: metricName, dimensions: dimensions, time: time) }

        static func < (lhs: Key, rhs: Key) -> Bool {
            if lhs.time != rhs.time { return lhs.time < rhs.time }
            if lhs.metricName != rhs.metricName { return lhs.metricName < rhs.metricName }
            return lhs.dimensions.lexicographicallyPrecedes(rhs.dimensions) { ($0.name, $0.value) < ($1.name, $1.value) }
        }
    }

    /// The folded periods: statistics merged, or distinct values counted.
    struct Periods {
        var statistics: [Key: CloudWatchClient.StatisticSet] = [:]
        var distributions: [Key: [Double: Double]] = [:]

        mutating func add(_ key: Key, _ value: CloudWatchClient.StatisticSet) {
            statistics[key] = statistics[key].map { $0.merged(with: value) } ?? value
        }

        mutating func add(_ key: Key, _ values: [Double: Double]) {
            distributions[key, default: [:]].merge(values, uniquingKeysWith: +)
        }

        /// Oldest first, then by name and dimensions. A period with one sample is a plain Value.
        func datums(storageResolution: Int?) -> [CloudWatchClient.Datum] {
            var keys = Set(statistics.keys)
            keys.formUnion(distributions.keys)
            var result: [CloudWatchClient.Datum] = []
            for key in keys.sorted() {
                let unit = MetricKind.unit(of: key.metricName)
                if let counted = distributions[key] {
                    var values = counted.sorted { $0.key < $1.key }
                    // A series whose raw samples are gone for this minute folds in as statistics.
                    if let folded = statistics[key] {
                        result.append(CloudWatchClient.Datum(metricName: key.metricName, dimensions: key.dimensions, timestamp: key.time, statistics: folded, unit: unit))
                    }
                    while !values.isEmpty {
                        let chunk = values.prefix(CloudWatchClient.maxValuesPerDatum)
                        values.removeFirst(chunk.count)
                        result.append(CloudWatchClient.Datum(
                            metricName: key.metricName, dimensions: key.dimensions, timestamp: key.time, values: chunk.map(\.key), counts: chunk.map(\.value), unit: unit))
                    }
                } else if let folded = statistics[key] {
                    if folded.sampleCount == 1, storageResolution != nil {
                        result.append(CloudWatchClient.Datum(
                            metricName: key.metricName, dimensions: key.dimensions, timestamp: key.time, value: folded.sum, unit: unit, storageResolution: storageResolution))
                    } else {
                        result.append(CloudWatchClient.Datum(
                            metricName: key.metricName, dimensions: key.dimensions, timestamp: key.time, statistics: folded, unit: unit, storageResolution: storageResolution))
                    }
                }
            }
            return result
        }
    }
}

extension CloudWatchClient.StatisticSet {
    /// The statistics of one sample.
    init(single value: Double) {
        self.init(sampleCount: 1, sum: value, minimum: value, maximum: value)
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
