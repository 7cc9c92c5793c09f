/// A series selector as used by `--match`, the query API's `match[]` and, later, inside PromQL:
/// `up`, `http_requests_total{job="api",code=~"5.."}`, `{__name__=~"node_.*",job!="x"}`.
///
/// Strings may use double quotes, single quotes or backticks with Go escapes (see
/// `PromQLStringLiteral`); a trailing comma is allowed; Prometheus 3's quoted names work too
/// (`{"my.metric", "label.name"="x"}`). The metric name becomes a `__name__="…"` matcher. As in
/// Prometheus, a selector must have at least one matcher that does not match the empty string, so
/// `{job=~".*"}` is rejected instead of selecting every series. It does not accept range (`[5m]`),
/// `offset` or `@` modifiers; the PromQL parser adds those on top of the same lexer.
public struct SeriesSelector: Sendable, Hashable, CustomStringConvertible {
    public var matchers: [LabelMatcher]

    public init(matchers: [LabelMatcher]) {
        self.matchers = matchers
    }

    /// Parses a whole selector; errors read like `1:17: unexpected ")", expected a label matcher`.
    public static func parse(_ text: String, fileName: String? = nil) throws(ParseError) -> SeriesSelector {
        var lexer = PromQLLexer(text, fileName: fileName)
        let selector = try parse(&lexer)
        let end = try lexer.next()
        guard end.kind == .endOfInput else {
            throw lexer.error(at: end.range.lowerBound, "unexpected \(end.errorDescription), expected end of input")
        }
        return selector
    }

    /// Parses a selector from the lexer's current position, leaving the token after it unconsumed.
    /// This is the entry point the PromQL parser uses for vector selectors.
    public static func parse(_ lexer: inout PromQLLexer) throws(ParseError) -> SeriesSelector {
        let first = try lexer.next()
        let selectorStart = first.range.lowerBound
        var matchers: [LabelMatcher] = []
        var metricName: (value: String, offset: Int)?
        switch first.kind {
        case .identifier:
            metricName = (first.text, first.range.lowerBound)
            matchers.append(.equal(Labels.metricNameLabel, first.text))
            if try lexer.peek().kind == .leftBrace {
                _ = try lexer.next()
                try parseMatchers(&lexer, into: &matchers, metricName: &metricName)
            }
        case .leftBrace:
            try parseMatchers(&lexer, into: &matchers, metricName: &metricName)
        default:
            throw lexer.error(at: first.range.lowerBound, "unexpected \(first.errorDescription), expected a metric name or \"{\"")
        }
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw lexer.error(at: selectorStart, "vector selector must contain at least one non-empty matcher")
        }
        return SeriesSelector(matchers: matchers)
    }

    /// After `{`: `matcher ("," matcher)* ","? "}"`.
    static func parseMatchers(
        _ lexer: inout PromQLLexer, into matchers: inout [LabelMatcher], metricName: inout (value: String, offset: Int)?
    ) throws(ParseError) {
        while true {
            let nameToken = try lexer.next()
            let name: String
            switch nameToken.kind {
            case .rightBrace:
                return
            case .identifier:
                guard MetricNames.isValidLabelName(nameToken.text) else {
                    throw lexer.error(at: nameToken.range.lowerBound, "invalid label name \(ByteText.quote(Array(nameToken.text.utf8))), expected [a-zA-Z_][a-zA-Z0-9_]*")
                }
                name = nameToken.text
            case .string:
                name = nameToken.stringValue ?? ""
                // A quoted name alone is a metric name: {"my.metric", job="x"}.
                let following = try lexer.peek().kind
                if following == .comma || following == .rightBrace {
                    try setMetricName(name, at: nameToken.range.lowerBound, &lexer, &matchers, &metricName)
                    if try finishMatcher(&lexer) { return }
                    continue
                }
                if name.isEmpty {
                    throw lexer.error(at: nameToken.range.lowerBound, "empty label name")
                }
            default:
                if nameToken.kind == .endOfInput { throw lexer.error(at: nameToken.range.lowerBound, "unexpected end of input inside braces") }
                // Prometheus' words; its lexer names the matcher operators `<op:=~>`.
                let operators: [PromQLToken.Kind] = [.assign, .notEqual, .regexMatch, .regexNoMatch]
                let found = operators.contains(nameToken.kind) ? "<op:\(nameToken.text)>" : nameToken.errorDescription
                throw lexer.error(at: nameToken.range.lowerBound, "unexpected \(found) in label matching, expected identifier or \"}\"")
            }
            let opToken = try lexer.next()
            let op: LabelMatcher.Operator
            switch opToken.kind {
            case .assign: op = .equal
            case .notEqual: op = .notEqual
            case .regexMatch: op = .regexMatch
            case .regexNoMatch: op = .regexNoMatch
            default:
                throw lexer.error(
                    at: opToken.range.lowerBound,
                    "unexpected \(opToken.errorDescription), expected a label matching operator (\"=\", \"!=\", \"=~\" or \"!~\")")
            }
            let valueToken = try lexer.next()
            guard valueToken.kind == .string, let value = valueToken.stringValue else {
                throw lexer.error(at: valueToken.range.lowerBound, "unexpected \(valueToken.errorDescription) in label matching, expected string")
            }
            if name == Labels.metricNameLabel, let existing = metricName {
                throw lexer.error(
                    at: nameToken.range.lowerBound,
                    "metric name must not be set twice: \(ByteText.quote(Array(existing.value.utf8))) or \(ByteText.quote(Array(value.utf8)))")
            }
            do {
                matchers.append(try LabelMatcher(name: name, op: op, value: value))
            } catch {
                throw lexer.error(at: valueToken.range.lowerBound, error.message)
            }
            if try finishMatcher(&lexer) { return }
        }
    }

    /// Consumes `,` or `}` after a matcher; true when the list is closed.
    static func finishMatcher(_ lexer: inout PromQLLexer) throws(ParseError) -> Bool {
        let separator = try lexer.next()
        switch separator.kind {
        case .rightBrace:
            return true
        case .comma:
            if try lexer.peek().kind == .rightBrace {
                _ = try lexer.next()
                return true
            }
            return false
        default:
            if separator.kind == .endOfInput { throw lexer.error(at: separator.range.lowerBound, "unexpected end of input inside braces") }
            throw lexer.error(at: separator.range.lowerBound, "unexpected \(separator.errorDescription), expected \",\" or \"}\"")
        }
    }

    static func setMetricName(
        _ name: String, at offset: Int, _ lexer: inout PromQLLexer, _ matchers: inout [LabelMatcher],
        _ metricName: inout (value: String, offset: Int)?
    ) throws(ParseError) {
        if let existing = metricName?.value ?? matchers.first(where: { $0.name == Labels.metricNameLabel })?.value {
            throw lexer.error(
                at: offset,
                "metric name must not be set twice: \(ByteText.quote(Array(existing.utf8))) or \(ByteText.quote(Array(name.utf8)))")
        }
        metricName = (name, offset)
        matchers.append(.equal(Labels.metricNameLabel, name))
    }

    /// Whether a series with these labels is selected (missing labels match as `""`).
    public func matches(_ labels: Labels) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    /// `{__name__="up",job="api"}`: every matcher spelled out, parseable by `parse`.
    public var description: String {
        "{" + matchers.map { matcher in
            let name = MetricNames.isValidLabelName(matcher.name) ? matcher.name : "\"" + Labels.escape(matcher.name) + "\""
            return name + matcher.op.rawValue + "\"" + Labels.escape(matcher.value) + "\""
        }.joined(separator: ",") + "}"
    }
}
