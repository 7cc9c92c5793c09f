public struct CollectorsConfig: Sendable, Equatable {
    public var host = HostCollectorConfig()
    public var process = ProcessCollectorConfig()
    public var systemd = SystemdCollectorConfig()
    public var statsd = StatsDCollectorConfig()
    public var gunicorn: [GunicornAppConfig] = []
    public var postgres: [PostgresServerConfig] = []
    public var probes: [ProbeConfig] = []
    public var billing = BillingConfig()

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["host", "process", "systemd", "statsd", "gunicorn", "postgres", "probes", "billing"])
        if let value = keys["host"] { host = try HostCollectorConfig(value) }
        if let value = keys["process"] { process = try ProcessCollectorConfig(value) }
        if let value = keys["systemd"] { systemd = try SystemdCollectorConfig(value) }
        if let value = keys["statsd"] { statsd = try StatsDCollectorConfig(value) }
        if let value = keys["gunicorn"] { gunicorn = try value.list().map { (item) throws(ParseError) in try GunicornAppConfig(item) } }
        if let value = keys["postgres"] { postgres = try value.list().map { (item) throws(ParseError) in try PostgresServerConfig(item) } }
        if let value = keys["probes"] { probes = try value.list().map { (item) throws(ParseError) in try ProbeConfig(item) } }
        if let value = keys["billing"] { billing = try BillingConfig(value) }
        try Self.requireUniqueNames(gunicorn.map(\.app), keys["gunicorn"], what: "app")
        try Self.requireUniqueNames(postgres.map(\.name), keys["postgres"], what: "name")
        try Self.requireUniqueNames(probes.map(\.name), keys["probes"], what: "name")
        try Self.requireUniqueNames(process.groups.map(\.name), keys["process"], what: "group name")
    }

    static func requireUniqueNames(_ names: [String], _ node: ConfigNode?, what: String) throws(ParseError) {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw (node ?? ConfigNode(node: YAMLNode(kind: .null, position: YAMLPosition(file: nil, line: 1, column: 1)), path: "", context: .process))
                .error("\(what) \"\(name)\" is used twice")
        }
    }
}

/// Collection interval bounds shared by every collector: 1 s to 1 h.
let intervalRange: ClosedRange<Duration> = .seconds(1)...(.seconds(3_600))
