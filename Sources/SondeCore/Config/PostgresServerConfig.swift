public struct PostgresServerConfig: Sendable, Equatable {
    public var name: String
    public var dsn: String
    /// The parsed `dsn`.
    public var parsedDSN: PostgresDSN
    public var password: Secret?
    public var interval: Duration = .seconds(10)
    /// The server cancels any sonde query running longer (`statement_timeout` of its session).
    public var statementTimeout: Duration = .seconds(5)
    /// How many of the largest tables get vacuum and dead-tuple metrics.
    public var topTables = 10
    /// How many statements (by total time) get `pg_stat_statements` metrics, when it is installed.
    public var topStatements = 10

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["name", "dsn", "password", "interval", "statement_timeout", "top_tables", "top_statements"])
        guard let nameNode = keys["name"], let dsnNode = keys["dsn"] else { throw node.error("a postgres entry needs name and dsn") }
        name = try nameNode.text()
        dsn = try dsnNode.text()
        do {
            parsedDSN = try PostgresDSN(dsn)
        } catch {
            throw dsnNode.error(error.message)
        }
        password = try keys["password"].map { (value) throws(ParseError) in Secret(try value.text()) }
        if let value = keys["interval"] { interval = try value.duration(in: intervalRange) }
        if let value = keys["statement_timeout"] { statementTimeout = try value.duration(in: .milliseconds(100)...(.seconds(60))) }
        if let value = keys["top_tables"] { topTables = try value.int(in: 0...1000) }
        if let value = keys["top_statements"] { topStatements = try value.int(in: 0...1000) }
    }
}
