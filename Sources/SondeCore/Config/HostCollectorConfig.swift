public struct HostCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var interval: Duration = .seconds(10)

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { interval = try value.duration(in: intervalRange) }
    }
}
