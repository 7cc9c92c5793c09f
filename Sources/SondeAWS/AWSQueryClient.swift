import SondeCore
import SondeNet

/// Calls one AWS service over the query protocol: a form-encoded POST of `Action`, `Version` and
/// the parameters to the endpoint, signed with SigV4, answered with XML.
///
/// Each call gets fresh credentials from the provider (which caches what is worth caching), is
/// retried as `RetryPolicy` says, and returns the response's root element or throws an `AWSError`
/// whose message names the action and the endpoint and carries AWS's error code and message. It
/// does not follow pagination: the typed clients (`CloudWatchClient`) do.
public struct AWSQueryClient: Sendable {
    /// `https://monitoring.us-east-1.amazonaws.com` (a path, if any, is kept).
    public var endpoint: String
    public var signer: SigV4Signer
    /// The API version (`2010-08-01` for CloudWatch).
    public var version: String
    public var credentials: any AWSCredentialsProvider
    public var http: HTTPClient
    public var retry: RetryPolicy
    /// For each attempt.
    public var timeout: Duration
    /// The signing clock (wall time, milliseconds); AWS refuses signatures more than 5 minutes off.
    public var now: @Sendable () -> Int64
    /// Uniform in [0, 1): the retry jitter.
    public var random: @Sendable () -> Double
    /// Sleeps between attempts.
    public var clock: any SondeClock

    public init(
        endpoint: String, service: String, region: String, version: String, credentials: any AWSCredentialsProvider, http: HTTPClient,
        retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(10),
        now: @escaping @Sendable () -> Int64 = { SystemClock().wallMilliseconds },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, clock: any SondeClock = SystemClock()
    ) {
        self.endpoint = endpoint
        self.signer = SigV4Signer(service: service, region: region)
        self.version = version
        self.credentials = credentials
        self.http = http
        self.retry = retry
        self.timeout = timeout
        self.now = now
        self.random = random
        self.clock = clock
    }

    /// Below this many bytes gzip's header and trailer cost more than they save.
    public static let gzipThreshold = 1024

    /// The URL requests go to: the endpoint, with `/` when it has no path.
    public var url: String { SigV4Signer.URLParts(endpoint).map { $0.path.isEmpty ? endpoint + "/" : endpoint } ?? endpoint }

    /// `url` as it may appear in messages: no user-info, no query.
    public var redactedEndpoint: String { HTTPRequest(url: url).redactedURL }

    /// Calls `action` with `parameters` and returns the root element of the response.
    ///
    /// - Throws: `AWSError`: `.credentials` when none could be had (not retried), `.transport`
    ///   when no response came, `.service` for an error status, `.response` for a 2xx that is not XML.
    public func call(_ action: String, _ parameters: [(String, String)]) async throws(AWSError) -> XMLElement {
        try await call(action, parameters, gzip: false).root
    }

    /// `call`, with the form body gzip-compressed when `gzip` is set and compression makes it
    /// smaller (only some actions take it, PutMetricData among them). Returns the bytes of the body
    /// as sent, for the caller's accounting. The signature covers the body as sent, as SigV4 wants.
    public func call(_ action: String, _ parameters: [(String, String)], gzip: Bool) async throws(AWSError) -> (root: XMLElement, bodyBytes: Int) {
        try await call(action, body: Array(FormEncoding.queryBody(action: action, version: version, parameters: parameters).utf8), gzip: gzip)
    }

    /// `call` with the form body already encoded (`FormEncoding.queryBody`), for a caller that
    /// measured it first (PutMetricData's 1 MB limit).
    public func call(_ action: String, body formBody: [UInt8], gzip: Bool) async throws(AWSError) -> (root: XMLElement, bodyBytes: Int) {
        let url = self.url
        var body = formBody
        var contentType = [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")]
        if gzip, body.count > Self.gzipThreshold, let compressed = Gzip.compress(body), compressed.count < body.count {
            body = compressed
            contentType.append((name: "Content-Encoding", value: "gzip"))
        }
        var attempt = 0
        while true {
            attempt += 1
            let keys = try await credentials.credentials()
            let signature = try signer.sign(method: "POST", url: url, headers: contentType, body: body, credentials: keys, milliseconds: now())
            let request = HTTPRequest(method: "POST", url: url, headers: contentType + signature.headers, body: body, timeout: timeout)
            let failure: AWSError
            do {
                let response = try await http.send(request)
                if (200...299).contains(response.status) {
                    do {
                        return (try XMLReader.parse(response.body), body.count)
                    } catch {
                        throw AWSError(kind: .response, status: response.status, message: "\(action) at \(redactedEndpoint): unreadable response (\(error))")
                    }
                }
                let parsed = AWSErrorResponse.parse(response.body)
                let retryable = RetryPolicy.isRetryable(status: response.status, code: parsed?.code)
                let detail = parsed.map { "\($0.code)\($0.message.isEmpty ? "" : ": \($0.message)")" } ?? "no AWS error in the body"
                failure = AWSError(
                    kind: .service, code: parsed?.code, status: response.status,
                    message: "\(action) at \(redactedEndpoint): HTTP \(response.status): \(detail)", retryable: retryable)
            } catch let error as HTTPError {
                // The client's message names the method and the (redacted) URL already.
                failure = AWSError(kind: .transport, message: "\(action): \(error.message)", retryable: RetryPolicy.isRetryable(error), cause: error)
            } catch let error as AWSError {
                throw error
            } catch {
                // `http.send` throws only HTTPError; kept total for the compiler.
                throw AWSError(kind: .transport, message: "\(action) at \(redactedEndpoint): \(error)")
            }
            guard failure.retryable, let wait = retry.delay(afterAttempt: attempt, random: random()) else {
                if attempt > 1, failure.retryable {
                    var last = failure
                    last.message += " (after \(attempt) attempts)"
                    throw last
                }
                throw failure
            }
            do {
                try await clock.sleep(for: wait)
            } catch {
                throw AWSError(kind: .transport, message: "\(action) at \(redactedEndpoint): cancelled while waiting to retry")
            }
        }
    }
}
