#if canImport(Glibc)
import Glibc
#endif
import SondeCore

/// One place credentials may come from, asked in turn by `AWSCredentialsChain`.
public protocol AWSCredentialsSource: Sendable {
    /// For the chain's "tried …" message.
    var name: String { get }
    /// The credentials, or nil when this source has nothing configured (the chain moves on).
    ///
    /// - Throws: `AWSError` (`.credentials`) when the source is configured but unusable (half a key
    ///   pair, a named profile that does not exist, an instance role that would not answer); the
    ///   chain stops there rather than silently using another identity.
    func resolve() async throws(AWSError) -> AWSCredentials?
}

/// The standard order, as the AWS CLI and SDKs have it: the environment, then the shared
/// credentials and config files, then (on EC2 only) the instance role.
///
/// The environment and the files are read again on each call, so rotated keys are picked up without
/// a restart; the instance role caches its temporary credentials until shortly before they expire.
public struct AWSCredentialsChain: AWSCredentialsProvider {
    public let sources: [any AWSCredentialsSource]

    public init(sources: [any AWSCredentialsSource]) { self.sources = sources }

    /// The standard chain. `instanceRole` is nil off EC2 (decided by the caller from DMI, see
    /// `InstanceIdentity.looksLikeEC2`): the metadata address is then never contacted.
    public static func standard(environment: [String: String], instanceRole: InstanceRoleCredentialsProvider?) -> AWSCredentialsChain {
        var sources: [any AWSCredentialsSource] = [EnvironmentCredentialsSource(environment: environment), SharedFilesCredentialsSource(environment: environment)]
        if let instanceRole { sources.append(instanceRole) }
        return AWSCredentialsChain(sources: sources)
    }

