import SondeCore

/// An access key pair, with a session token for temporary credentials (instance roles, SSO, STS).
///
/// The secret and the token are `Secret`s: printing a credentials value (or interpolating it into a
/// log line or an error) shows the access key id and where the key came from, never the secret.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: Secret
    public var sessionToken: Secret?
    /// When temporary credentials stop working, in milliseconds since the epoch; nil for long-term keys.
    public var expiration: Int64?
    /// Where they came from (`environment`, `shared-credentials-file (profile default)`,
    /// `instance-role (name)`), for log lines.
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Int64? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = Secret(secretAccessKey)
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : Secret($0) }
        self.expiration = expiration
        self.source = source
    }

    public var description: String { "\(accessKeyID) from \(source)" }
}

/// Something that hands out credentials: a fixed pair, the environment, the shared files, the
/// instance role, or a chain of these.
public protocol AWSCredentialsProvider: Sendable {
    /// Current credentials; temporary ones are refreshed before they expire.
    ///
    /// - Throws: `AWSError` of kind `.credentials` naming what was tried.
    func credentials() async throws(AWSError) -> AWSCredentials
}

/// Credentials given as values (a configuration file, a test): always the same pair.
public struct StaticCredentialsProvider: AWSCredentialsProvider {
    public let value: AWSCredentials

    public init(_ value: AWSCredentials) { self.value = value }

    public func credentials() async throws(AWSError) -> AWSCredentials { value }
}
