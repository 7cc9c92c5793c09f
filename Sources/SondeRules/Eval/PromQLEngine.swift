import SondeCore

/// Evaluates PromQL expressions with Prometheus 2.x semantics (the version promtool 2.42 runs):
/// a 5-minute lookback for instant selectors, closed on both ends; range selectors over
/// [t − range, t]; staleness markers end a series; `rate`/`increase`/`delta` extrapolate exactly as
/// Prometheus' `extrapolatedRate` does.
///
/// A query first works out which time window each selector needs, reads each from the source once,
/// and then evaluates step by step over slices of that data, so a range query of N steps reads the
/// store once, not N times. Subqueries evaluate their inner expression at the aligned steps of
/// each window, each step once per query. `@` fixes a selector's or subquery's time. Native
/// histograms are not supported.
public struct PromQLEngine: Sendable {
    public var source: any PromQLSampleSource
    public var lookbackMilliseconds: Int64
    /// Shares prepared selections between the queries that use the same cache (one rule round).
    public var selectionCache: PromQLSelectionCache?

    /// Bounds on one query, set by the HTTP API; rules run without them.
    public var limits: PromQLLimits?

    /// The step of a subquery written without one (`x[1h:]`): Prometheus' global evaluation
    /// interval, one minute unless configured (promtool uses the test file's).
    public var defaultSubqueryStepMilliseconds: Int64 = 60_000

    /// Prometheus' limit on the points of one range query series.
    public static let maximumRangePoints: Int64 = 11_000

    public init(source: any PromQLSampleSource, lookbackMilliseconds: Int64 = 300_000) {
        self.source = source
        self.lookbackMilliseconds = lookbackMilliseconds
    }

    /// The value of `expr` at `time` (milliseconds).
    public func instantQuery(_ expr: PromQLExpr, at time: Int64) throws(SondeError) -> PromQLValue {
        let evaluation = try PromQLEvaluation(engine: self, expr: expr, start: time, end: time, step: nil)
        switch try evaluation.evaluateQuery(expr, at: time) {
        case .scalar(let value): return .scalar(value)
        case .string(let text): return .string(text)
        case .vector(let samples): return .vector(samples)
        case .matrix(let windows):
            return .matrix(windows.map { PromQLSeries(labels: $0.labels, timestamps: Array($0.timestamps), values: Array($0.values)) })
        }
    }

