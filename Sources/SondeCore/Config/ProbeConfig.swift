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
    public var interval: Duration = .seconds(30)
    /// Below the interval; by default 90 % of it, at most 10 s.
    public var timeout: Duration
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
        if let value = keys["interval"] { interval = try value.duration(in: intervalRange) }
        if let value = keys["timeout"] {
            timeout = try value.duration(in: .milliseconds(100)...(.seconds(60)))
            guard timeout < interval else {
                throw value.error("the timeout must be below the interval (\(DurationParser.format(interval.inMilliseconds)))")
            }
        } else {
            // Whole milliseconds, as a configured timeout is.
            timeout = min(.seconds(10), .milliseconds(interval.inMilliseconds * 9 / 10))
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
