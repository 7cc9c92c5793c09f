#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SondeCore
import SondeNet

/// Sends webhook and Slack notifications (a Slack incoming webhook is one): the body as rendered,
/// `Content-Type: application/json`, the entry's deduplication key as `Idempotency-Key`, and
/// `http_config` (authorization, basic auth, TLS, proxy, redirects). URLs and credentials given as
/// files are read at each send, so a rotated secret applies without a reload.
public struct WebhookSender: Sendable {
    public let url: Secret?
    public let urlFile: String?
    public let httpConfig: AlertmanagerConfig.HTTPConfig
    public let client: HTTPClient
    public let timeout: Duration

    public init(config: AlertmanagerConfig.WebhookConfig, client: HTTPClient, timeout: Duration = .seconds(10)) {
        self.init(url: config.url, urlFile: config.urlFile, httpConfig: config.httpConfig, client: client, timeout: timeout)
    }

    /// To Slack's `api_url` or `api_url_file`.
    public init(slack config: AlertmanagerConfig.SlackConfig, client: HTTPClient, timeout: Duration = .seconds(10)) {
        self.init(url: config.apiURL, urlFile: config.apiURLFile, httpConfig: config.httpConfig, client: client, timeout: timeout)
    }

    init(url: Secret?, urlFile: String?, httpConfig: AlertmanagerConfig.HTTPConfig, client: HTTPClient, timeout: Duration) {
        self.url = url
        self.urlFile = urlFile
        self.httpConfig = httpConfig
        self.client = client
        self.timeout = timeout
    }

    public func send(_ entry: NotificationOutbox.Entry) async -> DeliveryOutcome {
        let request: HTTPRequest
        do {
            request = try self.request(for: entry)
        } catch {
            return .rejected(reason: "config", detail: error.message)
        }
        do {
            let response = try await client.send(request)
            return DeliveryOutcome.of(status: response.status, body: response.body)
        } catch {
            return DeliveryOutcome.of(error)
        }
    }

    func request(for entry: NotificationOutbox.Entry) throws(SondeError) -> HTTPRequest {
        let url: String
        if let inline = self.url?.value { url = inline } else { url = try Self.firstLine(ofFile: urlFile) }
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Idempotency-Key", entry.deduplicationKey)]
        if let authorization = try HTTPConfigRequest.authorizationHeader(httpConfig) { headers.append(("Authorization", authorization)) }
        return HTTPRequest(
            method: "POST", url: url, headers: headers, body: Array(entry.body), timeout: timeout,
            proxy: httpConfig.proxyURL.map { .url($0.value) }, options: HTTPConfigRequest.options(httpConfig))
    }

    static func firstLine(ofFile path: String?) throws(SondeError) -> String {
        guard let path else { throw SondeError(.invalidArgument, "no url") }
        let text: String
        do {
            text = try TextFile.read(path)
        } catch {
            throw SondeError(.io, "cannot read \(path): \(error.message)")
        }
        // Alertmanager trims the whole file (strings.TrimSpace); a URL or a secret is one line.
        let line = text.drop { $0.isWhitespace }.prefix { !$0.isNewline }
        return String(line.reversed().drop { $0.isWhitespace }.reversed())
    }
}

/// Prometheus' `http_config` as libcurl request settings.
enum HTTPConfigRequest {
    static func authorizationHeader(_ config: AlertmanagerConfig.HTTPConfig) throws(SondeError) -> String? {
        switch config.authorization {
        case .none:
            return nil
        case .header(let type, let credentials, let file):
            if let credentials { return type + " " + credentials.value }
            return type + " " + (try WebhookSender.firstLine(ofFile: file))
        case .basic(let username, let password, let file):
            var secret = password?.value ?? ""
            if password == nil, file != nil { secret = try WebhookSender.firstLine(ofFile: file) }
            return "Basic " + Data((username + ":" + secret).utf8).base64EncodedString()
        }
    }

    static func options(_ config: AlertmanagerConfig.HTTPConfig) -> HTTPRequest.Options {
        var options = HTTPRequest.Options()
        options.followRedirects = config.followRedirects
        options.tls = HTTPRequest.TLS(
            caFile: config.tls.caFile, clientCertificateFile: config.tls.certFile, clientKeyFile: config.tls.keyFile,
            insecure: config.tls.insecureSkipVerify)
        return options
    }
}
