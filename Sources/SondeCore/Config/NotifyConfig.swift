/// `notify:`: where alerts go. The receivers, routes, inhibition and time intervals are
/// Alertmanager's own configuration format, either in a file (`config_file`, an existing
/// `alertmanager.yml`) or written inline under `notify:`; SondeNotify reads them. The other keys
/// are sonde's: how long and how much the durable outbox keeps.
public struct NotifyConfig: Sendable, Equatable {
    public var configFile: String?
    /// The inline Alertmanager keys, as a mapping; nil when there are none.
    public var inline: YAMLNode?
    /// Notifications not delivered within this are dropped and counted.
    public var maxAge: Duration = .seconds(24 * 3600)
    public var outboxMaxBytes: Int64 = 64 << 20
    /// The URL notifications link back to (`externalURL` in the webhook body); default
    /// `http://` and `api.listen`.
    public var externalURL: String?

    public var isConfigured: Bool { configFile != nil || inline != nil }

    static let alertmanagerKeys = ["global", "route", "inhibit_rules", "receivers", "templates", "time_intervals", "mute_time_intervals"]

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["config_file", "max_age", "outbox_max_bytes", "external_url"] + Self.alertmanagerKeys)
        if let value = keys["config_file"] { configFile = try value.text() }
        if let value = keys["max_age"] { maxAge = try value.duration(in: .seconds(60)...(.seconds(30 * 86_400))) }
        if let value = keys["outbox_max_bytes"] { outboxMaxBytes = try value.bytes(in: (1 << 20)...(16 << 30)) }
        if let value = keys["external_url"] { externalURL = try value.text() }
        let entries = node.node.mapping?.filter { Self.alertmanagerKeys.contains($0.key) } ?? []
        if !entries.isEmpty {
            if configFile != nil { throw node.error("give config_file or the Alertmanager keys inline, not both") }
            inline = YAMLNode(kind: .mapping(entries), position: node.node.position)
        }
    }
}
