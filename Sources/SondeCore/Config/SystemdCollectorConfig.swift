public struct SystemdCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var interval: Duration = .seconds(10)
    /// nil: every unit whose process group is watched.
    public var units: [String]?

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval", "units"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { interval = try value.duration(in: intervalRange) }
        if let value = keys["units"], !value.node.isNull {
            units = try value.list().map { (item) throws(ParseError) in
                let unit = try item.text()
                guard unit.contains(".") else { throw item.error("expected a unit name with its type, such as myapp.service") }
                return unit
            }
        }
    }
}
