import SondeCore

/// One collected value. Most collectors leave `timestamp` nil and the scheduler stamps the round's
/// grid instant; log collectors give each sample the time its lines carry.
public struct MetricSample: Sendable, Equatable {
    public var labels: Labels
    public var value: Double
    /// Milliseconds since the epoch; nil for "the round's instant".
    public var timestamp: Int64?

    public init(labels: Labels, value: Double, timestamp: Int64? = nil) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

/// What one collector run produced. Collectors add values; the scheduler assigns the timestamp (the
/// round's instant on the interval grid) to those without one and writes them to the store.
public struct MetricBatch: Sendable {
    public private(set) var samples: [MetricSample] = []

    public init() {}

    /// Adds `name{labels} value`. Labels with empty values are dropped, as Prometheus does.
    public mutating func add(_ name: String, _ value: Double, _ labels: [(String, String)] = []) {
        var pairs = [Label(Labels.metricNameLabel, name)]
        pairs.reserveCapacity(labels.count + 1)
        for (key, labelValue) in labels { pairs.append(Label(key, labelValue)) }
        samples.append(MetricSample(labels: Labels(pairs), value: value))
    }

    public mutating func add(_ sample: MetricSample) { samples.append(sample) }

    public var count: Int { samples.count }
}

/// A source of metrics run by the scheduler every interval.
///
/// `collect` is called from one task at a time per collector (never concurrently with itself), and
/// may keep state between calls (previous counters for rates, say) in a `Mutex` or an actor. It is
/// cancelled when it overruns its timeout; it should check for cancellation in long loops. Parsing
/// is kept in pure functions beside the collector, tested on fixtures; the collector only reads.
public protocol Collector: Sendable {
    /// The registered name: the `collector` label of `sonde_collector_*` self-metrics.
    var name: String { get }
    func collect(into batch: inout MetricBatch) async throws
    /// Releases what the collector holds open (a database connection), after its last run: the
    /// agent stops, or a reload removed or changed it.
    func shutdown() async
}

extension Collector {
    public func shutdown() async {}
}

/// A collector that also needs a long-running loop (a socket listener, say). The agent runs
/// `run()` for the collector's lifetime; returning means stopped; cancellation stops it.
public protocol ListeningCollector: Collector {
    func run() async throws
}
