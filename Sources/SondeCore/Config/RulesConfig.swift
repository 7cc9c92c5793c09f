public struct RulesConfig: Sendable, Equatable {
    public var files: [String] = []
    public var evaluationInterval: Duration = .seconds(10)
    /// Saved alert states older than this are not restored at start (Prometheus'
    /// `--rules.alert.for-outage-tolerance`).
    public var outageTolerance: Duration = .seconds(3_600)

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["files", "evaluation_interval", "outage_tolerance"])
        if let value = keys["files"] { files = try value.list().map { (item) throws(ParseError) in try item.text() } }
        if let value = keys["evaluation_interval"] { evaluationInterval = try value.duration(in: intervalRange) }
        if let value = keys["outage_tolerance"] { outageTolerance = try value.duration(in: .zero...(.seconds(7 * 86_400))) }
    }
}
