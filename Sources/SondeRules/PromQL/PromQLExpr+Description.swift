import SondeCore

/// The canonical form, close to Prometheus' own `String()`: `sum by (job) (rate(x{a="b"}[5m] offset 1m))`.
/// It parses back to an equal tree: parentheses are explicit nodes, a sign folded into a number is
/// printed with it, and metric names that would read as keywords are spelled as `{__name__="…"}`.
extension PromQLExpr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let number):
            return Self.format(number.value)
        case .string(let value):
            return "\"" + Labels.escape(value) + "\""
        case .vectorSelector(let vector):
            return Self.format(vector.selector) + Self.formatOffset(vector.offsetMilliseconds) + Self.formatAt(vector.at)
        case .matrixSelector(let vector, let range):
            return Self.format(vector.selector) + "[" + DurationParser.format(range) + "]"
                + Self.formatOffset(vector.offsetMilliseconds) + Self.formatAt(vector.at)
        case .subquery(let subquery):
            let step = subquery.stepMilliseconds == 0 ? "" : DurationParser.format(subquery.stepMilliseconds)
            return subquery.expr.description + "[" + DurationParser.format(subquery.rangeMilliseconds) + ":" + step + "]"
                + Self.formatOffset(subquery.offsetMilliseconds) + Self.formatAt(subquery.at)
        case .call(let call):
            return call.function.name + "(" + call.arguments.map(\.description).joined(separator: ", ") + ")"
        case .aggregation(let aggregation):
            var out = aggregation.op.rawValue
            switch aggregation.grouping {
            case .none: break
            case .by(let labels): out += " by (" + labels.joined(separator: ", ") + ") "
            case .without(let labels): out += " without (" + labels.joined(separator: ", ") + ") "
            }
            let arguments = [aggregation.parameter, aggregation.expr].compactMap { $0?.description }
            return out + "(" + arguments.joined(separator: ", ") + ")"
        case .unary(let op, let operand):
            return op.rawValue + operand.description
        case .binary(let binary):
            var op = binary.op.rawValue
            if binary.returnsBool { op += " bool" }
            if let matching = binary.matching {
                op += (matching.on ? " on(" : " ignoring(") + matching.labels.joined(separator: ", ") + ")"
                // `group_left` without labels is written bare, the way people write it.
                func labelList(_ labels: [String]) -> String {
                    labels.isEmpty ? "" : "(" + labels.joined(separator: ", ") + ")"
                }
                switch matching.grouping {
                case .oneToOne: break
                case .groupLeft(let labels): op += " group_left" + labelList(labels)
                case .groupRight(let labels): op += " group_right" + labelList(labels)
                }
            }
            return binary.lhs.description + " " + op + " " + binary.rhs.description
        case .parenthesized(let inner):
            return "(" + inner.description + ")"
        }
    }

    /// ` @ 1700000000.5`, ` @ start()`, ` @ end()`, or nothing.
    static func formatAt(_ at: PromQLAtModifier?) -> String {
        switch at {
        case nil: return ""
        case .start: return " @ start()"
        case .end: return " @ end()"
        case .time(let milliseconds):
            let seconds = milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(Double(milliseconds) / 1000)
            return " @ " + seconds
        }
    }

    /// Shortest text that reads back as the same Double: `1`, `0.5`, `1e+20`, `Inf`, `-Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "Inf" }
        // Whole numbers print without Swift's trailing ".0"; below 2^53 the conversion is exact.
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return value == 0 && value.sign == .minus ? "-0" : String(Int64(value))
        }
        return String(value)
    }

    static func formatOffset(_ milliseconds: Int64) -> String {
        milliseconds == 0 ? "" : " offset " + DurationParser.format(milliseconds)
    }

    /// `up{job="api"}` when the first matcher is a plain metric name, else every matcher in braces
    /// (a name like `sum` or `offset` would otherwise read as a keyword).
    static func format(_ selector: SeriesSelector) -> String {
        var matchers = selector.matchers[...]
        var out = ""
        if let first = matchers.first, first.name == Labels.metricNameLabel, first.op == .equal,
            MetricNames.isValidMetricName(first.value), !PromQLParser.isReserved(first.value)
        {
            out = first.value
            matchers = matchers.dropFirst()
            if matchers.isEmpty { return out }
        }
        return out + "{" + matchers.map { matcher in
            let name = MetricNames.isValidLabelName(matcher.name) ? matcher.name : "\"" + Labels.escape(matcher.name) + "\""
            return name + matcher.op.rawValue + "\"" + Labels.escape(matcher.value) + "\""
        }.joined(separator: ", ") + "}"
    }
}
