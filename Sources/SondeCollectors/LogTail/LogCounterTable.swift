import SondeCore

/// Places log lines in time: each line's counts belong to the second its timestamp names, and
/// samples of one series never go back in time.
///
/// Lines are counted into an open second; when a line names a later second, the open one closes and
/// its touched series are emitted at it. A line older than what was already emitted (workers write
/// a moment out of order, a round already closed its second) counts into the open second, or the
/// instant just after the last emission, so its count is never lost and lands at most a round late.
public struct LogSampleClock: Sendable, Equatable {
    /// The second (milliseconds) lines are being counted into; nil when none is open.
    public private(set) var open: Int64?
    /// The latest timestamp samples were emitted at.
    public private(set) var lastEmitted: Int64

    public init(lastEmitted: Int64 = .min) {
        self.lastEmitted = lastEmitted
    }

    /// Moves to a line with time `time`; returns the second that closes (emit the touched series at
    /// it), if any.
    public mutating func advance(to time: Int64) -> Int64? {
        let placed = lastEmitted == .min ? time : max(time, lastEmitted + 1)
        guard let current = open else {
            open = placed
            return nil
        }
        guard placed > current else { return nil }
        open = placed
        lastEmitted = current
        return current
    }

    /// Closes the open second (end of a round); returns it.
    public mutating func close() -> Int64? {
        guard let current = open else { return nil }
        open = nil
        lastEmitted = max(lastEmitted, current)
        return current
    }

    /// Records an emission at `time` outside `advance`/`close` (the keep-alive of idle series).
    public mutating func emitted(at time: Int64) {
        lastEmitted = max(lastEmitted, time)
    }
}

/// Cumulative counters of one app's log, as series: what log collectors keep between rounds and in
/// their checkpoint. Counters only go up; each round emits the series that changed (at the time
/// their lines carry) and, now and then, the unchanged ones (so `rate()` sees a quiet series as 0).
public struct LogCounterTable: Sendable {
    public private(set) var labels: [Labels] = []
    public private(set) var values: [Double] = []
    /// When each series was last emitted (milliseconds; .min = never).
    private(set) var lastEmitted: [Int64] = []
    private var touched: [Bool] = []
    private var touchedList: [Int] = []
    private var index: [Labels: Int] = [:]

    public init() {}

    public var count: Int { labels.count }

    /// The series with these labels, created at 0 if new.
    public mutating func series(_ key: Labels) -> Int {
        if let id = index[key] { return id }
        let id = labels.count
        labels.append(key)
        values.append(0)
        lastEmitted.append(.min)
        touched.append(false)
        index[key] = id
        return id
    }

    /// The series `name{pairs}` (a convenience for building keys).
    public mutating func series(_ name: String, _ pairs: [(String, String)]) -> Int {
        var all = [Label(Labels.metricNameLabel, name)]
        for (key, value) in pairs { all.append(Label(key, value)) }
        return series(Labels(all))
    }

    public func value(of key: Labels) -> Double? { index[key].map { values[$0] } }

    public mutating func add(_ id: Int, _ amount: Double) {
        values[id] += amount
        if !touched[id] {
            touched[id] = true
            touchedList.append(id)
        }
    }

    /// Emits every changed series at `time` and clears the changed marks.
    public mutating func emitTouched(at time: Int64, into out: inout [MetricSample]) {
        for id in touchedList {
            touched[id] = false
            guard time > lastEmitted[id] else { continue }
            out.append(MetricSample(labels: labels[id], value: values[id], timestamp: time))
            lastEmitted[id] = time
        }
        touchedList.removeAll(keepingCapacity: true)
    }

    /// Emits at `time` every series not emitted since `time - interval`; returns how many.
    @discardableResult
    public mutating func emitIdle(at time: Int64, interval: Int64, into out: inout [MetricSample]) -> Int {
        var emitted = 0
        for id in labels.indices where lastEmitted[id] == .min || lastEmitted[id] <= time - interval {
            guard time > lastEmitted[id] else { continue }
            out.append(MetricSample(labels: labels[id], value: values[id], timestamp: time))
            lastEmitted[id] = time
            emitted += 1
        }
        return emitted
    }

    // MARK: checkpoint encoding

    /// Appends the table to a checkpoint: the distinct label strings once, then each series as
    /// string numbers, its value and its last emission time (a route name or `app="shop"` is
    /// written once, not once per series: the file is rewritten every round).
    public func encode(into writer: inout CheckpointWriter) {
        var strings: [String] = []
        var numbers: [String: UInt32] = [:]
        func number(_ text: String) -> UInt32 {
            if let known = numbers[text] { return known }
            let assigned = UInt32(strings.count)
            strings.append(text)
            numbers[text] = assigned
            return assigned
        }
        var series: [[UInt32]] = []
        series.reserveCapacity(labels.count)
        for key in labels { series.append(key.flatMap { [number($0.name), number($0.value)] }) }
        writer.u32(UInt32(strings.count))
        for text in strings { writer.string(text) }
        writer.u32(UInt32(labels.count))
        for id in labels.indices {
            writer.u32(UInt32(series[id].count / 2))
            for n in series[id] { writer.u32(n) }
            writer.f64(values[id])
            writer.i64(lastEmitted[id])
        }
    }

