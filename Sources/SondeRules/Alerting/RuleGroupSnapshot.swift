/// A rule group as its last round left it: rules, alert states and errors, and when it ran. What
/// the HTTP API's `/api/v1/rules` and `/api/v1/alerts` show.
public struct RuleGroupSnapshot: Sendable {
    public var file: String
    public var evaluator: RuleGroupEvaluator
    public var intervalMilliseconds: Int64
    /// The time of the last round (milliseconds); nil before the first.
    public var lastEvaluation: Int64?
    public var lastDurationSeconds: Double

    public init(file: String, evaluator: RuleGroupEvaluator, intervalMilliseconds: Int64, lastEvaluation: Int64?, lastDurationSeconds: Double) {
        self.file = file
        self.evaluator = evaluator
        self.intervalMilliseconds = intervalMilliseconds
        self.lastEvaluation = lastEvaluation
        self.lastDurationSeconds = lastDurationSeconds
    }
}
