/// Why an HTTP exchange produced no response: a `kind` to branch on, the request's URL with any
/// credentials removed, and a message for people.
///
/// A response with any status (404, 500, …) is not an error: `HTTPClient.send` returns it. The URL
/// in `url` and `message` has no user-info and no query string (presigned AWS URLs and many webhook
/// URLs carry their secret there); a secret in the path itself (say a Slack webhook's) is the
/// caller's to keep out of logs.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Extensible: compare against the static members, do not switch exhaustively.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The host (or the proxy) name did not resolve.
        public static let dns = Kind("dns")
        /// No TCP connection: refused, unreachable, or reset while connecting.
        public static let connect = Kind("connect")
        /// The request's timeout (or the connect timeout) ran out.
        public static let timeout = Kind("timeout")
        /// TLS handshake or certificate verification failed.
        public static let tls = Kind("tls")
        /// The response body exceeded the client's `maxResponseBodyBytes`.
        public static let tooLarge = Kind("tooLarge")
        /// The calling task was cancelled.
        public static let cancelled = Kind("cancelled")
        /// The request itself is unusable (malformed URL, unsupported scheme, CR or LF in a header).
        public static let invalidRequest = Kind("invalidRequest")
        /// Anything else (protocol errors, a connection closed mid-response, too many redirects…).
        public static let other = Kind("other")
    }

    public var kind: Kind
    /// The request's URL without user-info, query or fragment.
    public var url: String
    /// What happened, naming the method and `url`.
    public var message: String
    /// libcurl's `CURLcode` when the error came from libcurl.
    public var curlCode: Int?

    public init(kind: Kind, url: String, message: String, curlCode: Int? = nil) {
        self.kind = kind
        self.url = url
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String { message }
}

extension HTTPRequest {
    /// `url` safe to log: `scheme://host[:port]/path` with user-info (`user:password@`), the query
    /// string and the fragment removed. A removed query shows as `?…`.
    public var redactedURL: String { Self.redact(url: url) }

    static func redact(url: String) -> String {
        var bytes = Array(url.utf8)
        var hadQuery = false
        if let cut = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            hadQuery = bytes[cut] == UInt8(ascii: "?")
            bytes.removeSubrange(cut...)
        }
        // The authority starts after "//" (after the scheme) and ends at the first "/".
        var authorityStart = 0
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes.count > colon + 2,
            bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        {
            authorityStart = colon + 3
        }
        let authorityEnd = bytes[authorityStart...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
        if let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) {
            bytes.removeSubrange(authorityStart...at)
        }
        return String(decoding: bytes, as: UTF8.self) + (hadQuery ? "?…" : "")
    }
}
