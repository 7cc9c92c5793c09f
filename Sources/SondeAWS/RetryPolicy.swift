import SondeNet

/// When to retry an AWS call and how long to wait first: throttling, 5xx and transport failures are
/// retried with capped exponential backoff and full jitter (a random wait between 0 and
/// `min(maxDelay, baseDelay × 2^attempt)`, AWS's recommendation, so many agents throttled at once do
/// not come back in step); other 4xx (bad credentials, access denied, validation) are not, as the
/// same request would fail the same way.
///
/// A pure value: `delay(afterAttempt:random:)` takes the random number, so tests check the schedule.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included (1 means no retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    /// Delays count in whole milliseconds.
    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(.zero, baseDelay)
        self.maxDelay = max(.zero, maxDelay)
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1` after attempt `attempt` (counted from 1) failed with a
    /// retryable error, or nil when no attempt is left. `random` is uniform in [0, 1).
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration? {
        guard attempt >= 1, attempt < maxAttempts else { return nil }
        let exponent = min(attempt - 1, 30)
        let maxMilliseconds = maxDelay.inMilliseconds
        let scaled = baseDelay.inMilliseconds.multipliedReportingOverflow(by: Int64(1) << exponent)
        let ceiling = scaled.overflow ? maxMilliseconds : min(maxMilliseconds, scaled.partialValue)
        let fraction = random.isFinite ? min(max(random, 0), 1) : 0
        return .milliseconds(Int64((Double(ceiling) * fraction).rounded(.down)))
    }

    /// AWS error codes that mean "slow down" whatever the status (the SDKs' list of throttling codes).
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Transient server-side codes some services send with a 4xx or 5xx.
    public static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "InternalFailure", "ServiceUnavailable", "InternalError"]

    /// Whether a response with `status` (and AWS error `code`, if any) is worth retrying.
    public static func isRetryable(status: Int, code: String?) -> Bool {
        if let code, throttlingCodes.contains(code) || transientCodes.contains(code) { return true }
        return status == 429 || (500...599).contains(status)
    }

    /// Whether a failure with no response is worth retrying: connection, DNS, timeout and protocol
    /// errors are (the next attempt may take another path); cancellation, an unusable request, TLS
    /// verification failures and an oversized body are not.
    public static func isRetryable(_ error: HTTPError) -> Bool {
        error.kind == .connect || error.kind == .timeout || error.kind == .dns || error.kind == .other
    }
}
