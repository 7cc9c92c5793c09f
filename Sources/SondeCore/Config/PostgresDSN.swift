/// A PostgreSQL connection string, in either of libpq's two forms:
/// - a URI, `postgresql://[user[:password]@][host][:port][,host[:port]…][/dbname][?key=value&…]`;
/// - keyword/value pairs, `host=db.internal port=5432 user=sonde dbname=app sslmode=verify-full`.
///
/// sonde checks it when the configuration is read, so a mistake is reported at its line; libpq then
/// connects with the text as written (`PQconnectdbParams` with `expand_dbname`), so everything
/// `psql` does applies: defaults from the `PG*` environment variables, `~/.pgpass` and
/// `PGPASSFILE`, `service=` with service files, several hosts, every `ssl*` keyword.
public struct PostgresDSN: Sendable, Equatable {
    /// libpq's `sslmode` values.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// The connection string as written; what libpq reads.
    public let text: String
    /// The keywords it sets, decoded, in the order written (a later one wins, as in libpq).
    public let parameters: [(key: String, value: String)]
    /// Where passwords stand in `text`, so they can be left out of logs and renderings.
    private let passwordRanges: [Range<String.Index>]
    /// What stands in for a password: quoted in the keyword form, where libpq lets the next
    /// keyword follow a closing quote directly (`password='x'dbname=app`).
    private let redactionMark: String

    public struct Invalid: Error, Sendable, Equatable {
        public var message: String
    }

    /// Every keyword libpq 15 and 16 know. A keyword outside this list is refused, so a typo is not
    /// silently ignored; one that only libpq 16 knows is refused by an older libpq when connecting.
    public static let knownParameters = [
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding", "connect_timeout",
        "client_encoding", "options", "application_name", "fallback_application_name", "keepalives", "keepalives_idle",
        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "sslmode", "requiressl", "sslcompression", "sslcert",
        "sslkey", "sslpassword", "sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
        "require_auth", "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode", "krbsrvname", "gsslib",
        "gssdelegation", "service", "target_session_attrs", "load_balance_hosts",
    ]

    /// Keywords whose values libpq takes from a fixed set.
    static let allowedValues: [String: [String]] = [
        "sslmode": SSLMode.allCases.map(\.rawValue),
        "channel_binding": ["disable", "prefer", "require"],
        "gssencmode": ["disable", "prefer", "require"],
        "target_session_attrs": ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"],
        "load_balance_hosts": ["disable", "random"],
        "sslcertmode": ["disable", "allow", "require"],
        "ssl_min_protocol_version": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        "ssl_max_protocol_version": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
    ]

