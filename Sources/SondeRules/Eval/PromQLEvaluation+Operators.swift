#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SondeCore

/// Aggregations and binary operators, with Prometheus 2.42's vector matching rules.
extension PromQLEvaluation {
    // MARK: Aggregations

    func evaluateAggregation(_ aggregation: PromQLAggregation, at time: Int64) throws(SondeError) -> Value {
        var parameter: Double?
        var valueLabel: String?
        if let expr = aggregation.parameter {
            if aggregation.op == .countValues {
                guard case .string(let name) = Self.unwrapParentheses(expr) else { throw SondeError(.invalidArgument, "count_values() takes a string literal") }
                guard MetricNames.isValidLabelName(name) else { throw SondeError(.invalidArgument, "invalid label name \(ByteText.quote(Array(name.utf8)))") }
                valueLabel = name
            } else {
                parameter = try scalar(expr, at: time)
            }
        }
        var input = try vector(aggregation.expr, at: time)
        var grouping = aggregation.grouping
        if let valueLabel {
            // count_values: each sample's value becomes a label, which `by` then keeps too.
            input = input.map { sample in
                var pairs = sample.labels.pairs.filter { $0.name != valueLabel }
                pairs.append(Label(valueLabel, GoFormat.shortestFixed(sample.value)))
                return PromQLSample(labels: Labels(pairs), value: sample.value, timestamp: sample.timestamp)
            }
            switch grouping {
            case .none: grouping = .by([valueLabel])
            case .by(let names): grouping = .by(names + [valueLabel])
            case .without: break
            }
        }
        var groups: [Labels: Int] = [:]
        var members: [(labels: Labels, samples: [PromQLSample])] = []
        for sample in input {
            let key = Self.groupLabels(sample.labels, grouping)
            if let index = groups[key] {
                members[index].samples.append(sample)
            } else {
                groups[key] = members.count
                members.append((key, [sample]))
            }
        }
        var result: [PromQLSample] = []
        switch aggregation.op {
        case .topk, .bottomk:
            let k = parameter ?? 0
            guard k.isFinite || k.isNaN, Swift.abs(k) < 9.2e18 else {
                throw SondeError(.invalidArgument, "Scalar value \(ValueFormat.string(k)) overflows int64")
            }
            guard !k.isNaN, k >= 1 else { return .vector([]) }
            let count = Int(k)
            for group in members {
                let ordered = group.samples.sorted { lhs, rhs in
                    // NaN ranks below every number for both directions, as Prometheus' heaps rank it.
                    if lhs.value.isNaN != rhs.value.isNaN { return !lhs.value.isNaN }
                    return aggregation.op == .topk ? lhs.value > rhs.value : lhs.value < rhs.value
                }
                for sample in ordered.prefix(count) {
                    result.append(PromQLSample(labels: sample.labels, value: sample.value, timestamp: time))
                }
            }
            return .vector(result)
        default:
            break
        }
        for group in members {
            let values = group.samples.map(\.value)
            let value: Double
            switch aggregation.op {
            case .sum: value = values.dropFirst().reduce(values[0], +)
            case .avg: value = Self.incrementalMean(values)
            case .count, .countValues: value = Double(values.count)
            case .group: value = 1
            case .min:
                var minimum = values[0]
                for candidate in values.dropFirst() where minimum > candidate || minimum.isNaN { minimum = candidate }
                value = minimum
            case .max:
                var maximum = values[0]
                for candidate in values.dropFirst() where maximum < candidate || maximum.isNaN { maximum = candidate }
                value = maximum
            case .stddev, .stdvar:
                var count = 0.0, mean = 0.0, squares = 0.0
                for candidate in values {
                    count += 1
                    let delta = candidate - mean
                    mean += delta / count
                    squares += delta * (candidate - mean)
                }
                value = aggregation.op == .stddev ? (squares / count).squareRoot() : squares / count
            case .quantile: value = Self.quantile(parameter ?? .nan, values)
            case .topk, .bottomk: continue
            }
            result.append(PromQLSample(labels: group.labels, value: value, timestamp: time))
        }
        return .vector(result)
    }

