/// An HTTP request as sonde's client sends it (probes, AWS APIs, webhooks, the EC2 metadata service).
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whole-request timeout, connection included (values below 1 count as 1).
    public var timeoutMilliseconds: Int64
    /// Overrides the client's proxy setting for this request; nil uses the client's. The EC2
    /// metadata service, for one, must never be asked through a proxy.
    public var proxy: HTTPProxy?

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeoutMilliseconds: Int64 = 10_000,
        proxy: HTTPProxy? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
        self.proxy = proxy
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.timeoutMilliseconds == rhs.timeoutMilliseconds && lhs.proxy == rhs.proxy
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// What came back: status, headers (names lowercased), body.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}