    public init(decoding reader: inout CheckpointReader) throws(CheckpointReader.Malformed) {
        let stringCount = try reader.u32()
        var strings: [String] = []
        for _ in 0..<stringCount { strings.append(try reader.string()) }
        let count = try reader.u32()
        for _ in 0..<count {
            let pairCount = try reader.u32()
            guard pairCount <= 64 else { throw .init() }
            var pairs: [Label] = []
            for _ in 0..<pairCount {
                let name = Int(try reader.u32())
                let value = Int(try reader.u32())
                guard name < strings.count, value < strings.count else { throw .init() }
                pairs.append(Label(strings[name], strings[value]))
            }
            let id = series(Labels(pairs))
            values[id] = try reader.f64()
            lastEmitted[id] = try reader.i64()
        }
    }
}

/// A `LogCounterTable` with its `LogSampleClock`: where a log's metrics count, place lines in time
/// and collect the samples to store.
public struct LogSeriesRecorder: Sendable {
    public private(set) var table = LogCounterTable()
    public private(set) var clock = LogSampleClock()
    /// How often a series with no new lines is written again, so `rate()` sees it as 0, not absent.
    public let idleEmitMilliseconds: Int64
    private var pending: [MetricSample] = []

    public init(idleEmitMilliseconds: Int64) {
        self.idleEmitMilliseconds = idleEmitMilliseconds
    }

    /// Moves the clock to a line's time, emitting the second it closes.
    public mutating func place(_ time: Int64) {
        if let closed = clock.advance(to: time) { table.emitTouched(at: closed, into: &pending) }
    }

    /// The series `name{pairs}`. A new one first gets a 0 at the last emitted instant, so
    /// `increase()` sees its first increment; one restored from a checkpoint does not.
    public mutating func series(_ name: String, _ pairs: [(String, String)]) -> Int {
        let before = table.count
        let id = table.series(name, pairs)
        if id == before, clock.lastEmitted != .min {
            pending.append(MetricSample(labels: table.labels[id], value: 0, timestamp: clock.lastEmitted))
        }
        return id
    }

    public mutating func add(_ id: Int, _ amount: Double) { table.add(id, amount) }

    /// The samples of the seconds that closed so far, without closing the open one.
    public mutating func takeSamples() -> [MetricSample] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// Ends a round: emits what changed, and when the log was read to its end (`caughtUp`), the
    /// series idle for `idleEmitMilliseconds` at `now` (whole seconds). Returns the samples to store.
    public mutating func finishRound(now: Int64, caughtUp: Bool) -> [MetricSample] {
        if let closed = clock.close() { table.emitTouched(at: closed, into: &pending) }
        let second = now / 1000 * 1000
        if caughtUp, second > clock.lastEmitted, table.emitIdle(at: second, interval: idleEmitMilliseconds, into: &pending) > 0 {
            clock.emitted(at: second)
        }
        return takeSamples()
    }

    public func encode(into writer: inout CheckpointWriter) {
        writer.i64(clock.lastEmitted)
        table.encode(into: &writer)
    }

    public mutating func restore(from reader: inout CheckpointReader) throws(CheckpointReader.Malformed) {
        clock = LogSampleClock(lastEmitted: try reader.i64())
        table = try LogCounterTable(decoding: &reader)
        pending = []
    }
}

/// What a log's metrics do with its lines; the tailing collector and `sonde logs import` drive it.
public protocol LogLineMetrics: Sendable {
    /// Counts one line; `fallbackTime` is used when the line has no time of its own.
    mutating func ingest(_ line: UnsafeRawBufferPointer, fallbackTime: Int64)
    /// Counts a line dropped before parsing (`too_long`).
    mutating func countUnparsed(_ reason: String, fallbackTime: Int64)
    /// The samples of the seconds that closed so far.
    mutating func takeSamples() -> [MetricSample]
    /// Closes the open second; when `caughtUp`, also writes idle series again at `now`.
    mutating func finishRound(now: Int64, caughtUp: Bool) -> [MetricSample]
    /// The time of the first line that carries one, for ordering files (nil: none in these bytes).
    static func firstTimestamp(in bytes: [UInt8], decoder: AccessLogDecoder?) -> Int64?
}

/// Calls `body` with each complete line of `bytes` until it returns false.
func forEachLine(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) -> Bool) {
    bytes.withUnsafeBytes { raw in
        var start = 0
        for index in raw.indices where raw[index] == 0x0A {
            if !body(UnsafeRawBufferPointer(rebasing: raw[start..<index])) { return }
            start = index + 1
        }
    }
}
