/// The signature of a PromQL function sonde supports: argument types, how many arguments may be
/// left out at the end, and the result type. The parser checks calls against it the way Prometheus
/// does (argument count first, then each argument's type).
public struct PromQLFunction: Sendable, Equatable {
    public var name: String
    public var argumentTypes: [PromQLValueType]
    /// How many trailing arguments are optional (`round(v)` and `round(v, 0.5)`).
    public var optionalArguments: Int
    public var returnType: PromQLValueType

    public init(
        name: String, argumentTypes: [PromQLValueType], optionalArguments: Int = 0, returnType: PromQLValueType
    ) {
        self.name = name
        self.argumentTypes = argumentTypes
        self.optionalArguments = optionalArguments
        self.returnType = returnType
    }

    public var minimumArguments: Int { argumentTypes.count - optionalArguments }

    public static func named(_ name: String) -> PromQLFunction? { byName[name] }

    /// Every supported function, with Prometheus 2.x signatures.
    public static let all: [PromQLFunction] = {
        let overRange = [
            "rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets",
            "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
            "last_over_time", "stddev_over_time", "absent_over_time",
        ].map { PromQLFunction(name: $0, argumentTypes: [.rangeVector], returnType: .instantVector) }
        let elementwise = ["abs", "ceil", "floor", "absent", "timestamp"].map {
            PromQLFunction(name: $0, argumentTypes: [.instantVector], returnType: .instantVector)
        }
        return overRange + elementwise + [
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