    /// The labels an aggregation keeps of a sample: `by` keeps the named ones, `without` drops the
    /// named ones and the metric name, no clause keeps none.
    static func groupLabels(_ labels: Labels, _ grouping: PromQLAggregationGrouping) -> Labels {
        switch grouping {
        case .none: return Labels([])
        case .by(let names): return Labels(labels.pairs.filter { names.contains($0.name) })
        case .without(let names):
            return Labels(labels.pairs.filter { $0.name != Labels.metricNameLabel && !names.contains($0.name) })
        }
    }

    // MARK: Binary operators

    func evaluateBinary(_ binary: PromQLBinaryExpr, at time: Int64) throws(SondeError) -> Value {
        let lhs = try evaluate(binary.lhs, at: time)
        let rhs = try evaluate(binary.rhs, at: time)
        switch (lhs, rhs) {
        case (.scalar(let left), .scalar(let right)):
            let (value, keep) = Self.apply(binary.op, left, right)
            return .scalar(binary.op.isComparison ? (keep ? 1 : 0) : value)
        case (.vector(let samples), .scalar(let scalar)):
            return .vector(try vectorScalar(binary, samples, scalar, scalarOnLeft: false, at: time))
        case (.scalar(let scalar), .vector(let samples)):
            return .vector(try vectorScalar(binary, samples, scalar, scalarOnLeft: true, at: time))
        case (.vector(let left), .vector(let right)):
            let matching = binary.matching ?? PromQLVectorMatching(on: false, labels: [])
            switch binary.op {
            case .and: return .vector(Self.and(left, right, matching))
            case .or: return .vector(Self.or(left, right, matching))
            case .unless: return .vector(Self.unless(left, right, matching))
            default: return .vector(try vectorVector(binary, left, right, matching, at: time))
            }
        default:
            throw SondeError(.invalidArgument, "operands of \"\(binary.op.rawValue)\" must be scalars or instant vectors")
        }
    }

    /// The value of `left op right`, and whether a comparison holds (always true for arithmetic).
    static func apply(_ op: PromQLBinaryOperator, _ left: Double, _ right: Double) -> (value: Double, keep: Bool) {
        switch op {
        case .add: return (left + right, true)
        case .subtract: return (left - right, true)
        case .multiply: return (left * right, true)
        case .divide: return (left / right, true)
        case .power: return (pow(left, right), true)
        case .modulo: return (fmod(left, right), true)
        case .atan2: return (atan2(left, right), true)
        case .equal: return (left, left == right)
        case .notEqual: return (left, left != right)
        case .greater: return (left, left > right)
        case .less: return (left, left < right)
        case .greaterOrEqual: return (left, left >= right)
        case .lessOrEqual: return (left, left <= right)
        case .and, .or, .unless: return (left, true)
        }
    }

    private func vectorScalar(
        _ binary: PromQLBinaryExpr, _ samples: [PromQLSample], _ scalar: Double, scalarOnLeft: Bool, at time: Int64
    ) throws(SondeError) -> [PromQLSample] {
        var result: [PromQLSample] = []
        let dropName = !binary.op.isComparison || binary.returnsBool
        for sample in samples {
            var (value, keep) = scalarOnLeft ? Self.apply(binary.op, scalar, sample.value) : Self.apply(binary.op, sample.value, scalar)
            // A comparison keeps the vector's value even when the scalar is on the left.
            if binary.op.isComparison && scalarOnLeft { value = sample.value }
            if binary.returnsBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            result.append(PromQLSample(labels: dropName ? sample.labels.droppingMetricName : sample.labels, value: value, timestamp: time))
        }
        if dropName { try Self.requireUniqueLabels(result) }
        return result
    }

    /// The key two samples must share to match: the `on` labels, or every label but the `ignoring`
    /// ones and the metric name.
    static func signature(_ labels: Labels, _ matching: PromQLVectorMatching) -> Labels {
        if matching.on { return Labels(labels.pairs.filter { matching.labels.contains($0.name) }) }
        return Labels(labels.pairs.filter { $0.name != Labels.metricNameLabel && !matching.labels.contains($0.name) })
    }

