import SondeCore
import SondeNet

extension ProbeCollector.Settings {
    /// The settings a `collectors.probes[]` entry describes (already validated by the config parser).
    public init(_ config: ProbeConfig) throws {
        let ipVersion: HTTPRequest.IPVersion =
            switch config.ipVersion {
            case .any: .any
            case .v4: .v4
            case .v6: .v6
            }
        let target: ProbeCollector.Target
        if config.isTCP {
            guard let tcp = TCPTarget(config.url) else { throw SondeError(.invalidArgument, "probe \(config.name): bad tcp:// URL") }
            target = .tcp(host: tcp.host, port: tcp.port, ipVersion: ipVersion)
        } else {
            let options = HTTPRequest.Options(
                followRedirects: config.followRedirects, maxRedirects: config.maxRedirects, ipVersion: ipVersion,
                tls: .init(caFile: config.tls.caFile, clientCertificateFile: config.tls.clientCert, clientKeyFile: config.tls.clientKey, insecure: config.tls.insecure),
                freshConnection: true, certificateInfo: config.url.hasPrefix("https://"))
            target = .http(HTTPRequest(
                method: config.method, url: config.url, headers: config.headers.map { ($0.name, $0.value) }, body: Array((config.body ?? "").utf8),
                timeout: config.timeout, options: options))
        }
        self.init(name: config.name, targetLabel: Self.withoutUserInfo(config.url), target: target, timeout: config.timeout)
        expectStatus = config.expectStatus
        mustMatch = try config.bodyMustMatch.map { try ProbeBodyPattern($0) }
        mustNotMatch = try config.bodyMustNotMatch.map { try ProbeBodyPattern($0) }
    }

    /// `https://user:pass@host/x?y` → `https://host/x?y`: credentials never become a label.
    static func withoutUserInfo(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }
}
