/// sonde's configuration: what `sonde run --config FILE` reads, what `sonde check` prints.
/// The shape is the user-facing contract of ../shared/ARCHITECTURE.md; every section has defaults,
/// so an empty file (or none: the embedded defaults) gives a working loopback-only agent.
public struct SondeConfig: Sendable, Equatable {
    public var storage = StorageConfig()
    public var api = APIConfig()
    public var collectors = CollectorsConfig()
    public var rules = RulesConfig()
    public var notify = NotifyConfig()
    public var ship = ShipConfig()

    public init() {}

    /// The configuration used without `--config`: every default, loopback only.
    public static let embeddedDefaults = """
        # sonde's built-in configuration (used when no --config is given).
        storage:
          max_bytes: 256MiB
          max_series: 50000
          flush_interval: 1s
        api:
          listen: 127.0.0.1:9733
        collectors:
          host: {interval: 10s}
          process: {interval: 10s}
          statsd: {listen: 127.0.0.1:8125}
        """

    /// Parses and validates configuration text. `file` names it in errors.
    public static func parse(_ text: String, file: String?) throws(ParseError) -> SondeConfig {
        try parse(text, file: file, context: .process)
    }

    static func parse(_ text: String, file: String?, context: ConfigContext) throws(ParseError) -> SondeConfig {
        let root = ConfigNode(node: try YAMLParser.parse(text, file: file), path: "", context: context)
        var config = SondeConfig()
        let sections = try root.mapping(allowed: ["storage", "api", "collectors", "rules", "notify", "ship"])
        if let storage = sections["storage"] { config.storage = try StorageConfig(storage) }
        if let api = sections["api"] { config.api = try APIConfig(api) }
        if let collectors = sections["collectors"] { config.collectors = try CollectorsConfig(collectors) }
        if let rules = sections["rules"] { config.rules = try RulesConfig(rules) }
        if let notify = sections["notify"] { config.notify = try NotifyConfig(notify) }
        if let ship = sections["ship"] { config.ship = try ShipConfig(ship) }
        return config
    }

    /// Reads and parses a file; nil path means the embedded defaults.
    public static func load(path: String?) throws -> SondeConfig {
        guard let path else { return try parse(embeddedDefaults, file: "(embedded defaults)") }
        let text: String
        do {
            text = try ConfigContext.readWholeFile(path)
        } catch {
            throw SondeError(.io, "cannot read configuration \(path): \(error)")
        }
        return try parse(text, file: path)
    }
}
