import SondeAWS
import SondeCore
import SondeNet

/// Publishes SNS notifications over the query protocol (`Version=2010-03-31`, SigV4 service
/// `sns`): the entry's body as `Message`, its fields as the other parameters.
///
/// The region is `sigv4.region`, else the topic's (or target's) ARN's, else `AWS_REGION` and the
/// rest of `AWSRegion`, else the instance's own; the endpoint `api_url`, else SNS's for the region. Keys are `sigv4`'s
/// access and secret key, else its `profile` from the shared files, else sonde's credentials chain.
public struct SNSSender: Sendable {
    public static let apiVersion = "2010-03-31"
    public let client: AWSQueryClient

    /// - Throws: no region could be found, or `role_arn` (sonde does not assume roles).
    public init(
        config: AlertmanagerConfig.SNSConfig, credentials: any AWSCredentialsProvider, environment: [String: String], instanceRegion: String? = nil,
        http: HTTPClient
    ) throws(SondeError) {
        if config.sigv4.roleARN != nil {
            throw SondeError(.unsupported, "sns_configs: sigv4.role_arn is not supported (sonde does not assume roles); give the instance role SNS publish rights, or access_key and secret_key")
        }
        let arnRegion = (config.topicARN ?? config.targetARN).flatMap(Self.region(ofARN:))
        guard let region = AWSRegion.resolve(configured: config.sigv4.region ?? arnRegion, environment: environment, fallback: instanceRegion) else {
            throw SondeError(.invalidArgument, "sns_configs: no region: set sigv4.region, use a topic ARN, or set AWS_REGION")
        }
        let keys: any AWSCredentialsProvider
        if let accessKey = config.sigv4.accessKey, let secretKey = config.sigv4.secretKey {
            keys = StaticCredentialsProvider(AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey.value, source: "sns_configs sigv4"))
        } else if let profile = config.sigv4.profile {
            var profileEnvironment = environment
            profileEnvironment["AWS_PROFILE"] = profile
            keys = AWSCredentialsChain(sources: [SharedFilesCredentialsSource(environment: profileEnvironment)])
        } else {
            keys = credentials
        }
        let endpoint = config.apiURL ?? "https://sns.\(region).amazonaws.com"
        // No retries here: the outbox retries, with its own backoff, and keeps the entry meanwhile.
        client = AWSQueryClient(endpoint: endpoint, service: "sns", region: region, version: Self.apiVersion, credentials: keys, http: http, retry: .none)
    }

    /// `arn:aws:sns:REGION:ACCOUNT:NAME` → REGION.
    static func region(ofARN arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 6, parts[0] == "arn", !parts[3].isEmpty else { return nil }
        return String(parts[3])
    }

    public func send(_ entry: NotificationOutbox.Entry) async -> DeliveryOutcome {
        let parameters = entry.fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [("Message", String(decoding: entry.body, as: UTF8.self))]
        do {
            _ = try await client.call("Publish", parameters)
            return .delivered
        } catch {
            return Self.outcome(error)
        }
    }

    static func outcome(_ error: AWSError) -> DeliveryOutcome {
        switch error.kind {
        // Accepted, whatever the body said.
        case .response: return .delivered
        // Credentials come back (an instance role being renewed, a file fixed): keep the entry.
        case .credentials: return .retry(reason: "credentials")
        default:
            if error.retryable { return .retry(reason: error.code ?? error.status.map { "http_\($0)" } ?? error.kind.description) }
            return .rejected(reason: error.code ?? error.status.map { "http_\($0)" } ?? error.kind.description, detail: error.message)
        }
    }
}