    public init(_ text: String) throws(Invalid) {
        self.text = text
        var parsed = Parsed()
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            try Self.parseURI(text, into: &parsed)
            redactionMark = "<redacted>"
        } else if text.contains("=") {
            try Self.parseKeywords(text, into: &parsed)
            redactionMark = "'<redacted>'"
        } else {
            throw Invalid(message: "expected a postgres:// URL or keyword=value pairs")
        }
        parameters = parsed.parameters
        passwordRanges = parsed.passwordRanges
        try check()
    }

    public static func == (lhs: PostgresDSN, rhs: PostgresDSN) -> Bool { lhs.text == rhs.text }

    /// The last value given for a keyword (libpq's rule), nil when the string does not set it.
    public func value(_ key: String) -> String? { parameters.last { $0.key == key }?.value }

    public var user: String? { value("user") }
    public var password: String? { value("password") }
    public var service: String? { value("service") }
    /// The hosts in order (host names, IP addresses, or Unix socket directories starting with `/`).
    public var hosts: [String] { value("host").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? [] }
    /// The first host, nil for libpq's default (`PGHOST`, else the Unix socket).
    public var host: String? { hosts.first.flatMap { $0.isEmpty ? nil : $0 } }
    /// The first port, 5432 when none is given.
    public var port: Int { value("port").flatMap { Int($0.split(separator: ",").first ?? "") } ?? 5432 }
    /// The database; libpq's default is the user's name.
    public var database: String? { value("dbname") ?? user }
    /// `prefer` unless set; `verify-full` with `sslrootcert=system`, as libpq 16 does.
    public var sslMode: SSLMode {
        if let mode = value("sslmode").flatMap(SSLMode.init(rawValue:)) { return mode }
        return sslRootCert == "system" ? .verifyFull : .prefer
    }
    /// The CA bundle for verify-ca / verify-full, `system` for the system's trust store.
    public var sslRootCert: String? { value("sslrootcert") }
    public var connectTimeoutSeconds: Int? { value("connect_timeout").flatMap { Int($0) } }

    /// The connection string as written with every password replaced by `<redacted>` (quoted in the
    /// keyword form), for logs,
    /// `sonde check` and the rendered configuration.
    public var redacted: String {
        var result = ""
        var start = text.startIndex
        for range in passwordRanges {
            result += text[start..<range.lowerBound]
            result += redactionMark
            start = range.upperBound
        }
        return result + text[start...]
    }

    // MARK: - Checks

    private func check() throws(Invalid) {
        for (key, value) in parameters {
            guard Self.knownParameters.contains(key) else {
                throw Invalid(message: "unknown parameter \"\(key)\"; expected one of: \(Self.knownParameters.joined(separator: ", "))")
            }
            if let allowed = Self.allowedValues[key], !allowed.contains(value) {
                throw Invalid(message: "\(key): expected one of \(allowed.joined(separator: ", "))")
            }
            switch key {
            case "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout":
                guard let number = Int(value), number >= 0 else { throw Invalid(message: "\(key): expected whole seconds") }
            case "keepalives", "sslcompression", "sslsni", "requiressl":
                guard value == "0" || value == "1" else { throw Invalid(message: "\(key): expected 0 or 1") }
            default:
                break
            }
        }
        let hostCount = max(hosts.count, value("hostaddr").map { $0.split(separator: ",", omittingEmptySubsequences: false).count } ?? 0)
        if let ports = value("port") {
            let list = ports.split(separator: ",", omittingEmptySubsequences: false)
            for port in list where !port.isEmpty {
                guard let number = Int(port), (1...65_535).contains(number) else { throw Invalid(message: "invalid port \"\(port)\"") }
            }
            if list.count > 1, list.count != hostCount {
                throw Invalid(message: "\(list.count) ports for \(hostCount) hosts; give one port, or one per host")
            }
        }
        if sslRootCert == "system", sslMode != .verifyFull {
            throw Invalid(message: "sslrootcert=system needs sslmode=verify-full (its default), as libpq 16 requires")
        }
    }

    // MARK: - Parsing

    private struct Parsed {
        var parameters: [(key: String, value: String)] = []
        var passwordRanges: [Range<String.Index>] = []

        mutating func add(_ key: String, _ value: String, at range: Range<String.Index>) {
            parameters.append((key, value))
            if key == "password" { passwordRanges.append(range) }
        }
    }

    /// `postgresql://[userspec@][hostspec][/dbname][?paramspec]`, each part percent-decoded.
    private static func parseURI(_ text: String, into parsed: inout Parsed) throws(Invalid) {
        let schemeEnd = text.firstRange(of: "://")!.upperBound
        let queryStart = text[schemeEnd...].firstIndex(of: "?") ?? text.endIndex
        let pathStart = text[schemeEnd..<queryStart].firstIndex(of: "/") ?? queryStart
        let authority = schemeEnd..<pathStart
        var hostStart = authority.lowerBound
        if let at = text[authority].lastIndex(of: "@") {
            let userInfo = authority.lowerBound..<at
            if let colon = text[userInfo].firstIndex(of: ":") {
                parsed.add("user", try decode(text[userInfo.lowerBound..<colon], "user"), at: userInfo.lowerBound..<colon)
                let passwordRange = text.index(after: colon)..<at
                parsed.add("password", try decode(text[passwordRange], "password"), at: passwordRange)
            } else if !userInfo.isEmpty {
                parsed.add("user", try decode(text[userInfo], "user"), at: userInfo)
            }
            hostStart = text.index(after: at)
        }
        let hostSpec = text[hostStart..<pathStart]
        if !hostSpec.isEmpty {
            var hosts: [String] = []
            var ports: [String] = []
            for entry in hostSpec.split(separator: ",", omittingEmptySubsequences: false) {
                var host: Substring
                var port: Substring = ""
                if entry.hasPrefix("[") {
                    guard let close = entry.firstIndex(of: "]") else { throw Invalid(message: "unterminated [ in the host") }
                    host = entry[entry.index(after: entry.startIndex)..<close]
                    let after = entry[entry.index(after: close)...]
                    if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty { throw Invalid(message: "unexpected text after the host") }
                } else if let colon = entry.firstIndex(of: ":") {
                    host = entry[..<colon]
                    port = entry[entry.index(after: colon)...]
                } else {
                    host = entry
                }
                hosts.append(try decode(host, "host"))
                ports.append(try decode(port, "port"))
            }
            let range = hostStart..<pathStart
            if hosts.contains(where: { !$0.isEmpty }) { parsed.add("host", hosts.joined(separator: ","), at: range) }
            if ports.contains(where: { !$0.isEmpty }) { parsed.add("port", ports.joined(separator: ","), at: range) }
        }
        if pathStart < queryStart {
            let range = text.index(after: pathStart)..<queryStart
            let database = try decode(text[range], "database")
            if !database.isEmpty { parsed.add("dbname", database, at: range) }
        }
        guard queryStart < text.endIndex else { return }
        var pairStart = text.index(after: queryStart)
        while pairStart < text.endIndex {
            let pairEnd = text[pairStart...].firstIndex(of: "&") ?? text.endIndex
            let pair = text[pairStart..<pairEnd]
            if !pair.isEmpty {
                guard let equals = pair.firstIndex(of: "=") else { throw Invalid(message: "\"\(pair)\": expected key=value") }
                let key = try decode(pair[..<equals], "parameter name")
                let valueRange = pair.index(after: equals)..<pairEnd
                guard !text[valueRange].contains("=") else { throw Invalid(message: "\(key): a second \"=\" in the value; write it as %3D") }
                // libpq's URI spelling of `requiressl`-era booleans: `ssl=true` means sslmode=require.
                if key == "ssl" {
                    guard text[valueRange] == "true" else { throw Invalid(message: "ssl: expected true") }
                    parsed.add("sslmode", "require", at: valueRange)
                } else {
                    parsed.add(key, try decode(text[valueRange], key), at: valueRange)
                }
            }
            pairStart = pairEnd < text.endIndex ? text.index(after: pairEnd) : pairEnd
        }
    }

    /// `key = value` pairs separated by white space; a value may be single-quoted, with `\'` and
    /// `\\` inside quotes or out.
    private static func parseKeywords(_ text: String, into parsed: inout Parsed) throws(Invalid) {
        var index = text.startIndex
        func skipSpaces() {
            while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
        }
        while true {
            skipSpaces()
            guard index < text.endIndex else { return }
            let keyStart = index
            while index < text.endIndex, text[index] != "=", !text[index].isWhitespace { index = text.index(after: index) }
            let key = String(text[keyStart..<index])
            skipSpaces()
            guard index < text.endIndex, text[index] == "=" else { throw Invalid(message: "\"\(key)\": expected key=value") }
            index = text.index(after: index)
            skipSpaces()
            let valueStart = index
            var value = ""
            if index < text.endIndex, text[index] == "'" {
                index = text.index(after: index)
                var closed = false
                while index < text.endIndex {
                    let character = text[index]
                    index = text.index(after: index)
                    if character == "'" {
                        closed = true
                        break
                    }
                    if character == "\\", index < text.endIndex {
                        value.append(text[index])
                        index = text.index(after: index)
                    } else {
                        value.append(character)
                    }
                }
                guard closed else { throw Invalid(message: "\(key): unterminated quoted value") }
            } else {
                while index < text.endIndex, !text[index].isWhitespace {
                    if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
                    value.append(text[index])
                    index = text.index(after: index)
                }
            }
            parsed.add(key, value, at: valueStart..<index)
        }
    }

    static func decode(_ text: Substring, _ what: String) throws(Invalid) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex, utf8.index(after: first) < utf8.endIndex,
                    let high = Hex.digitValue(utf8[first]), let low = Hex.digitValue(utf8[utf8.index(after: first)])
                else { throw Invalid(message: "\(what): invalid percent-escape") }
                bytes.append(high << 4 | low)
                index = utf8.index(first, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw Invalid(message: "\(what): not UTF-8 after decoding") }
        return decoded
    }
}
