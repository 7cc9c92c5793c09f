#if canImport(Glibc)
import Glibc
#endif

/// A YAML node on its way into the configuration model: it knows its key path
/// (`collectors.process.groups[2].match.cmdline`), so every error names file, line, column and key.
///
/// Scalars go through `${ENV_VAR}` and `${file:/path}` substitution when read as values; a value
/// that came from a substitution is marked secret so `sonde check` never prints it.
struct ConfigNode {
    let node: YAMLNode
    let path: String
    let context: ConfigContext

    func error(_ message: String) -> ParseError {
        node.position.error(path.isEmpty ? message : "\(path): \(message)")
    }

    func child(_ key: String, _ value: YAMLNode) -> ConfigNode {
        ConfigNode(node: value, path: path.isEmpty ? key : "\(path).\(key)", context: context)
    }

    /// The entries of a mapping; a key outside `allowed` is an error (typos must not pass silently).
    func mapping(allowed: [String]) throws(ParseError) -> [String: ConfigNode] {
        if node.isNull { return [:] }
        guard let entries = node.mapping else { throw error("expected a mapping, found \(node.summary)") }
        var result: [String: ConfigNode] = [:]
        for entry in entries {
            guard allowed.contains(entry.key) else {
                let key = path.isEmpty ? entry.key : "\(path).\(entry.key)"
                throw entry.keyPosition.error("\(key): unknown key; expected one of: \(allowed.joined(separator: ", "))")
            }
            result[entry.key] = child(entry.key, entry.value)
        }
        return result
    }

    func list() throws(ParseError) -> [ConfigNode] {
        if node.isNull { return [] }
        guard let items = node.sequence else { throw error("expected a list, found \(node.summary)") }
        return items.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", context: context) }
    }

    /// The scalar's text after substitution; `secret` says whether a substitution supplied it.
    func string() throws(ParseError) -> (value: String, secret: Bool) {
        guard let raw = node.scalar, !node.isNull else { throw error("expected a value, found \(node.summary)") }
        return try context.substitute(raw, at: self)
    }

    func text() throws(ParseError) -> String { try string().value }

    func bool() throws(ParseError) -> Bool {
        switch try text() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("expected true or false, found \"\(other)\"")
        }
    }

    func int(in range: ClosedRange<Int>) throws(ParseError) -> Int {
        let value = try text()
        guard let number = Int(value) else { throw error("expected a whole number, found \"\(value)\"") }
        guard range.contains(number) else { throw error("\(number) is out of range \(range.lowerBound)...\(range.upperBound)") }
        return number
    }

    func double() throws(ParseError) -> Double {
        let value = try text()
        guard let number = Double(value), number.isFinite else { throw error("expected a number, found \"\(value)\"") }
        return number
    }

    /// A duration in milliseconds (`10s`, `5m`, `1h30m`), within `range`.
    func duration(in range: ClosedRange<Int64>) throws(ParseError) -> Int64 {
        let value = try text()
        let milliseconds: Int64
        do {
            milliseconds = try DurationParser.parse(value)
        } catch {
            throw self.error("invalid duration \"\(value)\": \(error.message)")
        }
        guard range.contains(milliseconds) else {
            throw self.error("\(value) is out of range \(DurationParser.format(range.lowerBound))...\(DurationParser.format(range.upperBound))")
        }
        return milliseconds
    }

    /// A duration (`10s`, `5m`, `1h30m`) in whole milliseconds, within `range`; errors as the
    /// milliseconds variant words them.
    func duration(in range: ClosedRange<Duration>) throws(ParseError) -> Duration {
        .milliseconds(try duration(in: range.lowerBound.inMilliseconds...range.upperBound.inMilliseconds))
    }

    /// A size in bytes (`256MiB`, `1GiB`, plain bytes), within `range`.
    func bytes(in range: ClosedRange<Int64>) throws(ParseError) -> Int64 {
        let value = try text()
        let bytes: Int64
        do {
            bytes = try ByteSize.parse(value)
        } catch {
            throw self.error("invalid size \"\(value)\": \(error.message)")
        }
        guard range.contains(bytes) else {
            throw self.error("\(value) is out of range \(ByteSize.format(range.lowerBound))...\(ByteSize.format(range.upperBound))")
        }
        return bytes
    }

    /// A `host:port` listen address; `[::1]:8125` for IPv6.
    func listenAddress() throws(ParseError) -> ListenAddress {
        let value = try text()
        guard let address = ListenAddress(value) else {
            throw error("expected host:port (e.g. 127.0.0.1:8125 or [::1]:8125), found \"\(value)\"")
        }
        return address
    }

    /// A regular expression, compiled once here so a bad one is reported with its position.
    /// An endpoint: http:// or https://, a host, no user info, query, fragment or spaces.
    func httpURL() throws(ParseError) -> String {
        let url = try text()
        let rest = url.hasPrefix("https://") ? url.dropFirst(8) : url.hasPrefix("http://") ? url.dropFirst(7) : nil
        guard let rest, let host = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first, !host.isEmpty,
            !host.contains("@"), !url.contains("?"), !url.contains("#"), url.utf8.allSatisfy({ $0 > 32 && $0 < 127 })
        else { throw error("expected an http:// or https:// URL without user info, query or spaces, found \"\(url)\"") }
        return url
    }

    func regex() throws(ParseError) -> String {
        let pattern = try text()
        do {
            _ = try Regex(pattern)
        } catch {
            throw self.error("invalid regular expression: \(error)")
        }
        return pattern
    }
}

/// Where substitutions come from; tests pass their own.
struct ConfigContext: Sendable {
    var environment: [String: String]
    var readFile: @Sendable (String) throws -> String

    /// Replaces `${NAME}` with the environment variable and `${file:/path}` with the file's content
    /// (one trailing newline dropped). A missing variable or unreadable file is an error.
    func substitute(_ raw: String, at node: ConfigNode) throws(ParseError) -> (value: String, secret: Bool) {
        guard raw.contains("${") else { return (raw, false) }
        var out = ""
        var rest = Substring(raw)
        var secret = false
        while let open = rest.firstRange(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw node.error("unterminated \"${\" in \"\(raw)\"")
            }
            let name = String(rest[open.upperBound..<close])
            if name.hasPrefix("file:") {
                let path = String(name.dropFirst(5))
                do {
                    var content = try readFile(path)
                    if content.hasSuffix("\n") { content.removeLast() }
                    out += content
                } catch {
                    throw node.error("cannot read \(path) for ${file:…}: \(error)")
                }
            } else {
                guard !name.isEmpty, let value = environment[name] else {
                    throw node.error("environment variable \(name.isEmpty ? "(empty name)" : name) is not set")
                }
                out += value
            }
            secret = true
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return (out, secret)
    }

    static var process: ConfigContext {
        ConfigContext(environment: ProcessEnvironment.current(), readFile: ConfigContext.readWholeFile)
    }

    static func readWholeFile(_ path: String) throws -> String {
        try TextFile.read(path)
    }
}

/// A parsed `host:port`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65_535).contains(port) else { return nil }
        host = String(hostPart)
        self.port = port
    }

    /// Only loopback addresses (127.0.0.0/8, ::1, localhost) count as local.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Reads a configuration-sized file (configuration, rule files, time zone data): at most 16 MiB.
public enum TextFile {
    public static func read(_ path: String) throws(SondeError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    public static func readBytes(_ path: String) throws(SondeError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw SondeError(.io, "\(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            if bytes.count > 16 << 20 { throw SondeError(.limit, "larger than 16 MiB") }
        }
        return bytes
    }
}
