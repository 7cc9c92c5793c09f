/// sonde's configuration: what `sonde run --config FILE` reads, what `sonde check` prints.
/// The shape is the user-facing contract of ../shared/ARCHITECTURE.md; every section has defaults,
/// so an empty file (or none: the embedded defaults) gives a working loopback-only agent.
public struct SondeConfig: Sendable, Equatable {
    public var storage = StorageConfig()
    public var api = APIConfig()
    public var collectors = CollectorsConfig()
    public var rules = RulesConfig()

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
        let sections = try root.mapping(allowed: ["storage", "api", "collectors", "rules"])
        if let storage = sections["storage"] { config.storage = try StorageConfig(storage) }
        if let api = sections["api"] { config.api = try APIConfig(api) }
        if let collectors = sections["collectors"] { config.collectors = try CollectorsConfig(collectors) }
        if let rules = sections["rules"] { config.rules = try RulesConfig(rules) }
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

public struct StorageConfig: Sendable, Equatable {
    public var maxBytes: Int64 = 256 << 20
    public var maxSeries = 50_000
    public var flushIntervalMilliseconds: Int64 = 1_000
    /// Shares of the budget per tier (raw, 1m, 1h); normalised by the store.
    public var tierShares: [String: Double] = ["raw": 0.6, "1m": 0.25, "1h": 0.15]

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["max_bytes", "max_series", "flush_interval", "tier_shares"])
        if let value = keys["max_bytes"] { maxBytes = try value.bytes(in: (1 << 20)...(1 << 50)) }
        if let value = keys["max_series"] { maxSeries = try value.int(in: 1...10_000_000) }
        if let value = keys["flush_interval"] { flushIntervalMilliseconds = try value.duration(in: 100...60_000) }
        if let value = keys["tier_shares"] {
            let shares = try value.mapping(allowed: ["raw", "1m", "1h"])
            for (tier, share) in shares {
                let number = try share.double()
                guard number >= 0 else { throw share.error("a share must not be negative") }
                tierShares[tier] = number
            }
            guard tierShares.values.contains(where: { $0 > 0 }) else { throw value.error("at least one tier needs a share above 0") }
        }
    }
}

public struct APIConfig: Sendable, Equatable {
    public var listen = ListenAddress("127.0.0.1:9733")
    public var tokenFile: String?

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["listen", "token_file"])
        if let value = keys["listen"] { listen = try value.listenAddress() }
        if let value = keys["token_file"] { tokenFile = try value.text() }
        if let listen, !listen.isLoopback, tokenFile == nil {
            throw (keys["listen"] ?? node).error("listening on \(listen) (not loopback) requires api.token_file")
        }
    }
}

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
let intervalRange: ClosedRange<Int64> = 1_000...3_600_000

public struct HostCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var intervalMilliseconds: Int64 = 10_000

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { intervalMilliseconds = try value.duration(in: intervalRange) }
    }
}

public struct ProcessCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var intervalMilliseconds: Int64 = 10_000
    /// Empty: the embedded default groups (gunicorn, postgres, nginx, sonde).
    public var groups: [ProcessGroupConfig] = []

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval", "groups"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { intervalMilliseconds = try value.duration(in: intervalRange) }
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

public struct SystemdCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var intervalMilliseconds: Int64 = 10_000
    /// nil: every unit whose process group is watched.
    public var units: [String]?

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval", "units"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { intervalMilliseconds = try value.duration(in: intervalRange) }
        if let value = keys["units"], !value.node.isNull {
            units = try value.list().map { (item) throws(ParseError) in
                let unit = try item.text()
                guard unit.contains(".") else { throw item.error("expected a unit name with its type, such as myapp.service") }
                return unit
            }
        }
    }
}

public struct StatsDCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var listen = ListenAddress("127.0.0.1:8125")
    public var unixSocket: String?
    public var quantiles: [Double] = [0.5, 0.9, 0.99]
    public var maxSeries = 10_000

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "listen", "unix_socket", "quantiles", "max_series"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["listen"] { listen = try value.listenAddress() }
        if let value = keys["unix_socket"] { unixSocket = try value.text() }
        if let value = keys["quantiles"] {
            quantiles = try value.list().map { (item) throws(ParseError) in
                let quantile = try item.double()
                guard quantile > 0 && quantile < 1 else { throw item.error("a quantile must be between 0 and 1 (exclusive)") }
                return quantile
            }
        }
        if let value = keys["max_series"] { maxSeries = try value.int(in: 1...1_000_000) }
    }
}

