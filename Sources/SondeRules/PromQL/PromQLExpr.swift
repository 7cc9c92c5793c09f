import SondeCore

/// The four types a PromQL expression can evaluate to, named as Prometheus' error messages name them.
public enum PromQLValueType: String, Sendable, Hashable {
    case scalar
    case instantVector = "instant vector"
    case rangeVector = "range vector"
    case string
}

/// A parsed PromQL expression (see `PromQLParser`).
///
/// Parentheses are kept as `.parenthesized` nodes so that `description` prints the expression back
/// in a form that parses to an equal tree. The tree carries no source positions: type errors are
/// found while parsing, when the positions are still at hand.
public indirect enum PromQLExpr: Sendable, Equatable {
    case number(PromQLNumber)
    case string(String)
    /// `up{job="api"} offset 5m`
    case vectorSelector(PromQLVectorSelector)
    /// `up{job="api"}[5m] offset 1h`; the offset lives in the selector.
    case matrixSelector(PromQLVectorSelector, rangeMilliseconds: Int64)
    /// `rate(x[1m])[1h:5m]`: the inner expression at every step of the range, as a range vector.
    case subquery(PromQLSubquery)
    /// `rate(x[5m])`
    case call(PromQLCall)
    /// `sum by (job) (x)`, `topk(5, x)`
    case aggregation(PromQLAggregation)
    /// `-x`, `+x`. A sign in front of a number literal is folded into the number, as Prometheus does.
    case unary(PromQLUnaryOperator, PromQLExpr)
    /// `a + on(job) group_left b`
    case binary(PromQLBinaryExpr)
    /// `(x)`
    case parenthesized(PromQLExpr)

    /// What the expression evaluates to.
    public var valueType: PromQLValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector: return .instantVector
        case .matrixSelector, .subquery: return .rangeVector
        case .call(let call): return call.function.returnType
        case .aggregation: return .instantVector
        case .unary(_, let operand): return operand.valueType
        case .binary(let binary):
            return binary.lhs.valueType == .scalar && binary.rhs.valueType == .scalar ? .scalar : .instantVector
        case .parenthesized(let inner): return inner.valueType
        }
    }
}

/// A float literal. Equality treats every NaN as equal to every other NaN, so that a parsed `NaN`
/// compares equal to itself after a round trip through `description`.
public struct PromQLNumber: Sendable, Equatable {
    public var value: Double

    public init(_ value: Double) {
        self.value = value
    }

    public static func == (lhs: PromQLNumber, rhs: PromQLNumber) -> Bool {
        (lhs.value.isNaN && rhs.value.isNaN) || lhs.value == rhs.value
    }
}

/// An instant vector selector with its `offset` (0 when none was written, as in Prometheus, where
/// `offset 0s` means no offset) and its `@` modifier.
public struct PromQLVectorSelector: Sendable, Equatable {
    public var selector: SeriesSelector
    /// Positive looks back in time, negative (`offset -5m`) looks forward.
    public var offsetMilliseconds: Int64
    /// `@ 1700000000`, `@ start()`, `@ end()`: evaluated at that time whatever the evaluation time.
    public var at: PromQLAtModifier?

    public init(selector: SeriesSelector, offsetMilliseconds: Int64 = 0, at: PromQLAtModifier? = nil) {
        self.selector = selector
        self.offsetMilliseconds = offsetMilliseconds
        self.at = at
    }
}

/// The `@` modifier: a fixed time, or the query's start or end (for an instant query and a rule,
/// both the evaluation time).
public enum PromQLAtModifier: Sendable, Equatable {
    /// Milliseconds since the epoch (Prometheus rounds the seconds written to milliseconds).
    case time(Int64)
    case start
    case end
}

/// `expr[range:step] offset o @ t`: `expr` evaluated at every multiple of `step` (since the epoch)
/// within [t − offset − range, t − offset], giving a range vector.
public struct PromQLSubquery: Sendable, Equatable {
    public var expr: PromQLExpr
    public var rangeMilliseconds: Int64
    /// 0 when left out (`x[1h:]`): the engine's default subquery step, Prometheus' global
    /// evaluation interval.
    public var stepMilliseconds: Int64
    public var offsetMilliseconds: Int64
    public var at: PromQLAtModifier?

    public init(expr: PromQLExpr, rangeMilliseconds: Int64, stepMilliseconds: Int64 = 0, offsetMilliseconds: Int64 = 0, at: PromQLAtModifier? = nil) {
        self.expr = expr
        self.rangeMilliseconds = rangeMilliseconds
        self.stepMilliseconds = stepMilliseconds
        self.offsetMilliseconds = offsetMilliseconds
        self.at = at
    }
}

