import SondeCore
import Logging
import SondeNet

/// The EC2 instance role's temporary credentials, from the instance metadata service with IMDSv2
/// only (`InstanceMetadataClient`): a session token, then with it the role name from
/// `GET /latest/meta-data/iam/security-credentials/` and the keys from `GET …/ROLE`.
///
/// The credentials are cached and fetched again `refreshMargin` before they expire (the
/// service hands out the next set well before that). If a refresh fails while the cached set is
/// still valid, the cached set is used and the failure logged; once expired, the failure is thrown.
/// Build one only on EC2 (the caller checks DMI first, see
/// `InstanceIdentity.looksLikeEC2`): off EC2, 169.254.169.254 is someone else's address.
public actor InstanceRoleCredentialsProvider: AWSCredentialsSource {
    public nonisolated var name: String { "instance role (EC2 metadata service)" }

    private let metadata: InstanceMetadataClient
    private let refreshMargin: Duration
    private var endpoint: String { metadata.endpoint }
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private var cached: AWSCredentials?

    public init(
        client: HTTPClient, endpoint: String = InstanceMetadataClient.defaultEndpoint, timeout: Duration = .seconds(2),
        refreshMargin: Duration = .seconds(10 * 60), now: @escaping @Sendable () -> Int64 = { SystemClock().wallMilliseconds },
        logger: Logger = Logger(label: "sonde.aws")
    ) {
        self.metadata = InstanceMetadataClient(client: client, endpoint: endpoint, timeout: timeout)
        self.refreshMargin = refreshMargin
        self.now = now
        self.logger = logger
    }

    public func resolve() async throws(AWSError) -> AWSCredentials? {
        let current = now()
        if let cached, let expiration = cached.expiration, current < expiration - refreshMargin.inMilliseconds { return cached }
        do {
            let fresh = try await fetch()
            cached = fresh
            logger.debug("instance role credentials fetched", metadata: [
                "aws.credentials": "\(fresh)", "aws.expiration": "\(fresh.expiration.map(AWSTimestamp.format(milliseconds:)) ?? "none")",
            ])
            return fresh
        } catch {
            if let cached, let expiration = cached.expiration, current < expiration {
                logger.warning("cannot refresh the instance role credentials; using the current ones until they expire", metadata: [
                    "error": "\(error)", "aws.expiration": "\(AWSTimestamp.format(milliseconds: expiration))",
                ])
                return cached
            }
            throw error
        }
    }

    private func fetch() async throws(AWSError) -> AWSCredentials {
        let token = try await ask("session token") { (imds) throws(InstanceMetadataError) in try await imds.sessionToken(lifetime: .seconds(21_600)) }
        let base = "iam/security-credentials/"
        let roles = try await ask("role name") { (imds) throws(InstanceMetadataError) in try await imds.metadata(base, token: token) }
        guard let role = roles.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map({ String($0).trimmingASCIIWhitespace }), !role.isEmpty,
            role.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
        else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint) lists no usable instance role (is a role attached to the instance?)")
        }
        let document = try await ask("credentials of role \(role)") { (imds) throws(InstanceMetadataError) in try await imds.metadata(base + role, token: token) }
        guard let fields = FlatJSON.stringFields(Array(document.utf8)) else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): the credentials of role \(role) are not a JSON object")
        }
        if let code = fields["Code"], code != "Success" {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): role \(role) credentials: \(code)")
        }
        guard let id = fields["AccessKeyId"], !id.isEmpty, let secret = fields["SecretAccessKey"], !secret.isEmpty else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): the credentials of role \(role) lack AccessKeyId or SecretAccessKey")
        }
        guard let expirationText = fields["Expiration"], let expiration = RFC3339.milliseconds(expirationText) else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): the credentials of role \(role) have no readable Expiration")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: fields["Token"], expiration: expiration, source: "instance role \(role)")
    }

    /// One request to the metadata service; its failure as a credentials error naming `what`.
    private func ask(
        _ what: String, _ request: (InstanceMetadataClient) async throws(InstanceMetadataError) -> String
    ) async throws(AWSError) -> String {
        do {
            return try await request(metadata)
        } catch {
            throw AWSError(kind: .credentials, status: error.status, message: "EC2 metadata service at \(endpoint): no \(what): \(error)", cause: error.cause)
        }
    }
}

/// The string members of a flat JSON object (`{"Code": "Success", "AccessKeyId": "…", …}`): what
/// the metadata service's credentials document is. Numbers, booleans and null are read and skipped;
/// a nested object or array, or anything malformed, gives nil.
enum FlatJSON {
    static func stringFields(_ bytes: [UInt8]) -> [String: String]? {
        var index = 0
        func skipSpace() {
            while index < bytes.count, bytes[index] == 32 || bytes[index] == 9 || bytes[index] == 10 || bytes[index] == 13 { index += 1 }
        }
        func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                    case UInt8(ascii: "n"): out.append(10)
                    case UInt8(ascii: "t"): out.append(9)
                    case UInt8(ascii: "r"): out.append(13)
                    case UInt8(ascii: "b"): out.append(8)
                    case UInt8(ascii: "f"): out.append(12)
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else { return nil }
                        index += 4
                        // Surrogates (characters outside the BMP) do not occur in credentials; refused.
                        guard let scalar = Unicode.Scalar(code) else { return nil }
                        out += Array(String(Character(scalar)).utf8)
                    default: return nil
                    }
                case 0..<32: return nil
                default: out.append(byte)
                }
            }
            return nil
        }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var fields: [String: String] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "\"") {
                    guard let value = string() else { return nil }
                    fields[key] = value
                } else {
                    let start = index
                    while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}") {
                        guard bytes[index] != UInt8(ascii: "{"), bytes[index] != UInt8(ascii: "[") else { return nil }
                        index += 1
                    }
                    guard index > start else { return nil }
                }
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "}") else { return nil }
                index += 1
                break
            }
        }
        skipSpace()
        return index == bytes.count ? fields : nil
    }
}

extension AWSCredentialsChain {
    /// The chain the agent uses: the standard one, with the instance role only `onEC2`.
    public static func standard(environment: [String: String], onEC2: Bool, logger: Logger) -> AWSCredentialsChain {
        standard(environment: environment, instanceRole: onEC2 ? InstanceRoleCredentialsProvider(client: HTTPClient(), logger: logger) : nil)
    }
}