public struct GunicornAppConfig: Sendable, Equatable {
    /// Where to begin a log file seen for the first time (no saved position).
    public enum StartAt: String, Sendable, Equatable {
        /// Read it whole: its lines land at their own times (the default).
        case beginning
        /// Only lines written from now on.
        case end
    }

    /// A user route: `pattern` segments are literal or `*` (one segment); `route` is the label value.
    public struct RoutePattern: Sendable, Equatable {
        public var pattern: String
        public var route: String
    }

    public var app: String
    public var accessLog: String?
    public var errorLog: String?
    /// Gunicorn `access_log_format`, `combined` (nginx) or `json`; nil for Gunicorn's default.
    public var format: String?
    /// Where `format` was written, so a bad format is reported at its line and column.
    public var formatPosition: YAMLPosition?
    public var intervalMilliseconds: Int64 = 1_000
    /// Request-duration histogram bounds in seconds, ascending; nil for the default buckets.
    public var durationBuckets: [Double]?
    public var maxRoutes = 100
    public var routes: [RoutePattern] = []
    public var maxLineBytes: Int64 = 64 * 1024
    public var startAt = StartAt.beginning
    public var rotateWaitMilliseconds: Int64 = 5_000

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: [
            "app", "access_log", "error_log", "format", "interval", "duration_buckets", "max_routes", "routes",
            "max_line_length", "start_at", "rotate_wait",
        ])
        guard let appNode = keys["app"] else { throw node.error("a gunicorn entry needs an app name") }
        app = try appNode.text()
        // The name is a label value and part of a file name in the data directory.
        guard !app.isEmpty, app.utf8.count <= 64,
            app.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) }),
            app != ".", app != ".."
        else { throw appNode.error("an app name is 1 to 64 letters, digits, '_', '-' or '.'") }
        accessLog = try keys["access_log"]?.text()
        errorLog = try keys["error_log"]?.text()
        if let value = keys["format"] {
            format = try value.text()
            var position = value.node.position
            if case .scalar(_, quoted: true) = value.node.kind { position.column += 1 }
            formatPosition = position
        }
        if let value = keys["interval"] { intervalMilliseconds = try value.duration(in: intervalRange) }
        if let value = keys["duration_buckets"] {
            let items = try value.list()
            var bounds: [Double] = []
            for item in items {
                let bound = try item.double()
                guard bound > 0 else { throw item.error("a bucket bound must be above 0 seconds") }
                guard bounds.last.map({ bound > $0 }) ?? true else { throw item.error("bucket bounds must be in ascending order") }
                bounds.append(bound)
            }
            guard !bounds.isEmpty, bounds.count <= 40 else { throw value.error("expected 1 to 40 bucket bounds (seconds)") }
            durationBuckets = bounds
        }
        if let value = keys["max_routes"] { maxRoutes = try value.int(in: 1...10_000) }
        if let value = keys["routes"] {
            routes = try value.list().map { (item) throws(ParseError) in
                let entry = try item.mapping(allowed: ["pattern", "route"])
                guard let pattern = entry["pattern"], let route = entry["route"] else { throw item.error("a route needs pattern and route") }
                let patternText = try pattern.text()
                guard patternText.hasPrefix("/") else { throw pattern.error("a route pattern starts with '/' (e.g. /api/*/users/*)") }
                let routeText = try route.text()
                guard !routeText.isEmpty else { throw route.error("expected a route label value") }
                return RoutePattern(pattern: patternText, route: routeText)
            }
        }
        if let value = keys["max_line_length"] { maxLineBytes = try value.bytes(in: 256...(16 << 20)) }
        if let value = keys["start_at"] {
            let text = try value.text()
            guard let start = StartAt(rawValue: text) else { throw value.error("expected beginning or end, found \"\(text)\"") }
            startAt = start
        }
        if let value = keys["rotate_wait"] { rotateWaitMilliseconds = try value.duration(in: 0...600_000) }
        guard accessLog != nil || errorLog != nil else { throw node.error("gunicorn app \"\(app)\" needs access_log or error_log") }
    }
}

