import SondeNet

/// How one attempt to deliver a notification ended.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted (2xx): the entry leaves the outbox.
    case delivered
    /// Worth another try later: no connection, a timeout, 429, 5xx, AWS throttling.
    case retry(reason: String)
    /// Refused for good (another 4xx, a request that cannot be built): counted, logged with the
    /// receiver's answer, and dropped, since sending it again would be refused again.
    case rejected(reason: String, detail: String)

    /// The outcome of an HTTP exchange; `detail` is the response body, cut short for the log.
    public static func of(status: Int, body: [UInt8]) -> DeliveryOutcome {
        switch status {
        case 200..<300: return .delivered
        case 429, 500..<600: return .retry(reason: "http_\(status)")
        default: return .rejected(reason: "http_\(status)", detail: String(decoding: body.prefix(1024), as: UTF8.self))
        }
    }

    public static func of(_ error: HTTPError) -> DeliveryOutcome {
        if error.kind == .invalidRequest { return .rejected(reason: "invalid_request", detail: error.message) }
        return .retry(reason: error.kind.description)
    }
}

/// Waits between attempts on one integration: 1 s doubling to 5 min by default, each wait drawn
/// at random between half and all of it, so integrations that failed together do not retry in step.
public struct RetryBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(300)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after `failures` consecutive failures (1 for the first), with jitter from `random`
    /// in 0...1.
    public func delay(afterFailures failures: Int, random: Double) -> Duration {
        var delay = initial
        for _ in 1..<max(1, failures) where delay < maximum { delay = min(delay * 2, maximum) }
        let milliseconds = Double(delay.inMilliseconds) * (0.5 + 0.5 * min(max(random, 0), 1))
        return .milliseconds(Int64(milliseconds))
    }
}
