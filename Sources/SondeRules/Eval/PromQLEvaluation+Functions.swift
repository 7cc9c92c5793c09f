import SondeCore

/// The functions, each as Prometheus 2.42 computes it (`promql/functions.go`).
extension PromQLEvaluation {
    func evaluateCall(_ call: PromQLCall, at time: Int64) throws(SondeError) -> Value {
        let arguments = call.arguments
        switch call.function.name {
        case "time":
            return .scalar(Double(time) / 1000)
        case "vector":
            return .vector([PromQLSample(labels: Labels([]), value: try scalar(arguments[0], at: time), timestamp: time)])
        case "scalar":
            let samples = try vector(arguments[0], at: time)
            return .scalar(samples.count == 1 ? samples[0].value : .nan)

        // Over a range: one value per series from its samples in the window.
        case "rate": return try overRange(arguments[0], at: time) { self.extrapolatedRate($0, $1, isCounter: true, isRate: true) }
        case "increase": return try overRange(arguments[0], at: time) { self.extrapolatedRate($0, $1, isCounter: true, isRate: false) }
        case "delta": return try overRange(arguments[0], at: time) { self.extrapolatedRate($0, $1, isCounter: false, isRate: false) }
        case "irate": return try overRange(arguments[0], at: time) { window, _ in Self.instantValue(window, isRate: true) }
        case "idelta": return try overRange(arguments[0], at: time) { window, _ in Self.instantValue(window, isRate: false) }
        case "deriv":
            return try overRange(arguments[0], at: time) { window, _ in
                window.values.count < 2 ? nil : Self.linearRegression(window, interceptTime: window.timestamps[window.timestamps.startIndex]).slope
            }
        case "predict_linear":
            let seconds = try scalar(arguments[1], at: time)
            return try overRange(arguments[0], at: time) { window, _ in
                guard window.values.count >= 2 else { return nil }
                let fit = Self.linearRegression(window, interceptTime: time)
                return fit.intercept + fit.slope * seconds
            }
        case "changes":
            return try overRange(arguments[0], at: time) { window, _ in
                var changes = 0.0
                var previous = window.values[window.values.startIndex]
                for value in window.values.dropFirst() {
                    if value != previous && !(value.isNaN && previous.isNaN) { changes += 1 }
                    previous = value
                }
                return changes
            }
        case "resets":
            return try overRange(arguments[0], at: time) { window, _ in
                var resets = 0.0
                var previous = window.values[window.values.startIndex]
                for value in window.values.dropFirst() {
                    if value < previous { resets += 1 }
                    previous = value
                }
                return resets
            }
        case "avg_over_time": return try overRange(arguments[0], at: time) { window, _ in Self.kahanMean(window.values) }
        case "sum_over_time":
            return try overRange(arguments[0], at: time) { window, _ in
                var sum = 0.0, compensation = 0.0
                for value in window.values { (sum, compensation) = Self.kahanSumIncrement(value, sum, compensation) }
                return sum + compensation
            }
        case "count_over_time": return try overRange(arguments[0], at: time) { window, _ in Double(window.values.count) }
        case "min_over_time":
            return try overRange(arguments[0], at: time) { window, _ in
                var minimum = window.values[window.values.startIndex]
                for value in window.values.dropFirst() where value < minimum || minimum.isNaN { minimum = value }
                return minimum
            }
        case "max_over_time":
            return try overRange(arguments[0], at: time) { window, _ in
                var maximum = window.values[window.values.startIndex]
                for value in window.values.dropFirst() where value > maximum || maximum.isNaN { maximum = value }
                return maximum
            }
        case "last_over_time":
            // The one range function that keeps the metric name.
            return try overRange(arguments[0], at: time, keepName: true) { window, _ in window.values.last }
        case "stddev_over_time": return try overRange(arguments[0], at: time) { window, _ in Self.variance(window.values).squareRoot() }
        case "stdvar_over_time": return try overRange(arguments[0], at: time) { window, _ in Self.variance(window.values) }
        case "present_over_time": return try overRange(arguments[0], at: time) { _, _ in 1 }
        case "holt_winters":
            let smoothing = try scalar(arguments[1], at: time)
            let trend = try scalar(arguments[2], at: time)
            return try overRange(arguments[0], at: time) { (window, _) throws(SondeError) -> Double? in
                // Checked per series, as Prometheus does: without a series there is no error.
                if smoothing <= 0 || smoothing >= 1 {
                    throw SondeError(.invalidArgument, "invalid smoothing factor. Expected: 0 < sf < 1, got: \(GoFormat.format(smoothing, verb: "f", precision: nil))")
                }
                if trend <= 0 || trend >= 1 {
                    throw SondeError(.invalidArgument, "invalid trend factor. Expected: 0 < tf < 1, got: \(GoFormat.format(trend, verb: "f", precision: nil))")
                }
                return Self.holtWinters(Array(window.values), smoothing: smoothing, trend: trend)
            }
        case "quantile_over_time":
            let quantile = try scalar(arguments[0], at: time)
            return try overRange(arguments[1], at: time) { window, _ in Self.quantile(quantile, Array(window.values)) }
        case "absent_over_time":
            guard try matrix(arguments[0], at: time).isEmpty else { return .vector([]) }
            return .vector([PromQLSample(labels: Self.absentLabels(arguments[0]), value: 1, timestamp: time)])

        // Element-wise over an instant vector.
        case let name where PromQLFunction.mathFunctions[name] != nil:
            return try elementwise(arguments[0], at: time, PromQLFunction.mathFunctions[name]!)
        case "pi": return .scalar(Double.pi)
        case "clamp":
            let minimum = try scalar(arguments[1], at: time)
            let maximum = try scalar(arguments[2], at: time)
            guard !(maximum < minimum) else { return .vector([]) }
            return try elementwise(arguments[0], at: time) { Self.goMax(minimum, Self.goMin(maximum, $0)) }
        case let name where PromQLFunction.dateFunctions.contains(name):
            guard let argument = arguments.first else {
                return .vector([PromQLSample(labels: Labels([]), value: Self.dateField(name, seconds: time / 1000), timestamp: time)])
            }
            return try elementwise(argument, at: time) { Self.dateField(name, seconds: GoTime.int64($0)) }
        case "sort", "sort_desc":
            // By value, NaN last; equal values keep their order.
            let descending = call.function.name == "sort_desc"
            let ordered = try vector(arguments[0], at: time).enumerated().sorted { lhs, rhs in
                let left = lhs.element.value, right = rhs.element.value
                if left.isNaN != right.isNaN { return !left.isNaN }
                if !left.isNaN, left != right { return descending ? left > right : left < right }
                return lhs.offset < rhs.offset
            }
            return .vector(ordered.map { PromQLSample(labels: $0.element.labels, value: $0.element.value, timestamp: time) })
        case "histogram_count", "histogram_sum", "histogram_fraction":
            // These read native histograms only; float samples (all sonde stores) give nothing.
            for argument in arguments where argument.valueType == .scalar { _ = try scalar(argument, at: time) }
            _ = try vector(arguments[arguments.count - 1], at: time)
            return .vector([])
        case "label_join":
            return .vector(try labelJoin(arguments, at: time))
        case "round":
            let nearest = arguments.count > 1 ? try scalar(arguments[1], at: time) : 1
            // As Prometheus: dividing by the inverse is more exact than multiplying by `nearest`.
            let inverse = 1 / nearest
            return try elementwise(arguments[0], at: time) { ($0 * inverse + 0.5).rounded(.down) / inverse }
        case "clamp_min":
            let minimum = try scalar(arguments[1], at: time)
            return try elementwise(arguments[0], at: time) { Self.goMax(minimum, $0) }
        case "clamp_max":
            let maximum = try scalar(arguments[1], at: time)
            return try elementwise(arguments[0], at: time) { Self.goMin(maximum, $0) }
        case "timestamp":
            // Only a bare selector yields its samples' own times; anything computed is stamped now.
            let fromSelector = Self.unwrapParentheses(arguments[0]).isVectorSelector
            let samples = try vector(arguments[0], at: time)
            let result = samples.map {
                PromQLSample(labels: $0.labels.droppingMetricName, value: Double(fromSelector ? $0.timestamp : time) / 1000, timestamp: time)
            }
            try Self.requireUniqueLabels(result)
            return .vector(result)
        case "absent":
            guard try vector(arguments[0], at: time).isEmpty else { return .vector([]) }
            return .vector([PromQLSample(labels: Self.absentLabels(arguments[0]), value: 1, timestamp: time)])
        case "histogram_quantile":
            return .vector(try histogramQuantile(try scalar(arguments[0], at: time), try vector(arguments[1], at: time), at: time))
        case "label_replace":
            return .vector(try labelReplace(arguments, at: time))
        default:
            throw SondeError(.unsupported, "function \"\(call.function.name)\" is not supported by the evaluator")
        }
    }