public struct PostgresServerConfig: Sendable, Equatable {
    public var name: String
    public var dsn: String
    /// The parsed `dsn`.
    public var parsedDSN: PostgresDSN
    public var password: Secret?
    public var intervalMilliseconds: Int64 = 10_000
    /// The server cancels any sonde query running longer (`statement_timeout` of its session).
    public var statementTimeoutMilliseconds: Int64 = 5_000
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
        if let value = keys["interval"] { intervalMilliseconds = try value.duration(in: intervalRange) }
        if let value = keys["statement_timeout"] { statementTimeoutMilliseconds = try value.duration(in: 100...60_000) }
        if let value = keys["top_tables"] { topTables = try value.int(in: 0...1000) }
        if let value = keys["top_statements"] { topStatements = try value.int(in: 0...1000) }
    }
}

/// One HTTP(S) or TCP target checked on its own schedule (docs/probes.md).
public struct ProbeConfig: Sendable, Equatable {
    public enum IPVersion: String, Sendable, Equatable {
        case any
        case v4 = "4"
        case v6 = "6"
    }

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        /// Came from a `${…}` substitution, or is a credential header: never printed.
        public var secret: Bool
    }

    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var clientCert: String?
        public var clientKey: String?
        public var insecure = false
    }

    /// The `probe` label and, as `probe:NAME`, the collector's name.
    public var name: String
    public var url: String
    public var intervalMilliseconds: Int64 = 30_000
    /// Below the interval; by default 90 % of it, at most 10 s.
    public var timeoutMilliseconds: Int64
    public var method = "GET"
    public var headers: [Header] = []
    public var body: String?
    /// Statuses that count as success; empty means any 2xx.
    public var expectStatus: [Int] = []
    public var bodyMustMatch: [String] = []
    public var bodyMustNotMatch: [String] = []
    public var followRedirects = true
    public var maxRedirects = 10
    public var ipVersion = IPVersion.any
    public var tls = TLS()

    public var isTCP: Bool { url.hasPrefix("tcp://") }

    static let keys = [
        "name", "url", "interval", "timeout", "method", "headers", "body", "expect_status", "body_must_match", "body_must_not_match",
        "follow_redirects", "max_redirects", "ip_version", "tls",
    ]
    /// Keys that describe an HTTP exchange, refused for `tcp://` targets.
    static let httpOnlyKeys: Set<String> = [
        "method", "headers", "body", "expect_status", "body_must_match", "body_must_not_match", "follow_redirects", "max_redirects", "tls",
    ]

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: Self.keys)
        guard let nameNode = keys["name"], let urlNode = keys["url"] else { throw node.error("a probe needs name and url") }
        name = try nameNode.text()
        guard !name.isEmpty, name.utf8.count <= 64,
            name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) })
        else { throw nameNode.error("a probe name is 1 to 64 letters, digits, '_', '-' or '.'") }
        url = try urlNode.text()
        guard url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("tcp://") else {
            throw urlNode.error("expected an http://, https:// or tcp:// URL")
        }
        if url.hasPrefix("tcp://") {
            guard TCPTarget(url) != nil else { throw urlNode.error("expected tcp://host:port (a name, an IPv4 address or [IPv6]), found \"\(url)\"") }
            if let key = keys.keys.sorted().first(where: Self.httpOnlyKeys.contains), let value = keys[key] {
                throw value.error("does not apply to a tcp:// probe")
            }
        }
        if let value = keys["interval"] { intervalMilliseconds = try value.duration(in: intervalRange) }
        if let value = keys["timeout"] {
            timeoutMilliseconds = try value.duration(in: 100...60_000)
            guard timeoutMilliseconds < intervalMilliseconds else {
                throw value.error("the timeout must be below the interval (\(DurationParser.format(intervalMilliseconds)))")
            }
        } else {
            timeoutMilliseconds = min(10_000, intervalMilliseconds * 9 / 10)
        }
        if let value = keys["method"] {
            method = try value.text()
            guard !method.isEmpty, method.utf8.allSatisfy({ (65...90).contains($0) }) else { throw value.error("expected an HTTP method in capitals (GET, POST…)") }
        }
        if let value = keys["headers"] {
            guard let entries = value.node.mapping else { throw value.error("expected a mapping of header names to values") }
            for entry in entries {
                let child = value.child(entry.key, entry.value)
                guard !entry.key.isEmpty, entry.key.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_".unicodeScalars.contains($0)) }) else {
                    throw child.error("a header name is letters, digits, '-' and '_'")
                }
                let (text, substituted) = try child.string()
                guard !text.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) else { throw child.error("a header value cannot contain a line break") }
                let credential = ["authorization", "proxy-authorization", "cookie"].contains(entry.key.lowercased())
                headers.append(Header(name: entry.key, value: text, secret: substituted || credential))
            }
        }
        if let value = keys["body"] { body = try value.text() }
        if let value = keys["expect_status"] {
            expectStatus = try value.list().map { (item) throws(ParseError) in try item.int(in: 100...599) }
        }
        if let value = keys["body_must_match"] { bodyMustMatch = try value.list().map { (item) throws(ParseError) in try item.regex() } }
        if let value = keys["body_must_not_match"] { bodyMustNotMatch = try value.list().map { (item) throws(ParseError) in try item.regex() } }
        if let value = keys["follow_redirects"] { followRedirects = try value.bool() }
        if let value = keys["max_redirects"] { maxRedirects = try value.int(in: 0...30) }
        if let value = keys["ip_version"] {
            let text = try value.text()
            guard let version = IPVersion(rawValue: text) else { throw value.error("expected 4, 6 or any, found \"\(text)\"") }
            ipVersion = version
        }
        if let value = keys["tls"] {
            let entries = try value.mapping(allowed: ["ca_file", "client_cert", "client_key", "insecure"])
            tls.caFile = try entries["ca_file"]?.text()
            tls.clientCert = try entries["client_cert"]?.text()
            tls.clientKey = try entries["client_key"]?.text()
            if let insecure = entries["insecure"] { tls.insecure = try insecure.bool() }
            if tls.clientKey != nil && tls.clientCert == nil { throw value.error("client_key needs client_cert") }
            if !url.hasPrefix("https://") { throw value.error("tls applies to https:// probes only") }
        }
    }
}

