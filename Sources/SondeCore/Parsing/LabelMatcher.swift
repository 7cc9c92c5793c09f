/// One condition on a label, as in `job="api"`, `code!="200"`, `path=~"/api/.*"`, `env!~"dev|test"`.
///
/// Prometheus semantics: a label the series does not have matches as the empty string, and regular
/// expressions are fully anchored (`=~"a.*"` does not match `"ba"`), with `.` matching newlines.
/// Patterns are compiled once, in `init`. The regex engine is Swift's `Regex` with Unicode-scalar
/// semantics; its syntax is a superset of RE2's for the patterns people write in selectors, but
/// RE2-only constructs (e.g. `\C`) are rejected and possessive/backtracking constructs RE2 would
/// reject are accepted. Literal patterns and alternations of literals (`a|b|c`) skip the regex engine.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    /// The comparison a matcher makes.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case regexMatch = "=~"
        case regexNoMatch = "!~"
    }

    public let name: String
    public let op: Operator
    public let value: String
    private let pattern: RegexPattern?

    /// A matcher; for the regex operators `value` is compiled now, and an invalid pattern throws a
    /// `SondeError` with code `.invalidArgument` naming the pattern and the engine's complaint.
    /// - Parameter dotMatchesNewlines: Prometheus' `.` matches `\n`; Alertmanager's does not.
    public init(name: String, op: Operator, value: String, dotMatchesNewlines: Bool = true) throws(SondeError) {
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .equal, .notEqual: pattern = nil
        case .regexMatch, .regexNoMatch:
            pattern = try RegexPattern(value, anchoring: .wholeText, dotMatchesNewlines: dotMatchesNewlines, refusingBacktracking: true)
        }
    }

    /// `name="value"`, which cannot fail.
    public static func equal(_ name: String, _ value: String) -> LabelMatcher {
        LabelMatcher(uncheckedName: name, op: .equal, value: value)
    }

    /// `name!="value"`, which cannot fail.
    public static func notEqual(_ name: String, _ value: String) -> LabelMatcher {
        LabelMatcher(uncheckedName: name, op: .notEqual, value: value)
    }

    private init(uncheckedName name: String, op: Operator, value: String) {
        self.name = name
        self.op = op
        self.value = value
        self.pattern = nil
    }

    /// Whether a label value satisfies the matcher; pass `""` for a label the series lacks.
    public func matches(_ candidate: String) -> Bool {
        switch op {
        case .equal: return candidate == value
        case .notEqual: return candidate != value
        case .regexMatch: return pattern?.matches(candidate) ?? false
        case .regexNoMatch: return !(pattern?.matches(candidate) ?? false)
        }
    }

    /// Whether a series without this label would be selected (`job=""`, `job=~".*"`, `job!="x"`).
    public var matchesEmpty: Bool { matches("") }

    /// `name="value"` with PromQL escaping.
    public var description: String {
        name + op.rawValue + "\"" + Labels.escape(value) + "\""
    }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(op)
        hasher.combine(value)
    }
}
