import SondeCore
import Logging
import SondeNet

/// The EC2 instance role's temporary credentials, from the instance metadata service with IMDSv2
/// only: a session token from `PUT /latest/api/token`, then with it the role name from
/// `GET /latest/meta-data/iam/security-credentials/` and the keys from `GET …/ROLE`.
///
/// The credentials are cached and fetched again `refreshMarginMilliseconds` before they expire (the
/// service hands out the next set well before that). If a refresh fails while the cached set is
/// still valid, the cached set is used and the failure logged; once expired, the failure is thrown.
/// Requests never go through a proxy. Build one only on EC2 (the caller checks DMI first, see
/// `InstanceIdentity.looksLikeEC2`): off EC2, 169.254.169.254 is someone else's address.
public actor InstanceRoleCredentialsProvider: AWSCredentialsSource {
    public nonisolated var name: String { "instance role (EC2 metadata service)" }

    private let client: HTTPClient
    private let endpoint: String
    private let timeoutMilliseconds: Int64
    private let refreshMarginMilliseconds: Int64
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private var cached: AWSCredentials?

    public init(
        client: HTTPClient, endpoint: String = "http://169.254.169.254", timeoutMilliseconds: Int64 = 2_000,
        refreshMarginMilliseconds: Int64 = 10 * 60_000, now: @escaping @Sendable () -> Int64 = { SystemClock().wallMilliseconds },
        logger: Logger = Logger(label: "sonde.aws")
    ) {
        self.client = client
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        self.refreshMarginMilliseconds = refreshMarginMilliseconds
        self.now = now
        self.logger = logger
    }

    public func resolve() async throws(AWSError) -> AWSCredentials? {
        let current = now()
        if let cached, let expiration = cached.expiration, current < expiration - refreshMarginMilliseconds { return cached }
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
        let tokenResponse = try await send(HTTPRequest(
            method: "PUT", url: endpoint + "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
            timeoutMilliseconds: timeoutMilliseconds, proxy: HTTPProxy.none), what: "session token")
        let token = tokenResponse.text.trimmingCharacters
        guard !token.isEmpty else { throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint) sent an empty session token") }
        let base = endpoint + "/latest/meta-data/iam/security-credentials/"
        let roles = try await send(HTTPRequest(url: base, headers: [("X-aws-ec2-metadata-token", token)], timeoutMilliseconds: timeoutMilliseconds, proxy: HTTPProxy.none), what: "role name")
        guard let role = roles.text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map({ String($0).trimmingCharacters }), !role.isEmpty,
            role.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
        else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint) lists no usable instance role (is a role attached to the instance?)")
        }
        let document = try await send(HTTPRequest(url: base + role, headers: [("X-aws-ec2-metadata-token", token)], timeoutMilliseconds: timeoutMilliseconds, proxy: HTTPProxy.none), what: "credentials of role \(role)")
        guard let fields = FlatJSON.stringFields(document.body) else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): the credentials of role \(role) are not a JSON object")
        }
        if let code = fields["Code"], code != "Success" {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): role \(role) credentials: \(code)")
        }
        guard let id = fields["AccessKeyId"], !id.isEmpty, let secret = fields["SecretAccessKey"], !secret.isEmpty else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): the credentials of role \(role) lack AccessKeyId or SecretAccessKey")
        }
        guard let expirationText = fields["Expiration"], let expiration = AWSTimestamp.parse(expirationText) else {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): the credentials of role \(role) have no readable Expiration")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: fields["Token"], expiration: expiration, source: "instance role \(role)")
    }

    private func send(_ request: HTTPRequest, what: String) async throws(AWSError) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            throw AWSError(kind: .credentials, message: "EC2 metadata service at \(endpoint): no \(what): \(error.message)", cause: error)
        }
        guard response.status == 200 else {
            throw AWSError(kind: .credentials, status: response.status, message: "EC2 metadata service at \(endpoint): no \(what): HTTP \(response.status)")
        }
        return response
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace.
    var trimmingCharacters: String {
        var bytes = Substring(self).utf8[...]
        while let first = bytes.first, first == 32 || first == 9 || first == 10 || first == 13 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 32 || last == 9 || last == 10 || last == 13 { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
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
