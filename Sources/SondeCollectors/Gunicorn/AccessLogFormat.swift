import SondeCore

/// One field of a Gunicorn `access_log_format`, named after the atom Gunicorn documents
/// (`%(h)s`, `%(t)s`, `%({x-request-id}i)s`, …).
public enum AccessLogAtom: Sendable, Hashable {
    /// `%(h)s` remote address.
    case remoteAddress
    /// `%(l)s` always `-`.
    case dash
    /// `%(u)s` user name.
    case user
    /// `%(t)s` date in Gunicorn's format, square brackets included: `[10/Oct/2000:13:55:36 -0700]`.
    case time
    /// `%(r)s` request line, `GET /path?q HTTP/1.1`.
    case requestLine
    /// `%(m)s` request method.
    case method
    /// `%(U)s` URL path without the query string.
    case urlPath
    /// `%(q)s` query string.
    case queryString
    /// `%(H)s` protocol.
    case httpProtocol
    /// `%(s)s` status.
    case status
    /// `%(B)s` response length.
    case responseLength
    /// `%(b)s` response length or `-`.
    case responseLengthOrDash
    /// `%(f)s` referer.
    case referer
    /// `%(a)s` user agent.
    case userAgent
    /// `%(T)s` request time in whole seconds.
    case durationSeconds
    /// `%(D)s` request time in microseconds.
    case durationMicroseconds
    /// `%(L)s` request time in decimal seconds (`0.012345`).
    case durationDecimalSeconds
    /// `%(M)s` request time in milliseconds.
    case durationMilliseconds
    /// `%(p)s` process id, `<12345>`.
    case processID
    /// `%({name}i)s` request header (name lower-cased, as Gunicorn looks it up).
    case requestHeader(String)
    /// `%({name}o)s` response header (name lower-cased).
    case responseHeader(String)
    /// `%({name}e)s` WSGI environment variable.
    case environment(String)

    /// The atom named `name` (the text between `%(` and `)s`), or nil when Gunicorn has no such atom.
    public init?(name: String) {
        switch name {
        case "h": self = .remoteAddress
        case "l": self = .dash
        case "u": self = .user
        case "t": self = .time
        case "r": self = .requestLine
        case "m": self = .method
        case "U": self = .urlPath
        case "q": self = .queryString
        case "H": self = .httpProtocol
        case "s": self = .status
        case "B": self = .responseLength
        case "b": self = .responseLengthOrDash
        case "f": self = .referer
        case "a": self = .userAgent
        case "T": self = .durationSeconds
        case "D": self = .durationMicroseconds
        case "L": self = .durationDecimalSeconds
        case "M": self = .durationMilliseconds
        case "p": self = .processID
        default:
            let u = Array(name.utf8)
            guard u.count >= 4, u[0] == UInt8(ascii: "{"), u[u.count - 2] == UInt8(ascii: "}") else { return nil }
            let inner = String(decoding: u[1..<(u.count - 2)], as: UTF8.self).lowercased()
            guard !inner.isEmpty, !inner.utf8.contains(UInt8(ascii: "{")), !inner.utf8.contains(UInt8(ascii: "}")) else { return nil }
            switch u[u.count - 1] {
            case UInt8(ascii: "i"): self = .requestHeader(inner)
            case UInt8(ascii: "o"): self = .responseHeader(inner)
            case UInt8(ascii: "e"): self = .environment(inner)
            default: return nil
            }
        }
    }

    /// True for the four request-time atoms (`T`, `D`, `L`, `M`).
    public var isDuration: Bool {
        switch self {
        case .durationSeconds, .durationMicroseconds, .durationDecimalSeconds, .durationMilliseconds: return true
        default: return false
        }
    }
}

/// A compiled access-log format: literal bytes and atoms, in line order.
///
/// Compiles Gunicorn's `access_log_format` (Python `%`-style with named atoms, `%%` for a literal
/// percent sign). Only the `s` conversion Gunicorn documents is accepted; width/precision flags are
/// rejected rather than guessed. It does not compile nginx `log_format` strings: nginx `combined`
/// is available as the ``nginxCombined`` preset.
public struct AccessLogFormat: Sendable, Equatable {
    /// One piece of the format.
    public enum Element: Sendable, Equatable {
        case literal([UInt8])
        case atom(AccessLogAtom)
    }

    /// How the parser finds the end of an atom's value.
    enum Terminator: Sendable, Equatable {
        /// The value sits between double quotes: scan to the first unescaped `"`.
        case quote
        /// `[`…`]` (the `%(t)s` atom).
        case bracket
        /// Scan to the first occurrence of the next literal.
        case literal
        /// Runs to the end of the line.
        case end
        /// Followed directly by another atom: scan to the next space.
        case space
    }

    enum Step: Sendable, Equatable {
        case literal([UInt8])
        case atom(AccessLogAtom, Terminator)
    }

    /// The pieces, in order; adjacent literals are merged.
    public let elements: [Element]
    /// The source format string.
    public let source: String
    let steps: [Step]

    /// Gunicorn's default `access_log_format`.
    public static let gunicornDefaultString = #"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s""#