    // MARK: Shapes of functions

    private func overRange(
        _ argument: PromQLExpr, at time: Int64, keepName: Bool = false,
        _ compute: (Window, PromQLVectorSelectorRange) throws(SondeError) -> Double?
    ) throws(SondeError) -> Value {
        guard let selector = Self.rangeArgument(in: argument) else {
            throw SondeError(.invalidArgument, "expected a range vector: \(argument)")
        }
        let reference = reference(selector.at, time)
        var result: [PromQLSample] = []
        let windows = try matrix(argument, at: time)
        result.reserveCapacity(windows.count)
        for window in windows {
            guard let value = try compute(window, PromQLVectorSelectorRange(
                start: reference &- selector.offset &- selector.range, end: reference &- selector.offset, range: selector.range)) else { continue }
            result.append(PromQLSample(labels: keepName ? window.labels : window.unnamed, value: value, timestamp: time))
        }
        // Series of one metric name stay distinct without it; only a selector that may match
        // several names can produce two equal label sets.
        if !keepName && !selector.hasFixedMetricName { try Self.requireUniqueLabels(result) }
        return .vector(result)
    }

    private func elementwise(_ argument: PromQLExpr, at time: Int64, _ transform: (Double) -> Double) throws(SondeError) -> Value {
        let result = try vector(argument, at: time).map {
            PromQLSample(labels: $0.labels.droppingMetricName, value: transform($0.value), timestamp: time)
        }
        try Self.requireUniqueLabels(result)
        return .vector(result)
    }

