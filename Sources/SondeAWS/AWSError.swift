import SondeNet

/// Why an AWS call failed: a `kind` to branch on, AWS's own error code and message when the service
/// sent one, the HTTP status, and whether a retry may help.
///
/// The message names the action and the endpoint (never credentials, signatures or tokens), and
/// leaves out AWS's request id, so the same failure twice reads the same: the collector runner logs
/// a failure again only when its text changes.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Extensible: compare against the static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No response: DNS, connection, TLS, timeout (`cause` has the HTTP client's error).
        public static let transport = Kind("transport")
        /// The service answered with an error status (`code` and `status` say which).
        public static let service = Kind("service")
        /// A 2xx whose body could not be read as the expected XML.
        public static let response = Kind("response")
        /// No credentials could be found, or the source that had them failed.
        public static let credentials = Kind("credentials")
        /// The call itself is unusable (a malformed endpoint, say).
        public static let invalidRequest = Kind("invalidRequest")
    }

    public var kind: Kind
    /// AWS's error code (`Throttling`, `InvalidClientTokenId`, `AccessDenied`…), when it sent one.
    public var code: String?
    /// The HTTP status, when there was a response.
    public var status: Int?
    public var message: String
    /// Whether `RetryPolicy` retries this error.
    public var retryable: Bool
    public var cause: HTTPError?

    public init(kind: Kind, code: String? = nil, status: Int? = nil, message: String, retryable: Bool = false, cause: HTTPError? = nil) {
        self.kind = kind
        self.code = code
        self.status = status
        self.message = message
        self.retryable = retryable
        self.cause = cause
    }

    public var description: String { message }
}

/// The error body of an AWS query-protocol response.
public struct AWSErrorResponse: Sendable, Equatable {
    public var code: String
    public var message: String
    /// `Sender` or `Receiver`, when given.
    public var type: String?
    public var requestID: String?

    public init(code: String, message: String, type: String? = nil, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.type = type
        self.requestID = requestID
    }

    /// Reads `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
    /// (the query protocol's shape), and also `<ErrorResponse><Errors><Error>` (moto's, for
    /// authorization failures), EC2's `<Response><Errors><Error>…` and a bare `<Error>` (S3's). Nil when the body is not XML or has no error code.
    public static func parse(_ body: [UInt8]) -> AWSErrorResponse? {
        guard let root = try? XMLReader.parse(body, limits: XMLReader.Limits(maxDepth: 16, maxElements: 10_000)) else { return nil }
        let error: XMLElement?
        switch root.name {
        case "ErrorResponse": error = root.child("Error") ?? root.path("Errors", "Error")
        case "Response": error = root.path("Errors", "Error")
        case "Error": error = root
        default: error = nil
        }
        guard let error, let code = error.child("Code")?.trimmedText, !code.isEmpty else { return nil }
        let requestID = root.child("RequestId")?.trimmedText ?? root.child("RequestID")?.trimmedText ?? error.child("RequestId")?.trimmedText
        return AWSErrorResponse(
            code: code, message: error.child("Message")?.trimmedText ?? "", type: error.child("Type")?.trimmedText, requestID: requestID)
    }
}