    static func and(_ left: [PromQLSample], _ right: [PromQLSample], _ matching: PromQLVectorMatching) -> [PromQLSample] {
        let rightSignatures = Set(right.map { signature($0.labels, matching) })
        return left.filter { rightSignatures.contains(signature($0.labels, matching)) }
    }

    static func or(_ left: [PromQLSample], _ right: [PromQLSample], _ matching: PromQLVectorMatching) -> [PromQLSample] {
        let leftSignatures = Set(left.map { signature($0.labels, matching) })
        return left + right.filter { !leftSignatures.contains(signature($0.labels, matching)) }
    }

    static func unless(_ left: [PromQLSample], _ right: [PromQLSample], _ matching: PromQLVectorMatching) -> [PromQLSample] {
        let rightSignatures = Set(right.map { signature($0.labels, matching) })
        return left.filter { !rightSignatures.contains(signature($0.labels, matching)) }
    }

    /// Arithmetic and comparisons between two vectors: one-to-one by default, many-to-one with
    /// `group_left`, one-to-many with `group_right` (handled as many-to-one with the sides swapped).
    private func vectorVector(
        _ binary: PromQLBinaryExpr, _ leftInput: [PromQLSample], _ rightInput: [PromQLSample],
        _ matching: PromQLVectorMatching, at time: Int64
    ) throws(SondeError) -> [PromQLSample] {
        guard !leftInput.isEmpty, !rightInput.isEmpty else { return [] }
        var many = leftInput, one = rightInput
        var include: [String] = []
        var swapped = false
        switch matching.grouping {
        case .oneToOne: break
        case .groupLeft(let labels): include = labels
        case .groupRight(let labels):
            include = labels
            swapped = true
            (many, one) = (rightInput, leftInput)
        }
        var oneBySignature: [Labels: PromQLSample] = [:]
        for sample in one {
            let key = Self.signature(sample.labels, matching)
            if let duplicate = oneBySignature[key] {
                let side = swapped ? "left" : "right"
                throw SondeError(.invalidArgument, """
                    found duplicate series for the match group \(key.braced) on the \(side) hand-side of the operation: \
                    [\(sample.labels), \(duplicate.labels)];many-to-many matching not allowed: matching labels must be unique on one side
                    """)
            }
            oneBySignature[key] = sample
        }
        var matched: [Labels: Set<Labels>] = [:]
        var result: [PromQLSample] = []
        for sample in many {
            let key = Self.signature(sample.labels, matching)
            guard let partner = oneBySignature[key] else { continue }
            let (left, right) = swapped ? (partner.value, sample.value) : (sample.value, partner.value)
            var (value, keep) = Self.apply(binary.op, left, right)
            if binary.returnsBool {
                value = keep ? 1 : 0
            } else if !keep {
                continue
            }
            var labels = Self.resultLabels(sample.labels, partner.labels, binary.op, matching, include: include)
            if binary.returnsBool { labels = labels.droppingMetricName }
            if case .oneToOne = matching.grouping {
                if matched[key] != nil {
                    throw SondeError(.invalidArgument, "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
                matched[key] = []
            } else if matched[key, default: []].insert(labels).inserted == false {
                throw SondeError(.invalidArgument, "multiple matches for labels: grouping labels must ensure unique matches")
            }
            result.append(PromQLSample(labels: labels, value: value, timestamp: time))
        }
        return result
    }

    /// The many side's labels, without the metric name for arithmetic, reduced to the matching labels
    /// for one-to-one `on`/`ignoring`, plus the `group_x` labels copied from the one side.
    static func resultLabels(
        _ many: Labels, _ one: Labels, _ op: PromQLBinaryOperator, _ matching: PromQLVectorMatching, include: [String]
    ) -> Labels {
        var pairs = many.pairs
        if !op.isComparison { pairs.removeAll { $0.name == Labels.metricNameLabel } }
        if case .oneToOne = matching.grouping {
            if matching.on {
                pairs.removeAll { !matching.labels.contains($0.name) }
            } else {
                pairs.removeAll { matching.labels.contains($0.name) }
            }
        }
        for name in include {
            pairs.removeAll { $0.name == name }
            if let value = one[name], !value.isEmpty { pairs.append(Label(name, value)) }
        }
        return Labels(pairs)
    }
}
