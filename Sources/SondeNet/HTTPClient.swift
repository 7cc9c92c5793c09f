#if canImport(Glibc)
import Glibc
#endif
import CCurl
import Synchronization

/// Where requests go through.
public enum HTTPProxy: Sendable, Equatable {
    /// What the environment says, read by libcurl itself on each request: `https_proxy` /
    /// `HTTPS_PROXY` for https URLs, `http_proxy` (lower case only) for http URLs, `all_proxy` /
    /// `ALL_PROXY` for either, and `no_proxy` / `NO_PROXY` (comma-separated hosts, domains and
    /// CIDRs, `*` for all) for the exceptions.
    case environment
    /// Direct connections, whatever the environment says.
    case none
    /// This proxy (`http://host:port`, `socks5h://host:port`…), ignoring the environment's
    /// `*_proxy` variables but still honouring `NO_PROXY`.
    case url(String)
}

/// sonde's HTTP/1.1 and HTTP/2 client, on libcurl: probes, AWS APIs, webhooks, the EC2 metadata
/// service.
///
/// Every `send` goes to one libcurl multi handle driven by one dedicated thread (`CurlMulti`), so
/// any number of requests run at once without blocking each other or the cooperative pool, and
/// connections are reused between requests (unless a request asks for a fresh one). Cancelling the
/// task removes its transfer at once. There are no cookies and no automatic retries; gzip and
/// deflate bodies are decoded (`HTTPRequest.Options.acceptCompressed`).
///
/// Security defaults: TLS peers and host names are verified against the system CA bundle, TLS 1.2
/// at least; only `http` and `https` URLs; redirects are not followed unless configured; response
/// bodies are capped. libcurl is told not to use signals (`CURLOPT_NOSIGNAL`); the executable
/// should ignore SIGPIPE, as libcurl then cannot do it for its own writes.
public final class HTTPClient: Sendable {
    /// Settings shared by every request of a client.
    public struct Configuration: Sendable, Equatable {
        /// Follows 3xx `Location` headers (http and https only) when true; otherwise a 3xx is returned.
        public var followRedirects: Bool
        /// How many redirects at most, when following them.
        public var maxRedirects: Int
        /// A response body longer than this fails with `HTTPError.Kind.tooLarge`.
        public var maxResponseBodyBytes: Int
        /// The connection phase's limit (DNS, TCP, TLS), within the request's own timeout.
        public var connectTimeout: Duration
        public var proxy: HTTPProxy
        /// A PEM file of CA certificates to trust instead of the system bundle; nil for the system's.
        public var caBundlePath: String?
        public var userAgent: String

        public init(
            followRedirects: Bool = false, maxRedirects: Int = 5, maxResponseBodyBytes: Int = 16 << 20,
            connectTimeout: Duration = .seconds(10), proxy: HTTPProxy = .environment, caBundlePath: String? = nil,
            userAgent: String = "sonde"
        ) {
            self.followRedirects = followRedirects
            self.maxRedirects = maxRedirects
            self.maxResponseBodyBytes = maxResponseBodyBytes
            self.connectTimeout = connectTimeout
            self.proxy = proxy
            self.caBundlePath = caBundlePath
            self.userAgent = userAgent
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        _ = Curl.globalInit
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: `HTTPError` when no complete response arrived: DNS, connection, TLS, timeout,
    ///   a body over `maxResponseBodyBytes`, cancellation, or an unusable request.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        if Task.isCancelled {
            throw HTTPError(kind: .cancelled, url: request.redactedURL, message: "\(request.method) \(request.redactedURL): cancelled before it started")
        }
        guard let easy = CurlEasy(method: request.method, redactedURL: request.redactedURL, maxBodyBytes: configuration.maxResponseBodyBytes) else {
            throw HTTPError(
                kind: .other, url: request.redactedURL,
                message: "\(request.method) \(request.redactedURL): libcurl could not start (curl_global_init: \(Curl.describe(Curl.globalInit)))")
        }
        try easy.configure(request, configuration)
        // Set once the continuation exists; the cancellation handler may run before that.
        let transfer = Mutex<CurlTransfer?>(nil)
        let result: Result<HTTPResponse, HTTPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) in
                let submitted = CurlTransfer(easy: easy, continuation: continuation)
                transfer.withLock { $0 = submitted }
                CurlMulti.shared.submit(submitted)
                // A cancellation that came before `transfer` was set found nothing to cancel.
                if easy.isCancelled { CurlMulti.shared.cancel(submitted) }
            }
        } onCancel: {
            easy.markCancelled()
            if let submitted = transfer.withLock({ $0 }) { CurlMulti.shared.cancel(submitted) }
        }
        return try result.get()
    }

    /// Opens a TCP connection to `host:port` (a name, an IPv4 address or a bracketed IPv6 one) and
    /// closes it: what a `tcp://` probe measures. Nothing is sent. Proxies are never used.
    ///
    /// - Returns: the timing of the lookup and the connection.
    /// - Throws: `HTTPError` (`dns`, `connect`, `timeout`…) when no connection was made.
    public func connect(host: String, port: Int, timeout: Duration, ipVersion: HTTPRequest.IPVersion = .any) async throws(HTTPError) -> HTTPTransferInfo {
        var options = HTTPRequest.Options(ipVersion: ipVersion, freshConnection: true, acceptCompressed: false)
        options.connectOnly = true
        let request = HTTPRequest(method: "GET", url: "http://\(host):\(port)/", timeout: timeout, proxy: HTTPProxy.none, options: options)
        return try await send(request).info
    }
}

/// Starts a detached POSIX thread running one closure: the home of one blocking transfer.
enum RequestThread {
    private final class Work {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// False when the system refused a thread (errno says why); `body` then never runs.
    static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Work>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, work)
        guard result == 0 else {
            Unmanaged<Work>.fromOpaque(work).release()
            errno = result
            return false
        }
        pthread_detach(thread)
        return true
    }
}
