#if canImport(Glibc)
import Glibc
#endif

/// The signature of a PromQL function sonde supports: argument types, how many arguments may be
/// left out at the end, and the result type. The parser checks calls against it the way Prometheus
/// does (argument count first, then each argument's type).
public struct PromQLFunction: Sendable, Equatable {
    public var name: String
    public var argumentTypes: [PromQLValueType]
    /// How many trailing arguments are optional (`round(v)` and `round(v, 0.5)`).
    public var optionalArguments: Int
    /// The last argument type repeats any number of times, and may be left out
    /// (`label_join(v, dst, sep, src…)`): Prometheus' `Variadic: -1`.
    public var repeatsLast: Bool
    public var returnType: PromQLValueType

    public init(
        name: String, argumentTypes: [PromQLValueType], optionalArguments: Int = 0, repeatsLast: Bool = false, returnType: PromQLValueType
    ) {
        self.name = name
        self.argumentTypes = argumentTypes
        self.optionalArguments = repeatsLast ? 1 : optionalArguments
        self.repeatsLast = repeatsLast
        self.returnType = returnType
    }

    public var minimumArguments: Int { argumentTypes.count - optionalArguments }

    public static func named(_ name: String) -> PromQLFunction? { byName[name] }

    /// The functions of one number that drop the metric name (Prometheus' `simpleFunc`), by name.
    public static let mathFunctions: [String: @Sendable (Double) -> Double] = [
        "abs": { Swift.abs($0) }, "ceil": { $0.rounded(.up) }, "floor": { $0.rounded(.down) },
        "sqrt": { $0.squareRoot() }, "exp": { Glibc.exp($0) }, "ln": { GoMath.log($0) }, "log2": { GoMath.log2($0) }, "log10": { GoMath.log10($0) },
        "sgn": { $0 < 0 ? -1 : $0 > 0 ? 1 : $0 },
        "acos": { GoMath.acos($0) }, "acosh": { Glibc.acosh($0) }, "asin": { GoMath.asin($0) }, "asinh": { Glibc.asinh($0) },
        "atan": { GoMath.atan($0) }, "atanh": { Glibc.atanh($0) }, "cos": { GoMath.cos($0) }, "cosh": { Glibc.cosh($0) },
        "sin": { GoMath.sin($0) }, "sinh": { Glibc.sinh($0) }, "tan": { GoMath.tan($0) }, "tanh": { Glibc.tanh($0) },
        "deg": { $0 * 180 / Double.pi }, "rad": { $0 * Double.pi / 180 },
    ]

    /// The calendar functions of a Unix time (`hour(v)`, or of the evaluation time without `v`).
    public static let dateFunctions = ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"]

    /// Every supported function, with Prometheus 2.42's signatures.
    public static let all: [PromQLFunction] = {
        let overRange = [
            "rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets",
            "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
            "last_over_time", "stddev_over_time", "stdvar_over_time", "absent_over_time", "present_over_time",
        ].map { PromQLFunction(name: $0, argumentTypes: [.rangeVector], returnType: .instantVector) }
        let elementwise = (Array(mathFunctions.keys) + ["absent", "timestamp", "sort", "sort_desc", "histogram_count", "histogram_sum"]).sorted().map {
            PromQLFunction(name: $0, argumentTypes: [.instantVector], returnType: .instantVector)
        }
        let dates = dateFunctions.map { PromQLFunction(name: $0, argumentTypes: [.instantVector], optionalArguments: 1, returnType: .instantVector) }
        return overRange + elementwise + dates + [
            PromQLFunction(name: "pi", argumentTypes: [], returnType: .scalar),
            PromQLFunction(name: "clamp", argumentTypes: [.instantVector, .scalar, .scalar], returnType: .instantVector),
            PromQLFunction(name: "holt_winters", argumentTypes: [.rangeVector, .scalar, .scalar], returnType: .instantVector),
            PromQLFunction(name: "histogram_fraction", argumentTypes: [.scalar, .scalar, .instantVector], returnType: .instantVector),
            PromQLFunction(
                name: "label_join", argumentTypes: [.instantVector, .string, .string, .string], repeatsLast: true, returnType: .instantVector),
            PromQLFunction(name: "predict_linear", argumentTypes: [.rangeVector, .scalar], returnType: .instantVector),
            PromQLFunction(name: "quantile_over_time", argumentTypes: [.scalar, .rangeVector], returnType: .instantVector),
            PromQLFunction(name: "round", argumentTypes: [.instantVector, .scalar], optionalArguments: 1, returnType: .instantVector),
            PromQLFunction(name: "clamp_min", argumentTypes: [.instantVector, .scalar], returnType: .instantVector),
            PromQLFunction(name: "clamp_max", argumentTypes: [.instantVector, .scalar], returnType: .instantVector),
            PromQLFunction(name: "histogram_quantile", argumentTypes: [.scalar, .instantVector], returnType: .instantVector),
            PromQLFunction(name: "time", argumentTypes: [], returnType: .scalar),
            PromQLFunction(name: "vector", argumentTypes: [.scalar], returnType: .instantVector),
            PromQLFunction(name: "scalar", argumentTypes: [.instantVector], returnType: .scalar),
            PromQLFunction(
                name: "label_replace", argumentTypes: [.instantVector, .string, .string, .string, .string],
                returnType: .instantVector),
        ]
    }()

    static let byName: [String: PromQLFunction] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
