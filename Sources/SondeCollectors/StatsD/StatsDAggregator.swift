#if canImport(Glibc)
import Glibc
#endif
import SondeCore

/// Aggregates parsed StatsD lines between flushes, with statsd_exporter's naming and Prometheus'
/// counter semantics. It is a plain value: the collector keeps it in a `Mutex`.
///
/// What a flush produces for a metric `NAME` (after sanitising) with tags as labels:
///
/// | type | series | value |
/// |------|--------|-------|
/// | `c` | `NAME_total` (no second `_total`) | sum of increments ÷ sample rate since start; kept while idle |
/// | `g` | `NAME` | last value, deltas applied; persists between flushes (statsd semantics) |
/// | `ms` | `NAME_seconds` (a `_ms`/`_milliseconds` suffix is replaced) | summary in seconds, below |
/// | `h`, `d` | `NAME` | summary, below |
/// | `s` | `NAME` | distinct members seen this interval (0 when idle) |
///
/// A summary is `NAME{quantile="q"}` for each configured quantile, `NAME_min` and `NAME_max` over
/// the interval's observations (absent when the interval had none), and `NAME_sum`, `NAME_count`,
/// cumulative since start (weighted by 1 ÷ sample rate) so that `rate()` works; those two persist
/// while idle. Quantiles are exact nearest-rank (`ceil(q·n)`-th smallest) over the interval's
/// observations, or over a uniform reservoir of `maxSamplesPerSeries` of them when there are more.
///
/// At most `maxSeries` series (one per name, type and tag set) are kept; lines that would create
/// more are counted in `overflow` and dropped. Series never expire. It does not keep a
/// time-windowed summary like statsd_exporter's 10-minute one: each flush describes one interval.
public struct StatsDAggregator: Sendable {
    /// What `add` did with a line.
    public enum AddResult: Equatable, Sendable {
        case accepted
        case rejected(StatsDRejection)
        /// Dropped: it would have created a series beyond `maxSeries`.
        case overflow
    }

    public let quantiles: [Double]
    public let maxSeries: Int
    public let maxSamplesPerSeries: Int
    /// Lines dropped because the series limit was reached.
    public private(set) var overflow: UInt64 = 0

    private var series: [Series] = []
    private var seriesByKey: [SeriesKey: Int32] = [:]
    /// Output metric name → the type that owns it, to refuse `x:1|c` then `x_total:1|g`.
    private var owners: [String: StatsDMetricType] = [:]
    /// Cache from raw (unsanitised) name and tag bytes to a series; bounded, cleared when full.
    private var rawHeads: [Int: Int32] = [:]
    private var rawEntries: [RawEntry] = []
    private var random: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// - Parameters:
    ///   - quantiles: in [0, 1]; others are dropped, the rest sorted and deduplicated.
    ///   - maxSeries: the cardinality cap.
    ///   - maxSamplesPerSeries: observations kept per summary per interval for its quantiles.
    public init(quantiles: [Double] = [0.5, 0.9, 0.99], maxSeries: Int = 10_000, maxSamplesPerSeries: Int = 8192) {
        self.quantiles = Array(Set(quantiles.filter { $0 >= 0 && $0 <= 1 })).sorted()
        self.maxSeries = max(0, maxSeries)
        self.maxSamplesPerSeries = max(1, maxSamplesPerSeries)
    }

    /// The number of series held.
    public var seriesCount: Int { series.count }

    /// Adds one parsed line.
    public mutating func add(_ line: StatsDLine) -> AddResult {
        let index: Int
        let hash = Self.rawHash(line)
        if let cached = lookupRaw(hash: hash, line: line) {
            index = cached
        } else {
            switch resolveSlow(line, hash: hash) {
            case .success(let found): index = found
            case .failure(.overflow): overflow &+= 1; return .overflow
            case .failure(.rejected(let reason)): return .rejected(reason)
            }
        }
        return series[index].add(line, cap: maxSamplesPerSeries, random: &random)
    }

    /// Writes every series' values into `batch` and starts a new interval.
    public mutating func flush(into batch: inout MetricBatch) {
        for index in series.indices {
            series[index].flush(into: &batch, quantiles: quantiles)
        }
    }

    // MARK: Series lookup