    /// Gunicorn's default format, compiled.
    public static let gunicornDefault: AccessLogFormat = AccessLogFormat(uncheckedElements: [
        .atom(.remoteAddress), .literal([0x20]), .atom(.dash), .literal([0x20]), .atom(.user), .literal([0x20]),
        .atom(.time), .literal(Array(#" ""#.utf8)), .atom(.requestLine), .literal(Array(#"" "#.utf8)), .atom(.status),
        .literal([0x20]), .atom(.responseLengthOrDash), .literal(Array(#" ""#.utf8)), .atom(.referer),
        .literal(Array(#"" ""#.utf8)), .atom(.userAgent), .literal(Array(#"""#.utf8)),
    ], source: gunicornDefaultString)

    /// nginx's predefined `combined` format:
    /// `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`.
    /// Its fields line up with Gunicorn's default atoms (`[$time_local]` is what `%(t)s` prints).
    public static let nginxCombined: AccessLogFormat = AccessLogFormat(
        uncheckedElements: gunicornDefault.elements,
        source: #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#)

    /// Compiles `format`. An unknown atom, a `%` not followed by `(` or `%`, an unterminated `%(`
    /// or a conversion other than `s` is a `ParseError` whose column (in bytes, from 1) points at the `%`.
    public init(_ format: String, file: String? = nil, line: Int = 1) throws(ParseError) {
        let bytes = Array(format.utf8)
        var elements: [Element] = []
        var literal: [UInt8] = []
        var i = 0
        func fail(_ at: Int, _ message: String) -> ParseError {
            ParseError(file: file, line: line, column: at + 1, message: message)
        }
        while i < bytes.count {
            let b = bytes[i]
            if b != UInt8(ascii: "%") {
                literal.append(b)
                i += 1
                continue
            }
            guard i + 1 < bytes.count else { throw fail(i, "access_log_format: '%' at end of format") }
            if bytes[i + 1] == UInt8(ascii: "%") {
                literal.append(b)
                i += 2
                continue
            }
            guard bytes[i + 1] == UInt8(ascii: "(") else {
                throw fail(i, "access_log_format: expected '(' or '%' after '%'")
            }
            var close = i + 2
            while close < bytes.count, bytes[close] != UInt8(ascii: ")") { close += 1 }
            guard close < bytes.count else { throw fail(i, "access_log_format: unterminated '%('") }
            let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
            guard close + 1 < bytes.count else {
                throw fail(i, "access_log_format: missing conversion after '%(\(name))'")
            }
            guard bytes[close + 1] == UInt8(ascii: "s") else {
                throw fail(i, "access_log_format: unsupported conversion in '%(\(name))', only 's' is supported")
            }
            guard let atom = AccessLogAtom(name: name) else {
                throw fail(i, "access_log_format: unknown atom '%(\(name))s'")
            }
            if !literal.isEmpty {
                elements.append(.literal(literal))
                literal = []
            }
            elements.append(.atom(atom))
            i = close + 2
        }
        if !literal.isEmpty { elements.append(.literal(literal)) }
        self.init(uncheckedElements: elements, source: format)
    }

    /// Builds a format from elements (adjacent literals are merged).
    public init(elements: [Element]) {
        var text = ""
        for e in elements {
            switch e {
            case .literal(let l): text += String(decoding: l, as: UTF8.self).replacingPercent()
            case .atom(let a): text += "%(\(a.name))s"
            }
        }
        self.init(uncheckedElements: elements, source: text)
    }

    init(uncheckedElements raw: [Element], source: String) {
        var merged: [Element] = []
        for e in raw {
            if case .literal(let l) = e {
                if l.isEmpty { continue }
                if case .literal(let prev)? = merged.last {
                    merged[merged.count - 1] = .literal(prev + l)
                    continue
                }
            }
            merged.append(e)
        }
        self.elements = merged
        self.source = source
        var steps: [Step] = []
        for (i, e) in merged.enumerated() {
            switch e {
            case .literal(let l):
                steps.append(.literal(l))
            case .atom(let atom):
                var prevQuote = false
                if i > 0, case .literal(let p) = merged[i - 1], p.last == UInt8(ascii: "\"") { prevQuote = true }
                var terminator: Terminator
                if i + 1 < merged.count {
                    if case .literal(let n) = merged[i + 1] {
                        terminator = (prevQuote && n.first == UInt8(ascii: "\"")) ? .quote : .literal
                    } else {
                        terminator = .space
                    }
                } else {
                    terminator = .end
                }
                if atom == .time { terminator = .bracket }
                steps.append(.atom(atom, terminator))
            }
        }
        self.steps = steps
    }

    /// True when the format carries a request time (`T`, `D`, `L` or `M`).
    public var hasDuration: Bool {
        elements.contains { if case .atom(let a) = $0 { return a.isDuration } else { return false } }
    }
}

extension AccessLogAtom {
    /// The name between `%(` and `)s`.
    public var name: String {
        switch self {
        case .remoteAddress: return "h"
        case .dash: return "l"
        case .user: return "u"
        case .time: return "t"
        case .requestLine: return "r"
        case .method: return "m"
        case .urlPath: return "U"
        case .queryString: return "q"
        case .httpProtocol: return "H"
        case .status: return "s"
        case .responseLength: return "B"
        case .responseLengthOrDash: return "b"
        case .referer: return "f"
        case .userAgent: return "a"
        case .durationSeconds: return "T"
        case .durationMicroseconds: return "D"
        case .durationDecimalSeconds: return "L"
        case .durationMilliseconds: return "M"
        case .processID: return "p"
        case .requestHeader(let h): return "{\(h)}i"
        case .responseHeader(let h): return "{\(h)}o"
        case .environment(let v): return "{\(v)}e"
        }
    }
}

extension String {
    fileprivate func replacingPercent() -> String {
        var out = ""
        for c in self { if c == "%" { out += "%%" } else { out.append(c) } }
        return out
    }
}
