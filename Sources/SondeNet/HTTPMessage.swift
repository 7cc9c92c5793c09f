/// An HTTP request as sonde's client sends it (probes, AWS APIs, webhooks, the EC2 metadata service).
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whole-request timeout, connection included (below a millisecond counts as one).
    public var timeout: Duration
    /// Overrides the client's proxy setting for this request; nil uses the client's. The EC2
    /// metadata service, for one, must never be asked through a proxy.
    public var proxy: HTTPProxy?
    /// Per-request settings that override or add to the client's.
    public var options: Options

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(10),
        proxy: HTTPProxy? = nil, options: Options = Options()
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.proxy = proxy
        self.options = options
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.timeout == rhs.timeout && lhs.proxy == rhs.proxy
            && lhs.options == rhs.options
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    /// Which address family to connect over when a name resolves to both.
    public enum IPVersion: String, Sendable, Equatable {
        case any, v4, v6
    }

    /// TLS settings of one request. Verification stays on unless `insecure` says otherwise.
    public struct TLS: Sendable, Equatable {
        /// A PEM file of CA certificates to trust instead of the client's (or the system's) bundle.
        public var caFile: String?
        /// A PEM client certificate (and its key, when not in the same file) for mutual TLS.
        public var clientCertificateFile: String?
        public var clientKeyFile: String?
        /// Skips peer and host-name verification: the handshake still happens, nothing is checked.
        public var insecure: Bool

        public init(caFile: String? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil, insecure: Bool = false) {
            self.caFile = caFile
            self.clientCertificateFile = clientCertificateFile
            self.clientKeyFile = clientKeyFile
            self.insecure = insecure
        }
    }

    /// What a probe needs beyond a plain exchange; every default is the plain client's behaviour.
    public struct Options: Sendable, Equatable {
        /// Overrides the client's `followRedirects` / `maxRedirects` when set.
        public var followRedirects: Bool?
        public var maxRedirects: Int?
        public var ipVersion: IPVersion
        public var tls: TLS
        /// A new connection and a new DNS lookup, as if no earlier request had happened: what a probe
        /// measures. Otherwise connections and lookups are reused between requests.
        public var freshConnection: Bool
        /// Collects the peer's certificate chain (`HTTPTransferInfo.earliestCertificateExpiry`).
        public var certificateInfo: Bool
        /// Sends `Accept-Encoding` with what libcurl can decode (gzip, deflate…) and decodes the
        /// body; `HTTPResponse.body` is then the decoded body.
        public var acceptCompressed: Bool
        /// Connects (DNS, TCP) and stops: no request is sent. `HTTPClient.connect` sets it.
        var connectOnly = false

        public init(
            followRedirects: Bool? = nil, maxRedirects: Int? = nil, ipVersion: IPVersion = .any, tls: TLS = TLS(), freshConnection: Bool = false,
            certificateInfo: Bool = false, acceptCompressed: Bool = true
        ) {
            self.followRedirects = followRedirects
            self.maxRedirects = maxRedirects
            self.ipVersion = ipVersion
            self.tls = tls
            self.freshConnection = freshConnection
            self.certificateInfo = certificateInfo
            self.acceptCompressed = acceptCompressed
        }
    }
}

/// What came back: status, headers (names lowercased), body.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    /// How the exchange went: timings, versions, redirects, certificates.
    public var info: HTTPTransferInfo

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], info: HTTPTransferInfo = HTTPTransferInfo()) {
        self.status = status
        self.headers = headers
        self.body = body
        self.info = info
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}
