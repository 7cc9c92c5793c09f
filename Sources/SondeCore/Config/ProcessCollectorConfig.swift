public struct ProcessCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var interval: Duration = .seconds(10)
    /// Empty: the embedded default groups (gunicorn, postgres, nginx, sonde).
    public var groups: [ProcessGroupConfig] = []

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval", "groups"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { interval = try value.duration(in: intervalRange) }
        if let value = keys["groups"] { groups = try value.list().map { (item) throws(ParseError) in try ProcessGroupConfig(item) } }
    }
}

public struct ProcessGroupConfig: Sendable, Equatable {
    public var name: String
    public var comm: String?
    public var exe: String?
    public var cmdline: String?
    public var user: String?
    public var pidfile: String?
    public var systemdUnit: String?

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["name", "match"])
        guard let nameNode = keys["name"] else { throw node.error("a process group needs a name") }
        name = try nameNode.text()
        guard let match = keys["match"] else { throw node.error("process group \"\(name)\" needs a match (comm, exe, cmdline, user, pidfile or systemd_unit)") }
        let rules = try match.mapping(allowed: ["comm", "exe", "cmdline", "user", "pidfile", "systemd_unit"])
        guard !rules.isEmpty else { throw match.error("expected at least one of comm, exe, cmdline, user, pidfile, systemd_unit") }
        comm = try rules["comm"]?.regex()
        exe = try rules["exe"]?.regex()
        cmdline = try rules["cmdline"]?.regex()
        user = try rules["user"]?.text()
        pidfile = try rules["pidfile"]?.text()
        systemdUnit = try rules["systemd_unit"]?.text()
    }
}