    /// The value of `expr` at every step from `start` to `end`: one series per label set, with a point
    /// at each step where it had a value. A scalar expression gives one series without labels.
    public func rangeQuery(_ expr: PromQLExpr, start: Int64, end: Int64, step: Int64) throws(SondeError) -> [PromQLSeries] {
        guard step > 0 else { throw SondeError(.invalidArgument, "zero or negative query resolution step widths are not accepted") }
        guard start <= end else { throw SondeError(.invalidArgument, "end timestamp must not be before start time") }
        let (span, spanOverflows) = end.subtractingReportingOverflow(start)
        guard !spanOverflows, span / step < PromQLEngine.maximumRangePoints else {
            throw SondeError(.invalidArgument, "exceeded maximum resolution of 11,000 points per timeseries; try decreasing the query resolution (?step=XX)")
        }
        switch expr.valueType {
        case .scalar, .instantVector: break
        case .rangeVector, .string:
            throw SondeError(.invalidArgument, "invalid expression type \"\(expr.valueType.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        let evaluation = try PromQLEvaluation(engine: self, expr: expr, start: start, end: end, step: step)
        var result: [PromQLSeries] = []
        var indexByLabels: [Labels: Int] = [:]
        // Steps usually return the same series in the same order: the previous step's order is
        // tried first, which compares labels instead of hashing them.
        var previousOrder: [Int] = []
        var order: [Int] = []
        var time = start
        var points = 0
        while time <= end {
            try limits?.checkDeadline()
            switch try evaluation.evaluateQuery(expr, at: time) {
            case .scalar(let value):
                if result.isEmpty { result.append(PromQLSeries(labels: Labels([]))) }
                result[0].timestamps.append(time)
                result[0].values.append(value)
            case .vector(let samples):
                order.removeAll(keepingCapacity: true)
                for (position, sample) in samples.enumerated() {
                    let index: Int
                    if position < previousOrder.count, result[previousOrder[position]].labels == sample.labels {
                        index = previousOrder[position]
                    } else if let known = indexByLabels[sample.labels] {
                        index = known
                    } else {
                        index = result.count
                        indexByLabels[sample.labels] = index
                        result.append(PromQLSeries(labels: sample.labels))
                    }
                    result[index].timestamps.append(time)
                    result[index].values.append(sample.value)
                    order.append(index)
                }
                points += samples.count
                if let limits, evaluation.loadedSamples + points > limits.maxSamples { throw PromQLLimits.tooManySamples }
                swap(&order, &previousOrder)
            case .matrix, .string:
                break
            }
            let (next, overflow) = time.addingReportingOverflow(step)
            if overflow { break }
            time = next
        }
        return result
    }
}

/// One query's evaluation: the data it read and the caches of its regular expressions.
final class PromQLEvaluation {
    /// A series as read from the source. A class: every step of a range query walks the loaded
    /// series and cuts windows from them, and passing one reference costs a fraction of copying
    /// its labels and two buffers (the retains were a third of a 24-hour `rate` query's time).
    final class Loaded: Sendable {
        let labels: Labels
        /// `labels` without `__name__`, computed once rather than at every step.
        let unnamed: Labels
        let timestamps: [Int64]
        let values: [Double]
        let hasStaleMarkers: Bool
        /// Points before this time are rollup buckets (see `PromQLSeries.rollupBefore`).
        let rollupBefore: Int64?

        init(labels: Labels, unnamed: Labels, timestamps: [Int64], values: [Double], hasStaleMarkers: Bool = false, rollupBefore: Int64? = nil) {
            self.labels = labels
            self.unnamed = unnamed
            self.timestamps = timestamps
            self.values = values
            self.hasStaleMarkers = hasStaleMarkers
            self.rollupBefore = rollupBefore
        }
    }

    /// A series' samples inside one range selector's window, staleness markers removed: the
    /// positions `range` of `series`.
    struct Window {
        let series: Loaded
        let range: Range<Int>

        init(_ series: Loaded, _ range: Range<Int>) {
            self.series = series
            self.range = range
        }

        /// A window holding all of its own samples (a subquery's, or one with markers removed).
        init(labels: Labels, unnamed: Labels, timestamps: [Int64], values: [Double]) {
            self.init(Loaded(labels: labels, unnamed: unnamed, timestamps: timestamps, values: values), 0..<timestamps.count)
        }

        var labels: Labels { series.labels }
        var unnamed: Labels { series.unnamed }
        var timestamps: ArraySlice<Int64> { series.timestamps[range] }
        var values: ArraySlice<Double> { series.values[range] }
    }

    enum Value {
        case scalar(Double)
        case vector([PromQLSample])
        case matrix([Window])
        case string(String)
    }

    let lookback: Int64
    /// The query's start and end, which `@ start()` and `@ end()` name.
    let queryStart: Int64
    let queryEnd: Int64
    let defaultSubqueryStep: Int64
    let limits: PromQLLimits?
    /// Each subquery's inner result at each of its steps, computed once per query.
    private var subqueryResults: [String: [Int64: [PromQLSample]]] = [:]
    private var loaded: [String: [Loaded]] = [:]
    /// Per selector (its range, offset and series), each series' window bounds at the last step,
    /// from which the next step's searches start.
    private var windowCursors: [String: [Int]] = [:]
    /// Samples read from the source, which `PromQLLimits.maxSamples` bounds.
    private(set) var loadedSamples = 0
    private var regexCache: [String: Regex<AnyRegexOutput>] = [:]

    init(engine: PromQLEngine, expr: PromQLExpr, start: Int64, end: Int64, step: Int64?) throws(SondeError) {
        lookback = engine.lookbackMilliseconds
        queryStart = start
        queryEnd = end
        defaultSubqueryStep = engine.defaultSubqueryStepMilliseconds
        limits = engine.limits
        var windows: [String: (matchers: [LabelMatcher], start: Int64, end: Int64)] = [:]
        Self.collectWindows(expr, start: start, end: end, query: (start, end), lookback: lookback, into: &windows)
        for (key, window) in windows {
            let cacheKey = "\(window.start) \(window.end) \(step ?? 0) " + key
            if let cached = engine.selectionCache?.lookup(window.matchers, key: cacheKey) {
                loaded[key] = cached
                continue
            }
            try engine.limits?.checkDeadline()
            let series = try engine.source.series(matching: window.matchers, start: window.start, end: window.end, step: step)
            loadedSamples += series.reduce(0) { $0 + $1.timestamps.count }
            if let limits = engine.limits, loadedSamples > limits.maxSamples { throw PromQLLimits.tooManySamples }
            // In Prometheus' order (sorted by label set), so that sums add in the same order and
            // give the same last bits.
            let prepared = series.sorted { Self.precedes($0.labels, $1.labels) }.map { series in
                Loaded(
                    labels: series.labels, unnamed: series.labels.droppingMetricName, timestamps: series.timestamps, values: series.values,
                    hasStaleMarkers: series.values.contains { StaleMarker.isStale($0) }, rollupBefore: series.rollupBefore)
            }
            loaded[key] = prepared
            engine.selectionCache?.store(prepared, for: window.matchers, key: cacheKey)
        }
    }

    /// Prometheus' `labels.Compare`: pair by pair, name then value, bytewise; a prefix sorts first.
    static func precedes(_ lhs: Labels, _ rhs: Labels) -> Bool {
        for (left, right) in zip(lhs.pairs, rhs.pairs) {
            if left.name != right.name { return Array(left.name.utf8).lexicographicallyPrecedes(right.name.utf8) }
            if left.value != right.value { return Array(left.value.utf8).lexicographicallyPrecedes(right.value.utf8) }
        }
        return lhs.pairs.count < rhs.pairs.count
    }

    /// The time an `@` modifier names, or `time` without one.
    static func reference(_ at: PromQLAtModifier?, _ time: Int64, query: (start: Int64, end: Int64)) -> Int64 {
        switch at {
        case nil: return time
        case .time(let fixed): return fixed
        case .start: return query.start
        case .end: return query.end
        }
    }

    func reference(_ at: PromQLAtModifier?, _ time: Int64) -> Int64 { Self.reference(at, time, query: (queryStart, queryEnd)) }

    /// The union of the windows each distinct selector is read over, for evaluations from `start`
    /// to `end` (a subquery's inner expression runs over its own span).
    private static func collectWindows(
        _ expr: PromQLExpr, start: Int64, end: Int64, query: (start: Int64, end: Int64), lookback: Int64,
        into windows: inout [String: (matchers: [LabelMatcher], start: Int64, end: Int64)]
    ) {
        func recurse(_ inner: PromQLExpr) { collectWindows(inner, start: start, end: end, query: query, lookback: lookback, into: &windows) }
        func add(_ selector: PromQLVectorSelector, reach: Int64) {
            let key = selector.selector.description
            let from = reference(selector.at, start, query: query) &- selector.offsetMilliseconds &- reach
            let to = reference(selector.at, end, query: query) &- selector.offsetMilliseconds
            if let known = windows[key] {
                windows[key] = (known.matchers, min(known.start, from), max(known.end, to))
            } else {
                windows[key] = (selector.selector.matchers, from, to)
            }
        }
        switch expr {
        case .number, .string: break
        case .vectorSelector(let selector): add(selector, reach: lookback)
        case .matrixSelector(let selector, let range): add(selector, reach: range)
        case .subquery(let subquery):
            let from = reference(subquery.at, start, query: query) &- subquery.offsetMilliseconds &- subquery.rangeMilliseconds
            let to = reference(subquery.at, end, query: query) &- subquery.offsetMilliseconds
            collectWindows(subquery.expr, start: from, end: to, query: query, lookback: lookback, into: &windows)
        case .call(let call):
            for argument in call.arguments { recurse(argument) }
        case .aggregation(let aggregation):
            recurse(aggregation.expr)
            if let parameter = aggregation.parameter { recurse(parameter) }
        case .unary(_, let operand), .parenthesized(let operand):
            recurse(operand)
        case .binary(let binary):
            recurse(binary.lhs)
            recurse(binary.rhs)
        }
    }

    /// The whole query at `time`: what the evaluation refuses as invalid is an execution error
    /// (the query parsed and its bounds were fine), as Prometheus reports it.
    func evaluateQuery(_ expr: PromQLExpr, at time: Int64) throws(SondeError) -> Value {
        do {
            return try evaluate(expr, at: time)
        } catch {
            guard error.code == .invalidArgument else { throw error }
            throw SondeError(PromQLLimits.executionCode, error.message)
        }
    }

    func evaluate(_ expr: PromQLExpr, at time: Int64) throws(SondeError) -> Value {
        switch expr {
        case .number(let number): return .scalar(number.value)
        case .string(let text): return .string(text)
        case .parenthesized(let inner): return try evaluate(inner, at: time)
        case .vectorSelector(let selector): return .vector(instantSamples(selector, at: time))
        case .matrixSelector(let selector, let range): return .matrix(windows(selector, range: range, at: time))
        case .subquery(let subquery): return .matrix(try subqueryWindows(subquery, at: time))
        case .call(let call): return try evaluateCall(call, at: time)
        case .aggregation(let aggregation): return try evaluateAggregation(aggregation, at: time)
        case .unary(let op, let operand):
            let value = try evaluate(operand, at: time)
            guard op == .minus else { return value }
            switch value {
            case .scalar(let number): return .scalar(-number)
            case .vector(let samples):
                let negated = samples.map { PromQLSample(labels: $0.labels.droppingMetricName, value: -$0.value, timestamp: time) }
                try Self.requireUniqueLabels(negated)
                return .vector(negated)
            case .matrix, .string: return value
            }
        case .binary(let binary): return try evaluateBinary(binary, at: time)
        }
    }

    // MARK: Selectors

    /// The latest sample of each series in [t − offset − lookback, t − offset], unless it is a
    /// staleness marker.
    private func instantSamples(_ selector: PromQLVectorSelector, at time: Int64) -> [PromQLSample] {
        let reference = reference(selector.at, time) &- selector.offsetMilliseconds
        let loadedSeries = loaded[selector.selector.description] ?? []
        let cursorKey = Self.cursorKey(selector, use: "instant")
        var cursors = takeCursors(cursorKey, slots: loadedSeries.count)
        defer { windowCursors[cursorKey] = cursors }
        var samples: [PromQLSample] = []
        samples.reserveCapacity(loadedSeries.count)
        for (position, series) in loadedSeries.enumerated() {
            let next = SortedSearch.firstIndex(in: series.timestamps, after: reference, near: cursors[position])
            cursors[position] = next
            let index = next - 1
            guard index >= 0, series.timestamps[index] >= reference &- lookback else { continue }
            let value = series.values[index]
            if StaleMarker.isStale(value) { continue }
            samples.append(PromQLSample(labels: series.labels, value: value, timestamp: series.timestamps[index]))
        }
        return samples
    }

    /// Each series' samples in [t − offset − range, t − offset] without staleness markers; series
    /// with none are left out.
    private func windows(_ selector: PromQLVectorSelector, range: Int64, at time: Int64) -> [Window] {
        let end = reference(selector.at, time) &- selector.offsetMilliseconds
        let start = end &- range
        let loadedSeries = loaded[selector.selector.description] ?? []
        // Where this selector's windows began and ended at the step before, per series.
        let cursorKey = Self.cursorKey(selector, use: "\(range)")
        var cursors = takeCursors(cursorKey, slots: 2 * loadedSeries.count)
        defer { windowCursors[cursorKey] = cursors }
        var result: [Window] = []
        result.reserveCapacity(loadedSeries.count)
        for (position, series) in loadedSeries.enumerated() {
            var from = SortedSearch.firstIndex(in: series.timestamps, atOrAfter: start, near: cursors[2 * position])
            let to = SortedSearch.firstIndex(in: series.timestamps, after: end, near: max(from, cursors[2 * position + 1]))
            cursors[2 * position] = from
            cursors[2 * position + 1] = to
            // Over rollup points a window shorter than two buckets would hold one point or none:
            // the bucket before it comes too, so rates span a bucket instead of vanishing.
            if let rollupBefore = series.rollupBefore, start < rollupBefore, to - from < 2, from > 0 { from -= 1 }
            guard from < to else { continue }
            if series.hasStaleMarkers {
                var timestamps: [Int64] = []
                var values: [Double] = []
                for index in from..<to where !StaleMarker.isStale(series.values[index]) {
                    timestamps.append(series.timestamps[index])
                    values.append(series.values[index])
                }
                guard !timestamps.isEmpty else { continue }
                result.append(Window(labels: series.labels, unnamed: series.unnamed, timestamps: timestamps, values: values))
            } else {
                result.append(Window(series, from..<to))
            }
        }
        return result
    }

    /// The search starts a selector's last step left under `key`, or zeros at the first step;
    /// taken out so that the step updates them in place, and put back by the caller.
    private func takeCursors(_ key: String, slots: Int) -> [Int] {
        windowCursors.removeValue(forKey: key) ?? [Int](repeating: 0, count: slots)
    }

    /// `use` tells an instant selector from each range over it.
    private static func cursorKey(_ selector: PromQLVectorSelector, use: String) -> String {
        "\(use) \(selector.offsetMilliseconds)\(selector.at == nil ? "" : "@") " + selector.selector.description
    }

    /// A subquery's range vector at `time`: its inner expression at every multiple of its step in
    /// [t − offset − range, t − offset] (t being the `@` time if it has one), series by label set.
    private func subqueryWindows(_ subquery: PromQLSubquery, at time: Int64) throws(SondeError) -> [Window] {
        let step = subquery.stepMilliseconds > 0 ? subquery.stepMilliseconds : defaultSubqueryStep
        let end = reference(subquery.at, time) &- subquery.offsetMilliseconds
        let start = end &- subquery.rangeMilliseconds
        // The first multiple of the step at or after the window's start, as Prometheus aligns it
        // (Go's division truncates toward zero, as Swift's does).
        var instant = step * (start / step)
        if instant < start {
            let (next, overflow) = instant.addingReportingOverflow(step)
            guard !overflow else { return [] }
            instant = next
        }
        // Keyed by the inner expression: its value at an instant does not depend on the window.
        let key = subquery.expr.description
        var known = subqueryResults[key] ?? [:]
        var byLabels: [Labels: Int] = [:]
        var series: [(labels: Labels, timestamps: [Int64], values: [Double])] = []
        while instant <= end {
            let samples: [PromQLSample]
            if let cached = known[instant] {
                samples = cached
            } else {
                try limits?.checkDeadline()
                samples = try vector(subquery.expr, at: instant)
                known[instant] = samples
                loadedSamples += samples.count
                if let limits, loadedSamples > limits.maxSamples { throw PromQLLimits.tooManySamples }
            }
            for sample in samples {
                let index: Int
                if let found = byLabels[sample.labels] {
                    index = found
                } else {
                    index = series.count
                    byLabels[sample.labels] = index
                    series.append((sample.labels, [], []))
                }
                series[index].timestamps.append(instant)
                series[index].values.append(sample.value)
            }
            // An `@` near the end of time: the next step would wrap around.
            let (next, overflow) = instant.addingReportingOverflow(step)
            if overflow { break }
            instant = next
        }
        subqueryResults[key] = known
        return series.sorted { Self.precedes($0.labels, $1.labels) }.map { entry in
            Window(labels: entry.labels, unnamed: entry.labels.droppingMetricName, timestamps: entry.timestamps, values: entry.values)
        }
    }

    // MARK: Helpers shared by functions, aggregations and operators

    func scalar(_ expr: PromQLExpr, at time: Int64) throws(SondeError) -> Double {
        guard case .scalar(let value) = try evaluate(expr, at: time) else {
            throw SondeError(.invalidArgument, "expected a scalar: \(expr)")
        }
        return value
    }

    func vector(_ expr: PromQLExpr, at time: Int64) throws(SondeError) -> [PromQLSample] {
        guard case .vector(let samples) = try evaluate(expr, at: time) else {
            throw SondeError(.invalidArgument, "expected an instant vector: \(expr)")
        }
        return samples
    }

    func matrix(_ expr: PromQLExpr, at time: Int64) throws(SondeError) -> [Window] {
        guard case .matrix(let windows) = try evaluate(expr, at: time) else {
            throw SondeError(.invalidArgument, "expected a range vector: \(expr)")
        }
        return windows
    }

    func regex(_ pattern: String) throws(SondeError) -> Regex<AnyRegexOutput> {
        if let cached = regexCache[pattern] { return cached }
        // Swift's engine backtracks (RE2, Prometheus', does not): `(a|a)*c` against a label of 30
        // letters would hold a core for minutes, past any query timeout, as selectors would.
        if let problem = BacktrackingGuard.problem(in: pattern) {
            throw SondeError(.invalidArgument, "regular expression \"\(Labels.escape(pattern))\" refused in label_replace(): \(problem)")
        }
        do {
            let compiled = try Regex("^(?:" + pattern + ")$").dotMatchesNewlines().matchingSemantics(.unicodeScalar)
            regexCache[pattern] = compiled
            return compiled
        } catch {
            throw SondeError(.invalidArgument, "invalid regular expression in label_replace(): \(pattern)")
        }
    }

    /// Prometheus refuses a result with two elements of the same label set (e.g. `rate({__name__=~"a|b"}[1m])`
    /// once the names are dropped).
    static func requireUniqueLabels(_ samples: [PromQLSample]) throws(SondeError) {
        guard samples.count > 1 else { return }
        var seen = Set<Labels>(minimumCapacity: samples.count)
        for sample in samples where !seen.insert(sample.labels).inserted {
            throw SondeError(.invalidArgument, "vector cannot contain metrics with the same labelset")
        }
    }
}

extension Labels {
    /// The same labels without `__name__`, as functions and arithmetic return them.
    var droppingMetricName: Labels {
        guard pairs.contains(where: { $0.name == Labels.metricNameLabel }) else { return self }
        return Labels(pairs.filter { $0.name != Labels.metricNameLabel })
    }
}