/// A call of one of the functions in `PromQLFunction.all`.
public struct PromQLCall: Sendable, Equatable {
    public var function: PromQLFunction
    public var arguments: [PromQLExpr]

    public init(function: PromQLFunction, arguments: [PromQLExpr]) {
        self.function = function
        self.arguments = arguments
    }
}

/// The aggregation operators of Prometheus 2.42.
public enum PromQLAggregationOperator: String, Sendable, CaseIterable {
    case sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk, quantile
    case countValues = "count_values"

    /// `topk(k, v)`, `bottomk(k, v)` and `quantile(φ, v)` take a scalar before the vector,
    /// `count_values("label", v)` a string.
    public var takesParameter: Bool { parameterType != nil }

    public var parameterType: PromQLValueType? {
        switch self {
        case .topk, .bottomk, .quantile: return .scalar
        case .countValues: return .string
        case .sum, .avg, .min, .max, .count, .group, .stddev, .stdvar: return nil
        }
    }
}

/// Which labels an aggregation keeps.
public enum PromQLAggregationGrouping: Sendable, Equatable {
    /// No clause: everything is aggregated into one series.
    case none
    /// `by (a, b)`: keep only these labels.
    case by([String])
    /// `without (a, b)`: keep every label but these.
    case without([String])
}

public struct PromQLAggregation: Sendable, Equatable {
    public var op: PromQLAggregationOperator
    public var expr: PromQLExpr
    /// The scalar of `topk`, `bottomk` and `quantile`; nil for the others.
    public var parameter: PromQLExpr?
    public var grouping: PromQLAggregationGrouping

    public init(
        op: PromQLAggregationOperator, expr: PromQLExpr, parameter: PromQLExpr? = nil,
        grouping: PromQLAggregationGrouping = .none
    ) {
        self.op = op
        self.expr = expr
        self.parameter = parameter
        self.grouping = grouping
    }
}

public enum PromQLUnaryOperator: String, Sendable {
    case plus = "+"
    case minus = "-"
}

/// Binary operators, from `^` (binds tightest) to `or` (binds loosest).
public enum PromQLBinaryOperator: String, Sendable, CaseIterable {
    case power = "^"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case atan2
    case add = "+"
    case subtract = "-"
    case equal = "=="
    case notEqual = "!="
    case lessOrEqual = "<="
    case less = "<"
    case greaterOrEqual = ">="
    case greater = ">"
    case and
    case unless
    case or

    /// Higher binds tighter. Unary `-`/`+` sit between `^` (6) and `*` (5), see `PromQLParser`.
    public var precedence: Int {
        switch self {
        case .power: return 6
        case .multiply, .divide, .modulo, .atan2: return 5
        case .add, .subtract: return 4
        case .equal, .notEqual, .lessOrEqual, .less, .greaterOrEqual, .greater: return 3
        case .and, .unless: return 2
        case .or: return 1
        }
    }

    /// Only `^` is right-associative: `2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`.
    public var isRightAssociative: Bool { self == .power }

    public var isComparison: Bool { precedence == 3 }

    /// `and`, `or`, `unless`: they work on label sets and only between instant vectors.
    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }
}

/// `on(a)` / `ignoring(a)` with an optional `group_left(b)` / `group_right(b)`.
public struct PromQLVectorMatching: Sendable, Equatable {
    /// Whether the labels were given with `on` (match on these) or `ignoring` (match on all others).
    public var on: Bool
    public var labels: [String]
    public var grouping: Grouping

    /// The many side of a many-to-one or one-to-many match, with the labels copied from the one side.
    public enum Grouping: Sendable, Equatable {
        case oneToOne
        case groupLeft([String])
        case groupRight([String])
    }

    public init(on: Bool, labels: [String], grouping: Grouping = .oneToOne) {
        self.on = on
        self.labels = labels
        self.grouping = grouping
    }
}

public struct PromQLBinaryExpr: Sendable, Equatable {
    public var op: PromQLBinaryOperator
    public var lhs: PromQLExpr
    public var rhs: PromQLExpr
    /// `bool`: comparisons return 0/1 instead of filtering.
    public var returnsBool: Bool
    /// Nil when no `on`/`ignoring` was written, or when an operand is a scalar (where it means nothing).
    public var matching: PromQLVectorMatching?

    public init(
        op: PromQLBinaryOperator, lhs: PromQLExpr, rhs: PromQLExpr, returnsBool: Bool = false,
        matching: PromQLVectorMatching? = nil
    ) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.returnsBool = returnsBool
        self.matching = matching
    }
}
