import SondeCore

/// What one query may cost: the samples it loads (with the points of a range query's result), and
/// the time it may run. Prometheus' `--query.max-samples` and `--query.timeout`, with its messages;
/// as in Prometheus they bound the API's queries and each rule's.
public struct PromQLLimits: Sendable {
    public var maxSamples: Int
    public var timeout: Duration
    public var deadline: ContinuousClock.Instant

    public init(maxSamples: Int, timeout: Duration) {
        self.maxSamples = maxSamples
        self.timeout = timeout
        self.deadline = ContinuousClock.now + timeout
    }

    /// The same limits for a query starting now.
    public func renewed() -> PromQLLimits { PromQLLimits(maxSamples: maxSamples, timeout: timeout) }

    public static let sampleLimitCode = SondeError.Code("querySampleLimit")
    public static let timeoutCode = SondeError.Code("queryTimeout")
    /// What the evaluation itself refused (`invalid smoothing factor`, two series with one label
    /// set, many-to-many matching): Prometheus' `execution` errors, as opposed to a refused query.
    public static let executionCode = SondeError.Code("queryExecution")

    static let tooManySamples = SondeError(sampleLimitCode, "query processing would load too many samples into memory in query execution")

    func checkDeadline() throws(SondeError) {
        if ContinuousClock.now > deadline { throw SondeError(Self.timeoutCode, "query timed out in expression evaluation") }
    }
}