/// The host and port of a `tcp://host:port` probe URL.
public struct TCPTarget: Sendable, Equatable {
    /// A name, an IPv4 address, or an IPv6 address in brackets (as a URL writes it).
    public var host: String
    public var port: Int

    public init?(_ url: String) {
        guard url.hasPrefix("tcp://") else { return nil }
        let authority = url.dropFirst("tcp://".count)
        guard let address = ListenAddress(String(authority.hasSuffix("/") ? authority.dropLast() : authority)), address.port > 0,
            address.host.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") })
        else { return nil }
        host = address.host.contains(":") ? "[\(address.host)]" : address.host
        port = address.port
    }
}

/// `collectors.billing`: the AWS bill from CloudWatch's `AWS/Billing` metrics (docs/billing.md).
public struct BillingConfig: Sendable, Equatable {
    public var enabled = false
    public var intervalMilliseconds: Int64 = 3_600_000
    /// CloudWatch's endpoint; billing metrics exist only in us-east-1, so only its endpoint (or a
    /// proxy or emulator of it) makes sense.
    public var endpoint = "https://monitoring.us-east-1.amazonaws.com"
    /// One `service` series per AWS service besides the total.
    public var perService = false

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval", "endpoint", "per_service"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { intervalMilliseconds = try value.duration(in: 60_000...86_400_000) }
        if let value = keys["endpoint"] {
            endpoint = try value.text()
            let rest = endpoint.hasPrefix("https://") ? endpoint.dropFirst(8) : endpoint.hasPrefix("http://") ? endpoint.dropFirst(7) : nil
            guard let rest, let host = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first, !host.isEmpty,
                !host.contains("@"), !endpoint.contains("?"), !endpoint.contains("#"),
                endpoint.utf8.allSatisfy({ $0 > 32 && $0 < 127 })
            else { throw value.error("expected an http:// or https:// URL without user info, query or spaces, found \"\(endpoint)\"") }
        }
        if let value = keys["per_service"] { perService = try value.bool() }
    }
}

public struct RulesConfig: Sendable, Equatable {
    public var files: [String] = []
    public var evaluationIntervalMilliseconds: Int64 = 10_000
    /// Saved alert states older than this are not restored at start (Prometheus'
    /// `--rules.alert.for-outage-tolerance`).
    public var outageToleranceMilliseconds: Int64 = 3_600_000

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["files", "evaluation_interval", "outage_tolerance"])
        if let value = keys["files"] { files = try value.list().map { (item) throws(ParseError) in try item.text() } }
        if let value = keys["evaluation_interval"] { evaluationIntervalMilliseconds = try value.duration(in: intervalRange) }
        if let value = keys["outage_tolerance"] { outageToleranceMilliseconds = try value.duration(in: 0...(7 * 86_400_000)) }
    }
}

/// A value that must never reach a log line or an API response.
public struct Secret: Sendable, Equatable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
}