    private struct SeriesKey: Hashable, Sendable {
        var type: StatsDMetricType
        var name: String
        var labels: [Label]
    }

    private struct RawEntry: Sendable {
        var type: StatsDMetricType
        var name: [UInt8]
        var tags: [UInt8]
        var series: Int32
        var next: Int32
    }

    private enum SlowFailure: Error { case overflow, rejected(StatsDRejection) }

    private static func rawHash(_ line: StatsDLine) -> Int {
        var hasher = Hasher()
        hasher.combine(line.type.rawValue)
        hasher.combine(bytes: line.name)
        hasher.combine(UInt8(0x0A))  // never inside a line: keeps name/tags boundaries unambiguous
        hasher.combine(bytes: line.tags)
        return hasher.finalize()
    }

    private func lookupRaw(hash: Int, line: StatsDLine) -> Int? {
        guard var entry = rawHeads[hash] else { return nil }
        while entry >= 0 {
            let candidate = rawEntries[Int(entry)]
            if candidate.type == line.type && Self.equal(candidate.name, line.name) && Self.equal(candidate.tags, line.tags) {
                return Int(candidate.series)
            }
            entry = candidate.next
        }
        return nil
    }

    private static func equal(_ stored: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == bytes.count else { return false }
        if stored.isEmpty { return true }
        return stored.withUnsafeBytes { storedBytes in
            guard let left = storedBytes.baseAddress, let right = bytes.baseAddress else { return false }
            return memcmp(left, right, bytes.count) == 0
        }
    }

    private mutating func resolveSlow(_ line: StatsDLine, hash: Int) -> Result<Int, SlowFailure> {
        let identity: (name: String, labels: [Label])
        switch StatsDParser.decodeIdentity(type: line.type, name: line.name, tags: line.tags) {
        case .success(let decoded): identity = decoded
        case .failure(let reason): return .failure(.rejected(reason))
        }
        let key = SeriesKey(type: line.type, name: identity.name, labels: identity.labels)
        let index: Int
        if let existing = seriesByKey[key] {
            index = Int(existing)
        } else {
            let new = Series(type: line.type, name: identity.name, labels: identity.labels, quantiles: quantiles)
            for name in new.outputNames where owners[name].map({ $0 != line.type }) ?? false {
                return .failure(.rejected(.typeConflict))
            }
            guard series.count < maxSeries else { return .failure(.overflow) }
            for name in new.outputNames { owners[name] = line.type }
            index = series.count
            series.append(new)
            seriesByKey[key] = Int32(index)
        }
        // Remember the raw spelling; the cache is bounded so that churning tags cannot grow it.
        if rawEntries.count >= max(1024, 4 * maxSeries) {
            rawEntries.removeAll(keepingCapacity: true)
            rawHeads.removeAll(keepingCapacity: true)
        }
        let entry = RawEntry(
            type: line.type, name: Array(line.name), tags: Array(line.tags), series: Int32(index),
            next: rawHeads[hash] ?? -1)
        rawHeads[hash] = Int32(rawEntries.count)
        rawEntries.append(entry)
        return .success(index)
    }

    // MARK: Output names

    /// The exported base name of a metric of `type` called `name` (sanitised).
    public static func exportedName(_ name: String, type: StatsDMetricType) -> String {
        switch type {
        case .counter:
            return name.hasSuffix("_total") ? name : name + "_total"
        case .timer:
            if name.hasSuffix("_seconds") { return name }
            for suffix in ["_milliseconds", "_ms"] where name.hasSuffix(suffix) && name.utf8.count > suffix.utf8.count {
                return String(name.dropLast(suffix.count)) + "_seconds"
            }
            return name + "_seconds"
        case .gauge, .histogram, .set:
            return name
        }
    }
}

/// One aggregated series and its precomputed output label sets.
private struct Series: Sendable {
    let type: StatsDMetricType
    /// Counter/gauge/set: one; summary: quantiles…, min, max, sum, count.
    let outputs: [Labels]
    var total: Double = 0  // counter total, or summary sum (cumulative)
    var count: Double = 0  // summary count (cumulative)
    var gauge: Double = 0
    var samples: [Double] = []
    var seen: Int = 0  // observations this interval
    var minimum: Double = .infinity
    var maximum: Double = -.infinity
    var members: Set<UInt64> = []

