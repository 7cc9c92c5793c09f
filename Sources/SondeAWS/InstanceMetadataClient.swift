import SondeCore
import SondeNet

/// The EC2 instance metadata service, IMDSv2 only: a session token from `PUT /latest/api/token`, then
/// GETs under `/latest/meta-data/` that carry it. It never falls back to IMDSv1's unauthenticated
/// GETs, and requests never go through a proxy (the service is link-local). The instance identity
/// and the instance role's credentials both read it through this client.
///
/// Use it only on EC2 (see `InstanceIdentity.looksLikeEC2`): off EC2, 169.254.169.254 is someone
/// else's address.
public struct InstanceMetadataClient: Sendable {
    public static let defaultEndpoint = "http://169.254.169.254"
    /// The header asking for a session token, and the one carrying it.
    public static let tokenTTLHeader = "X-aws-ec2-metadata-token-ttl-seconds"
    public static let tokenHeader = "X-aws-ec2-metadata-token"

    /// `http://169.254.169.254`, or `http://[fd00:ec2::254]` on IPv6-only subnets.
    public let endpoint: String
    private let client: HTTPClient
    private let timeout: Duration

    /// - Parameter timeout: for each request.
    public init(client: HTTPClient, endpoint: String = defaultEndpoint, timeout: Duration) {
        self.client = client
        self.endpoint = endpoint
        self.timeout = timeout
    }

    /// A session token that stays valid for `lifetime` (whole seconds, 1 s to 6 h, as the service
    /// allows).
    public func sessionToken(lifetime: Duration) async throws(InstanceMetadataError) -> String {
        let seconds = min(max(lifetime.inSeconds, 1), 21_600)
        let request = HTTPRequest(
            method: "PUT", url: endpoint + "/latest/api/token", headers: [(Self.tokenTTLHeader, "\(Int64(seconds))")],
            timeout: timeout, proxy: HTTPProxy.none)
        let token = try await send(request).trimmingASCIIWhitespace
        guard !token.isEmpty else { throw InstanceMetadataError(.emptyToken) }
        return token
    }

    /// The text at `/latest/meta-data/PATH` (`instance-id`, `iam/security-credentials/`),
    /// without surrounding whitespace.
    public func metadata(_ path: String, token: String) async throws(InstanceMetadataError) -> String {
        let request = HTTPRequest(
            url: endpoint + "/latest/meta-data/" + path, headers: [(Self.tokenHeader, token)],
            timeout: timeout, proxy: HTTPProxy.none)
        return try await send(request).trimmingASCIIWhitespace
    }

    private func send(_ request: HTTPRequest) async throws(InstanceMetadataError) -> String {
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            throw InstanceMetadataError(.unreachable, cause: error)
        }
        guard response.status == 200 else { throw InstanceMetadataError(.status(response.status)) }
        return response.text
    }
}

/// Why the metadata service gave no answer.
public struct InstanceMetadataError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No HTTP response at all: refused, timed out, reset (see `cause`).
        case unreachable
        /// A response other than 200: 401 for a missing or stale token, 403 when IMDS is turned
        /// off for the instance, 404 for a path it does not have.
        case status(Int)
        /// A 200 to the token PUT with nothing in it.
        case emptyToken
    }

    public let kind: Kind
    public let cause: HTTPError?

    init(_ kind: Kind, cause: HTTPError? = nil) {
        self.kind = kind
        self.cause = cause
    }

    /// The HTTP status, when there was a response.
    public var status: Int? {
        if case .status(let status) = kind { return status }
        return nil
    }

    public var description: String {
        switch kind {
        case .unreachable: return cause?.message ?? "no response"
        case .status(let status): return "HTTP \(status)"
        case .emptyToken: return "an empty session token"
        }
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace.
    var trimmingASCIIWhitespace: String {
        var bytes = Substring(self).utf8[...]
        while let first = bytes.first, first == 32 || first == 9 || first == 10 || first == 13 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 32 || last == 9 || last == 10 || last == 13 { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