    static func unwrapParentheses(_ expr: PromQLExpr) -> PromQLExpr {
        if case .parenthesized(let inner) = expr { return unwrapParentheses(inner) }
        return expr
    }

    /// What a range function needs of its range argument, a matrix selector or a subquery: its
    /// window, and whether every series it gives has one metric name (so that dropping the names
    /// cannot make two equal).
    struct RangeArgument {
        var offset: Int64
        var range: Int64
        var at: PromQLAtModifier?
        var hasFixedMetricName: Bool
    }

    static func rangeArgument(in expr: PromQLExpr) -> RangeArgument? {
        switch unwrapParentheses(expr) {
        case .matrixSelector(let selector, let range):
            return RangeArgument(offset: selector.offsetMilliseconds, range: range, at: selector.at, hasFixedMetricName: selector.selector.hasFixedMetricName)
        case .subquery(let subquery):
            return RangeArgument(offset: subquery.offsetMilliseconds, range: subquery.rangeMilliseconds, at: subquery.at, hasFixedMetricName: false)
        default:
            return nil
        }
    }

    // MARK: Rates

    /// `rate`, `increase` and `delta`: the change over the samples in the window, extrapolated to
    /// the window's edges when the first and last samples lie close to them (within 110 % of the
    /// average interval), otherwise by half an interval; a counter is never extrapolated below zero.
    func extrapolatedRate(_ window: Window, _ range: PromQLVectorSelectorRange, isCounter: Bool, isRate: Bool) -> Double? {
        let timestamps = window.timestamps, values = window.values
        guard values.count >= 2 else { return nil }
        let firstIndex = values.startIndex, lastIndex = values.endIndex - 1
        var result = values[lastIndex] - values[firstIndex]
        if isCounter {
            var previous = 0.0
            for value in values {
                if value < previous { result += previous }
                previous = value
            }
        }
        var durationToStart = Double(timestamps[firstIndex] - range.start) / 1000
        let durationToEnd = Double(range.end - timestamps[lastIndex]) / 1000
        let sampledInterval = Double(timestamps[lastIndex] - timestamps[firstIndex]) / 1000
        let averageInterval = sampledInterval / Double(values.count - 1)
        if isCounter && result > 0 && values[firstIndex] >= 0 {
            let durationToZero = sampledInterval * (values[firstIndex] / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        let threshold = averageInterval * 1.1
        var extrapolatedInterval = sampledInterval
        extrapolatedInterval += durationToStart < threshold ? durationToStart : averageInterval / 2
        extrapolatedInterval += durationToEnd < threshold ? durationToEnd : averageInterval / 2
        var factor = extrapolatedInterval / sampledInterval
        if isRate { factor /= Double(range.range) / 1000 }
        return result * factor
    }

    /// `irate` and `idelta`: from the last two samples only.
    static func instantValue(_ window: Window, isRate: Bool) -> Double? {
        guard window.values.count >= 2 else { return nil }
        let last = window.values.endIndex - 1
        let lastValue = window.values[last], previousValue = window.values[last - 1]
        let interval = window.timestamps[last] - window.timestamps[last - 1]
        guard interval != 0 else { return nil }
        var result = isRate && lastValue < previousValue ? lastValue : lastValue - previousValue
        if isRate { result /= Double(interval) / 1000 }
        return result
    }

    /// Least squares over (seconds since `interceptTime`, value).
    static func linearRegression(_ window: Window, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var count = 0.0, sumX = 0.0, sumY = 0.0, sumXY = 0.0, sumX2 = 0.0
        let initial = window.values[window.values.startIndex]
        var constant = true
        for (timestamp, value) in zip(window.timestamps, window.values) {
            if constant && value != initial { constant = false }
            count += 1
            let x = Double(timestamp - interceptTime) / 1000
            sumX += x
            sumY += value
            sumXY += x * value
            sumX2 += x * x
        }
        if constant {
            return initial.isInfinite ? (.nan, .nan) : (0, initial)
        }
        let covariance = sumXY - sumX * sumY / count
        let variance = sumX2 - sumX * sumX / count
        let slope = covariance / variance
        return (slope, sumY / count - slope * sumX / count)
    }

    // MARK: Statistics

    static func kahanSumIncrement(_ increment: Double, _ sum: Double, _ compensation: Double) -> (Double, Double) {
        let total = sum + increment
        var compensation = compensation
        if Swift.abs(sum) >= Swift.abs(increment) {
            compensation += (sum - total) + increment
        } else {
            compensation += (increment - total) + sum
        }
        return (total, compensation)
    }

    /// `avg_over_time`'s running mean, compensated (Kahan–Neumaier) as Prometheus computes it.
    static func kahanMean<S: Sequence>(_ values: S) -> Double where S.Element == Double {
        var mean = 0.0, count = 0.0, compensation = 0.0
        for value in values {
            count += 1
            if mean.isInfinite {
                if value.isInfinite && (mean > 0) == (value > 0) { continue }
                if !value.isInfinite && !value.isNaN { continue }
            }
            (mean, compensation) = kahanSumIncrement(value / count - mean / count, mean, compensation)
        }
        return mean.isInfinite ? mean : mean + compensation
    }

    /// The running mean Prometheus uses for `avg`, which neither overflows nor turns a sum of
    /// infinities into NaN.
    static func incrementalMean<S: Sequence>(_ values: S) -> Double where S.Element == Double {
        var mean = 0.0, count = 0.0
        for value in values {
            count += 1
            if count == 1 {
                mean = value
                continue
            }
            if mean.isInfinite {
                if value.isInfinite && (mean > 0) == (value > 0) { continue }
                if !value.isInfinite && !value.isNaN { continue }
            }
            mean += value / count - mean / count
        }
        return mean
    }

    /// The φ-quantile with linear interpolation between the closest ranks.
    static func quantile(_ quantile: Double, _ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        if quantile < 0 { return -.infinity }
        if quantile > 1 { return .infinity }
        if quantile.isNaN { return .nan }
        // Go's sort.Float64s order: NaN first.
        let sorted = values.sorted { $0.isNaN && !$1.isNaN || (!$0.isNaN && !$1.isNaN && $0 < $1) }
        let count = Double(sorted.count)
        let rank = quantile * (count - 1)
        let lower = Swift.max(0, rank.rounded(.down))
        let upper = Swift.min(count - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
    }

    /// The population variance, with Kahan-compensated running sums as Prometheus'
    /// `stddev_over_time` and `stdvar_over_time` compute it.
    static func variance<S: Sequence>(_ values: S) -> Double where S.Element == Double {
        var count = 0.0, mean = 0.0, meanCompensation = 0.0, aux = 0.0, auxCompensation = 0.0
        for value in values {
            count += 1
            let delta = value - (mean + meanCompensation)
            (mean, meanCompensation) = kahanSumIncrement(delta / count, mean, meanCompensation)
            (aux, auxCompensation) = kahanSumIncrement(delta * (value - (mean + meanCompensation)), aux, auxCompensation)
        }
        return (aux + auxCompensation) / count
    }

    /// Double exponential smoothing over a window's values (Prometheus' `funcHoltWinters`): the
    /// smoothed value after the last sample; nil with fewer than two.
    static func holtWinters(_ values: [Double], smoothing: Double, trend: Double) -> Double? {
        guard values.count >= 2 else { return nil }
        var previous = 0.0, smoothed = values[0], slope = values[1] - values[0]
        for index in 1..<values.count {
            if index > 1 { slope = trend * (smoothed - previous) + (1 - trend) * slope }
            let next = smoothing * values[index] + (1 - smoothing) * (smoothed + slope)
            (previous, smoothed) = (smoothed, next)
        }
        return smoothed
    }

    /// A calendar field of a Unix time in UTC, as Go's `time` package gives it.
    static func dateField(_ name: String, seconds: Int64) -> Double {
        let fields = GoTime.fields(unixSeconds: seconds)
        switch name {
        case "hour": return Double(fields.hour)
        case "minute": return Double(fields.minute)
        case "day_of_month": return Double(fields.day)
        case "day_of_week": return Double(fields.weekday)
        case "day_of_year": return Double(fields.dayOfYear + 1)
        case "days_in_month": return Double(GoTime.daysIn(month: fields.month, year: fields.year))
        case "month": return Double(fields.month)
        default: return Double(fields.year)
        }
    }

    /// Go's `math.Max`/`math.Min`: NaN wins, as clamp_min/clamp_max inherit.
    static func goMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    static func goMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }

    // MARK: absent

    /// The labels `absent(x{a="b"})` answers with: the selector's equality matchers, except names
    /// matched more than once.
    static func absentLabels(_ argument: PromQLExpr) -> Labels {
        let selector: PromQLVectorSelector
        switch unwrapParentheses(argument) {
        case .vectorSelector(let found): selector = found
        case .matrixSelector(let found, _): selector = found
        default: return Labels([])
        }
        var pairs: [String: String] = [:]
        var repeated: Set<String> = []
        for matcher in selector.selector.matchers where matcher.name != Labels.metricNameLabel {
            if matcher.op == .equal && pairs[matcher.name] == nil && !repeated.contains(matcher.name) {
                pairs[matcher.name] = matcher.value
            } else {
                repeated.insert(matcher.name)
            }
        }
        for name in repeated { pairs[name] = nil }
        return Labels(pairs.map { Label($0.key, $0.value) })
    }

    // MARK: histogram_quantile

    private func histogramQuantile(_ quantile: Double, _ samples: [PromQLSample], at time: Int64) throws(SondeError) -> [PromQLSample] {
        var groups: [Labels: (labels: Labels, buckets: [(upperBound: Double, count: Double)])] = [:]
        var order: [Labels] = []
        for sample in samples {
            guard let text = sample.labels["le"], let upperBound = GoFormat.parseFloat(text) else { continue }
            let key = Labels(sample.labels.pairs.filter { $0.name != "le" })
            if groups[key] == nil {
                groups[key] = (key.droppingMetricName, [])
                order.append(key)
            }
            groups[key]?.buckets.append((upperBound, sample.value))
        }
        var result: [PromQLSample] = []
        for key in order {
            guard let group = groups[key], !group.buckets.isEmpty else { continue }
            result.append(PromQLSample(labels: group.labels, value: Self.bucketQuantile(quantile, group.buckets), timestamp: time))
        }
        try Self.requireUniqueLabels(result)
        return result
    }

    static func bucketQuantile(_ quantile: Double, _ input: [(upperBound: Double, count: Double)]) -> Double {
        if quantile.isNaN { return .nan }
        if quantile < 0 { return -.infinity }
        if quantile > 1 { return .infinity }
        var buckets = input.sorted { $0.upperBound < $1.upperBound }
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        // Buckets with the same bound (e.g. `le="1"` and `le="1.0"`) add up.
        var coalesced: [(upperBound: Double, count: Double)] = []
        for bucket in buckets {
            if let previous = coalesced.last, previous.upperBound == bucket.upperBound {
                coalesced[coalesced.count - 1].count += bucket.count
            } else {
                coalesced.append(bucket)
            }
        }
        buckets = coalesced
        // Counts must not decrease with the bound; a scrape racing an observation can break that.
        var maximum = -Double.infinity
        for index in buckets.indices {
            if buckets[index].count > maximum {
                maximum = buckets[index].count
            } else if buckets[index].count < maximum {
                buckets[index].count = maximum
            }
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return .nan }
        var rank = quantile * observations
        var bucket = 0
        while bucket < buckets.count - 1 && !(buckets[bucket].count >= rank) { bucket += 1 }
        if bucket == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        if bucket == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var bucketStart = 0.0
        var count = buckets[bucket].count
        if bucket > 0 {
            bucketStart = buckets[bucket - 1].upperBound
            count -= buckets[bucket - 1].count
            rank -= buckets[bucket - 1].count
        }
        return bucketStart + (buckets[bucket].upperBound - bucketStart) * (rank / count)
    }

    // MARK: label_join, label_replace

    private func labelJoin(_ arguments: [PromQLExpr], at time: Int64) throws(SondeError) -> [PromQLSample] {
        var texts: [String] = []
        for argument in arguments.dropFirst() {
            guard case .string(let text) = Self.unwrapParentheses(argument) else { throw SondeError(.invalidArgument, "label_join() takes string literals") }
            texts.append(text)
        }
        let destination = texts[0], separator = texts[1], sources = Array(texts.dropFirst(2))
        for source in sources where !MetricNames.isValidLabelName(source) {
            throw SondeError(.invalidArgument, "invalid source label name in label_join(): \(source)")
        }
        guard MetricNames.isValidLabelName(destination) else {
            throw SondeError(.invalidArgument, "invalid destination label name in label_join(): \(destination)")
        }
        let result = try vector(arguments[0], at: time).map { sample in
            let joined = sources.map { sample.labels[$0] ?? "" }.joined(separator: separator)
            var pairs = sample.labels.pairs.filter { $0.name != destination }
            if !joined.isEmpty { pairs.append(Label(destination, joined)) }
            return PromQLSample(labels: Labels(pairs), value: sample.value, timestamp: time)
        }
        try Self.requireUniqueLabels(result)
        return result
    }

    private func labelReplace(_ arguments: [PromQLExpr], at time: Int64) throws(SondeError) -> [PromQLSample] {
        guard case .string(let destination) = Self.unwrapParentheses(arguments[1]),
              case .string(let replacement) = Self.unwrapParentheses(arguments[2]),
              case .string(let source) = Self.unwrapParentheses(arguments[3]),
              case .string(let pattern) = Self.unwrapParentheses(arguments[4])
        else { throw SondeError(.invalidArgument, "label_replace() takes string literals") }
        let compiled = try regex(pattern)
        guard MetricNames.isValidLabelName(destination) else {
            throw SondeError(.invalidArgument, "invalid destination label name in label_replace(): \(destination)")
        }
        var result: [PromQLSample] = []
        for sample in try vector(arguments[0], at: time) {
            let sourceValue = sample.labels[source] ?? ""
            guard let match = try? compiled.wholeMatch(in: sourceValue) else {
                result.append(sample)
                continue
            }
            let expanded = TemplateRegex.expand(replacement, match.output, in: sourceValue)
            var pairs = sample.labels.pairs.filter { $0.name != destination }
            if !expanded.isEmpty { pairs.append(Label(destination, expanded)) }
            result.append(PromQLSample(labels: Labels(pairs), value: sample.value, timestamp: sample.timestamp))
        }
        try Self.requireUniqueLabels(result)
        return result
    }
}

/// Where a range selector's window lies for one evaluation.
struct PromQLVectorSelectorRange {
    var start: Int64
    var end: Int64
    var range: Int64
}

extension SeriesSelector {
    /// Whether an equality matcher fixes the metric name.
    var hasFixedMetricName: Bool {
        matchers.contains { $0.name == Labels.metricNameLabel && $0.op == .equal }
    }
}

extension PromQLExpr {
    var isVectorSelector: Bool {
        if case .vectorSelector = self { return true }
        return false
    }
}