    init(type: StatsDMetricType, name: String, labels: [Label], quantiles: [Double]) {
        self.type = type
        let base = StatsDAggregator.exportedName(name, type: type)
        func labelSet(_ metric: String, _ extra: Label? = nil) -> Labels {
            var pairs = [Label(Labels.metricNameLabel, metric)]
            pairs.append(contentsOf: labels)
            if let extra { pairs.append(extra) }
            return Labels(pairs)
        }
        switch type {
        case .counter, .gauge, .set:
            outputs = [labelSet(base)]
        case .timer, .histogram:
            var all = quantiles.map { labelSet(base, Label("quantile", formatQuantile($0))) }
            all.append(labelSet(base + "_min"))
            all.append(labelSet(base + "_max"))
            all.append(labelSet(base + "_sum"))
            all.append(labelSet(base + "_count"))
            outputs = all
        }
    }

    var outputNames: Set<String> { Set(outputs.map(\.metricName)) }

    mutating func add(_ line: StatsDLine, cap: Int, random: inout UInt64) -> StatsDAggregator.AddResult {
        switch type {
        case .counter:
            let next = total + line.value / line.sampleRate
            guard next.isFinite else { return .rejected(.invalidValue) }
            total = next
        case .gauge:
            let next = line.isDelta ? gauge + line.value : line.value
            guard next.isFinite else { return .rejected(.invalidValue) }
            gauge = next
        case .set:
            members.insert(fnv1a(line.rawValue))
        case .timer, .histogram:
            let value = type == .timer ? line.value / 1000 : line.value
            let weight = 1 / line.sampleRate
            let nextSum = total + value * weight
            guard nextSum.isFinite else { return .rejected(.invalidValue) }
            total = nextSum
            count += weight
            minimum = Swift.min(minimum, value)
            maximum = Swift.max(maximum, value)
            seen += 1
            if samples.count < cap {
                samples.append(value)
            } else {
                // Reservoir sampling (algorithm R) with a xorshift generator.
                random ^= random << 13
                random ^= random >> 7
                random ^= random << 17
                let slot = Int(random % UInt64(seen))
                if slot < cap { samples[slot] = value }
            }
        }
        return .accepted
    }

    mutating func flush(into batch: inout MetricBatch, quantiles: [Double]) {
        switch type {
        case .counter:
            batch.add(MetricSample(labels: outputs[0], value: total))
        case .gauge:
            batch.add(MetricSample(labels: outputs[0], value: gauge))
        case .set:
            batch.add(MetricSample(labels: outputs[0], value: Double(members.count)))
            members.removeAll(keepingCapacity: true)
        case .timer, .histogram:
            let q = quantiles.count
            if !samples.isEmpty {
                samples.sort()
                for (index, quantile) in quantiles.enumerated() {
                    batch.add(MetricSample(labels: outputs[index], value: nearestRank(samples, quantile)))
                }
                batch.add(MetricSample(labels: outputs[q], value: minimum))
                batch.add(MetricSample(labels: outputs[q + 1], value: maximum))
            }
            batch.add(MetricSample(labels: outputs[q + 2], value: total))
            batch.add(MetricSample(labels: outputs[q + 3], value: count))
            samples.removeAll(keepingCapacity: samples.capacity <= 1024)
            seen = 0
            minimum = .infinity
            maximum = -.infinity
        }
    }
}

/// The `ceil(q·n)`-th smallest of sorted `values` (the smallest for q = 0).
func nearestRank(_ sorted: [Double], _ quantile: Double) -> Double {
    // q·n computed in binary can land just above an integer (0.07 × 100 = 7.000000000000001).
    let exact = quantile * Double(sorted.count)
    let rank = Int((exact - exact * 1e-12).rounded(.up))
    return sorted[min(max(rank - 1, 0), sorted.count - 1)]
}

/// `0.5`, `0.99`, `1` (no trailing `.0`), as Prometheus clients print quantiles.
func formatQuantile(_ quantile: Double) -> String {
    if quantile == quantile.rounded(), abs(quantile) < 1e15 { return String(Int(quantile)) }
    return quantile.description
}

/// FNV-1a, 64 bits: set members are counted by this hash (collisions are negligible at the sizes
/// a set reaches in one interval).
private func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}