    public func credentials() async throws(AWSError) -> AWSCredentials {
        for source in sources {
            if let found = try await source.resolve() { return found }
        }
        throw AWSError(
            kind: .credentials,
            message: "no AWS credentials found (tried \(sources.map(\.name).joined(separator: ", ")))")
    }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialsSource: AWSCredentialsSource {
    public let environment: [String: String]
    public var name: String { "environment" }

    public init(environment: [String: String]) { self.environment = environment }

    public func resolve() async throws(AWSError) -> AWSCredentials? {
        let id = environment["AWS_ACCESS_KEY_ID"] ?? ""
        let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
        if id.isEmpty && secret.isEmpty { return nil }
        guard !id.isEmpty, !secret.isEmpty else {
            throw AWSError(kind: .credentials, message: "the environment has \(id.isEmpty ? "AWS_SECRET_ACCESS_KEY but no AWS_ACCESS_KEY_ID" : "AWS_ACCESS_KEY_ID but no AWS_SECRET_ACCESS_KEY")")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"], source: "environment")
    }
}

/// The shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) and the
/// shared config file (`AWS_CONFIG_FILE`, else `~/.aws/config`), profile `AWS_PROFILE` (else
/// `default`): keys from the credentials file's `[name]` section, else from the config file's
/// `[profile name]` (`[default]`) section. Profiles that need a process, SSO or role assumption are
/// not supported: such a profile without keys is reported as an error, not skipped.
public struct SharedFilesCredentialsSource: AWSCredentialsSource {
    public let environment: [String: String]
    public var name: String { "shared credentials files" }

    public init(environment: [String: String]) { self.environment = environment }

    public var profile: String {
        let named = environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"] ?? ""
        return named.isEmpty ? "default" : named
    }

    public var credentialsPath: String? { SharedConfigFile.path(environment, variable: "AWS_SHARED_CREDENTIALS_FILE", file: "credentials") }
    public var configPath: String? { SharedConfigFile.path(environment, variable: "AWS_CONFIG_FILE", file: "config") }

    public func resolve() async throws(AWSError) -> AWSCredentials? {
        let profile = self.profile
        let credentialsFile = try credentialsPath.flatMap { (path) throws(AWSError) in try SharedConfigFile.load(path).map { (path, $0) } }
        let configFile = try configPath.flatMap { (path) throws(AWSError) in try SharedConfigFile.load(path).map { (path, $0) } }
        let candidates: [(String, [String: String]?)] = [
            (credentialsFile?.0 ?? "", credentialsFile?.1.sections[profile]),
            (configFile?.0 ?? "", configFile?.1.sections[profile == "default" ? "default" : "profile \(profile)"] ?? configFile?.1.sections[profile]),
        ]
        for (path, section) in candidates {
            guard let section else { continue }
            let id = section["aws_access_key_id"] ?? ""
            let secret = section["aws_secret_access_key"] ?? ""
            if id.isEmpty && secret.isEmpty { continue }
            guard !id.isEmpty, !secret.isEmpty else {
                throw AWSError(kind: .credentials, message: "\(path): profile \(profile) has only one of aws_access_key_id and aws_secret_access_key")
            }
            return AWSCredentials(
                accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"], source: "\(path) (profile \(profile))")
        }
        // A profile asked for by name must exist; the implicit `default` may be absent.
        let named = !(environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"] ?? "").isEmpty
        if named {
            let exists = candidates.contains { $0.1 != nil }
            throw AWSError(
                kind: .credentials,
                message: exists
                    ? "profile \(profile) (AWS_PROFILE) has no aws_access_key_id/aws_secret_access_key (SSO, role and process profiles are not supported)"
                    : "profile \(profile) (AWS_PROFILE) is in neither \(credentialsPath ?? "(no credentials file)") nor \(configPath ?? "(no config file)")")
        }
        return nil
    }
}

/// The INI dialect of `~/.aws/credentials` and `~/.aws/config`.
public struct SharedConfigFile: Sendable, Equatable {
    /// Section name (as written between the brackets, trimmed) → lower-cased key → value.
    public var sections: [String: [String: String]]

    /// Reads `[section]` headers and `key = value` lines; `#` and `;` start comments on their own
    /// line; indented lines continue a nested setting (`s3 =` followed by `  max_concurrent_requests
    /// = 10`) and are ignored, as are lines outside any section.
    public static func parse(_ text: String) -> SharedConfigFile {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingSpaces
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix(";") else { continue }
            if let first = rawLine.first, first == " " || first == "\t" { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { current = nil; continue }
                let name = line[line.index(after: line.startIndex)..<close].trimmingSpaces
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingSpaces.lowercased()
            var value = line[line.index(after: equals)...].trimmingSpaces
            // An inline comment needs a space before it, so a `#` inside a secret is kept.
            if let comment = value.firstRange(of: " #") ?? value.firstRange(of: " ;") ?? value.firstRange(of: "\t#") { value = String(value[..<comment.lowerBound]).trimmingSpaces }
            sections[current, default: [:]][key] = value
        }
        return SharedConfigFile(sections: sections)
    }

    /// The file, or nil when it does not exist.
    ///
    /// - Throws: `AWSError` (`.credentials`) when it exists but cannot be read.
    public static func load(_ path: String) throws(AWSError) -> SharedConfigFile? {
        guard access(path, F_OK) == 0 else { return nil }
        do {
            return parse(try TextFile.read(path))
        } catch {
            throw AWSError(kind: .credentials, message: "cannot read \(path): \(error.message)")
        }
    }

    /// `$variable`, else `$HOME/.aws/<file>`; nil without either.
    static func path(_ environment: [String: String], variable: String, file: String) -> String? {
        if let explicit = environment[variable], !explicit.isEmpty { return explicit }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.aws/" + file
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Which region to call: the configured one, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the
/// `region` of the shared config file's profile, else `fallback` (the instance's own region from
/// the metadata service, on EC2).
public enum AWSRegion {
    public static func resolve(configured: String?, environment: [String: String], fallback: String? = nil) -> String? {
        if let configured, !configured.isEmpty { return configured }
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[variable], !value.isEmpty { return value }
        }
        let files = SharedFilesCredentialsSource(environment: environment)
        if let path = files.configPath, let file = try? SharedConfigFile.load(path) {
            let profile = files.profile
            if let region = (file.sections[profile == "default" ? "default" : "profile \(profile)"] ?? file.sections[profile])?["region"], !region.isEmpty {
                return region
            }
        }
        if let fallback, !fallback.isEmpty { return fallback }
        return nil
    }
}
