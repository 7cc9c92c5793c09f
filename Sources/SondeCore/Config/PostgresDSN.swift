/// A PostgreSQL connection URL, as libpq reads it:
/// `postgres://user[:password]@host[:port]/database?sslmode=verify-full&sslrootcert=/etc/ssl/rds.pem`.
///
/// Parsed when the configuration is read, so a bad one is reported at its line. Percent-escapes are
/// decoded in the user, password and database; an IPv6 host is written in brackets.
public struct PostgresDSN: Sendable, Equatable {
    /// libpq's `sslmode` values.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// CA bundle for verify-ca / verify-full (`sslrootcert`); nil for the system's trust store.
    public var sslRootCert: String?
    /// `connect_timeout`, seconds.
    public var connectTimeoutSeconds: Int?

    /// Query parameters understood; others are refused, so a typo is not silently ignored.
    public static let knownParameters = ["sslmode", "sslrootcert", "connect_timeout", "application_name"]

    public struct Invalid: Error, Sendable, Equatable {
        public var message: String
    }

    public init(_ text: String) throws(Invalid) {
        let scheme: String
        if text.hasPrefix("postgres://") {
            scheme = "postgres://"
        } else if text.hasPrefix("postgresql://") {
            scheme = "postgresql://"
        } else {
            throw Invalid(message: "expected a postgres:// URL")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest
        var userInfo: Substring?
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
        }
        guard let userInfo, !userInfo.isEmpty else { throw Invalid(message: "the URL needs a user (postgres://USER@HOST/DB)") }
        if let colon = userInfo.firstIndex(of: ":") {
            user = try Self.decode(userInfo[..<colon], "user")
            password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
        } else {
            user = try Self.decode(userInfo, "user")
            password = nil
        }
        guard !user.isEmpty else { throw Invalid(message: "the URL needs a user (postgres://USER@HOST/DB)") }

        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Invalid(message: "unterminated [ in the host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw Invalid(message: "unexpected text after the host") }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw Invalid(message: "the URL needs a host") }
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else { throw Invalid(message: "invalid port \"\(portText)\"") }
            port = number
        } else {
            port = 5432
        }
        let decodedPath = try Self.decode(path, "database")
        database = decodedPath.isEmpty ? user : decodedPath

        sslMode = .prefer
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1], key) : ""
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw Invalid(message: "sslmode: expected one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                sslRootCert = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw Invalid(message: "connect_timeout: expected whole seconds") }
                connectTimeoutSeconds = seconds
            case "application_name":
                break  // sonde always names itself `sonde`
            default:
                throw Invalid(message: "unknown parameter \"\(key)\"; expected one of: \(Self.knownParameters.joined(separator: ", "))")
            }
        }
    }

    /// The URL with the password left out, for logs and `sonde check`.
    public var redacted: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostPart):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
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
