import SondeCore

/// Parses the PromQL subset sonde evaluates into a `PromQLExpr`, checking types as Prometheus 2.x does.
///
/// Supported: number literals (`1`, `1.5e3`, `0x1F`, `Inf`, `NaN`), strings, instant and range vector
/// selectors with `offset` (also negative), calls of the functions in `PromQLFunction.all`, the
/// aggregations in `PromQLAggregationOperator` with `by`/`without` before or after the arguments,
/// unary `-`/`+`, and binary operators with `bool`, `on`/`ignoring` and `group_left`/`group_right`.
/// Precedence, loosest first: `or`; `and` `unless`; comparisons; `+ -`; `* / % atan2`; unary `- +`;
/// `^` (right-associative). Keywords are case-insensitive, function names are not, as in Prometheus.
///
/// Subqueries (`expr[1h:5m]`, `expr[1h:]`) and `@` (`x @ 1700000000`, `@ start()`, `@ end()`)
/// are parsed as Prometheus 2.42 parses them. Functions not in the table are a parse error. Expression trees deeper than `maximumDepth` are rejected, so hostile
/// input cannot exhaust the stack.
///
/// Every error is a `ParseError` at the offending token: `1:6: expected type range vector in call to
/// function "rate", got instant vector`.
public struct PromQLParser {
    /// The deepest expression tree accepted; the top-level node is level 1, so 255 nested
    /// parentheses around a selector are the most that parse.
    public static let maximumDepth = 256

    private var lexer: PromQLLexer
    /// How many `parseExpression` calls are active, bounded so the recursion cannot overflow the stack.
    private var recursionDepth = 0

    /// An expression with what error messages and the depth limit need to know about it.
    private struct Parsed {
        var expr: PromQLExpr
        /// Byte offset where the expression starts; type errors about it point here.
        var start: Int
        /// Levels of the tree, a leaf being 1.
        var depth: Int
    }

    private init(lexer: PromQLLexer) {
        self.lexer = lexer
    }

    /// Parses a whole expression; anything after it is an error.
    public static func parse(_ text: String, fileName: String? = nil) throws(ParseError) -> PromQLExpr {
        var parser = PromQLParser(lexer: PromQLLexer(text, fileName: fileName))
        let parsed = try parser.parseExpression(minimumPrecedence: 0)
        let end = try parser.lexer.next()
        guard end.kind == .endOfInput else {
            // Prometheus names a stray word or literal and nothing more (`unexpected identifier "x"`).
            switch end.kind {
            case .identifier, .number, .string, .duration: throw parser.error(at: end, "unexpected \(end.errorDescription)")
            default: throw parser.error(at: end, "unexpected \(end.errorDescription), expected a binary operator or end of input")
            }
        }
        return parsed.expr
    }

    /// Whether an identifier means something to the parser in some position, so a metric of that name
    /// has to be written as `{__name__="…"}` to be read back as a selector.
    public static func isReserved(_ identifier: String) -> Bool {
        reservedWords.contains(identifier.lowercased())
    }

    static let reservedWords: Set<String> = Set(
        ["and", "or", "unless", "atan2", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
         "offset", "inf", "nan"] + PromQLAggregationOperator.allCases.map(\.rawValue))

    // MARK: - Expressions

    /// Binary operators of at least `minimumPrecedence`, by precedence climbing.
    private mutating func parseExpression(minimumPrecedence: Int) throws(ParseError) -> Parsed {
        recursionDepth += 1
        defer { recursionDepth -= 1 }
        if recursionDepth > Self.maximumDepth {
            throw error(at: try lexer.peek(), "expression nested too deeply: more than \(Self.maximumDepth) levels")
        }
        var lhs = try parseUnary()
        while true {
            let opToken = try lexer.peek()
            guard let op = Self.binaryOperator(opToken), op.precedence >= minimumPrecedence else { return lhs }
            _ = try lexer.next()
            let returnsBool = try consumeKeyword("bool")
            let matching = try parseVectorMatching()
            // Left-associative operators take a tighter right operand, so `a - b - c` is `(a - b) - c`.
            let rhs = try parseExpression(minimumPrecedence: op.isRightAssociative ? op.precedence : op.precedence + 1)
            lhs = try makeBinary(op, opToken: opToken, lhs, rhs, returnsBool: returnsBool, matching: matching)
        }
    }

    /// Unary `-`/`+` bind looser than `^` (`-2 ^ 2` is `-(2 ^ 2)`) and tighter than `*`.
    private mutating func parseUnary() throws(ParseError) -> Parsed {
        let token = try lexer.peek()
        let op: PromQLUnaryOperator
        switch token.kind {
        case .minus: op = .minus
        case .plus: op = .plus
        default: return try parsePostfix(parsePrimary())
        }
        _ = try lexer.next()
        let operand = try parseExpression(minimumPrecedence: PromQLBinaryOperator.power.precedence)
        // Prometheus folds a sign into a number literal: `-1` is the number -1, not an expression.
        if case .number(let number) = operand.expr {
            return Parsed(expr: .number(PromQLNumber(op == .minus ? -number.value : number.value)), start: token.range.lowerBound, depth: 1)
        }
        let type = operand.expr.valueType
        guard type == .scalar || type == .instantVector else {
            throw error(at: token, "unary expression only allowed on expressions of type scalar or instant vector, got \"\(type.rawValue)\"")
        }
        return Parsed(expr: .unary(op, operand.expr), start: token.range.lowerBound, depth: operand.depth + 1)
    }

    private mutating func parsePrimary() throws(ParseError) -> Parsed {
        let token = try lexer.peek()
        let start = token.range.lowerBound
        switch token.kind {
        case .number:
            _ = try lexer.next()
            return Parsed(expr: .number(PromQLNumber(try parseNumber(token))), start: start, depth: 1)
        case .string:
            _ = try lexer.next()
            return Parsed(expr: .string(token.stringValue ?? ""), start: start, depth: 1)
        case .leftParen:
            _ = try lexer.next()
            let inner = try parseExpression(minimumPrecedence: 0)
            if try lexer.peek().kind == .endOfInput { throw error(at: try lexer.peek(), "unclosed left parenthesis") }
            try expect(.rightParen, ", expected a binary operator or \")\"")
            return Parsed(expr: .parenthesized(inner.expr), start: start, depth: inner.depth + 1)
        case .leftBrace:
            return try parseSelector()
        case .identifier:
            let word = token.text.lowercased()
            if word == "inf" || word == "nan" {
                _ = try lexer.next()
                return Parsed(expr: .number(PromQLNumber(word == "inf" ? .infinity : .nan)), start: start, depth: 1)
            }
            var lookahead = lexer
            _ = try lookahead.next()
            let following = try lookahead.peek()
            if let op = PromQLAggregationOperator(rawValue: word),
                following.kind == .leftParen || Self.isKeyword(following, "by") || Self.isKeyword(following, "without")
            {
                return try parseAggregation(op)
            }
            if following.kind == .leftParen {
                return try parseCall()
            }
            return try parseSelector()
        case .endOfInput:
            throw error(at: token, "unexpected end of input")
        default:
            throw error(at: token, "unexpected \(token.errorDescription), expected an expression")
        }
    }

    /// `[5m]`, `[1h:5m]`, `offset 5m` and `@ t` after an expression; they bind tighter than any
    /// operator. Ranges apply to vector selectors, subqueries to any instant vector, offset and `@`
    /// to selectors and subqueries, each once.
    private mutating func parsePostfix(_ primary: Parsed) throws(ParseError) -> Parsed {
        var result = primary
        while true {
            let token = try lexer.peek()
            if token.kind == .leftBracket {
                _ = try lexer.next()
                let rangeToken = try lexer.peek()
                if rangeToken.kind == .number || rangeToken.kind == .rightBracket { throw error(at: rangeToken, "missing unit character in duration") }
                let range = try parseDuration()
                let close = try lexer.next()
                if close.kind == .endOfInput { throw error(at: close, "unclosed left bracket") }
                if close.kind == .colon {
                    if range == 0 { throw error(at: rangeToken, "duration must be greater than 0") }
                    var step: Int64 = 0
                    if try lexer.peek().kind != .rightBracket {
                        let stepToken = try lexer.peek()
                        guard stepToken.kind == .duration else {
                            throw error(at: stepToken, "unexpected \(stepToken.errorDescription) in subquery selector, expected duration or \"]\"")
                        }
                        step = try parseDuration()
                        if step == 0 { throw error(at: stepToken, "duration must be greater than 0") }
                    }
                    let end = try lexer.next()
                    if end.kind == .colon { throw error(at: end, "unexpected colon ':'") }
                    guard end.kind == .rightBracket else {
                        throw error(at: end, "unexpected \(end.errorDescription) in subquery selector, expected \"]\"")
                    }
                    let type = result.expr.valueType
                    guard type == .instantVector else { throw error(at: result.start, "subquery is only allowed on instant vector, got \(type.rawValue) instead") }
                    result = Parsed(
                        expr: .subquery(PromQLSubquery(expr: result.expr, rangeMilliseconds: range, stepMilliseconds: step)), start: result.start,
                        depth: result.depth + 1)
                    continue
                }
                guard case .vectorSelector(let vector) = result.expr else {
                    throw error(at: token, "ranges only allowed for vector selectors")
                }
                if vector.offsetMilliseconds != 0 { throw error(at: token, "no offset modifiers allowed before range") }
                if vector.at != nil { throw error(at: token, "no @ modifiers allowed before range") }
                guard close.kind == .rightBracket else {
                    throw error(at: close, "unexpected \(close.errorDescription), expected \"]\"")
                }
                if range == 0 { throw error(at: rangeToken, "duration must be greater than 0") }
                result.expr = .matrixSelector(vector, rangeMilliseconds: range)
            } else if Self.isKeyword(token, "offset") {
                _ = try lexer.next()
                var sign: Int64 = 1
                switch try lexer.peek().kind {
                case .minus:
                    sign = -1
                    _ = try lexer.next()
                case .plus:
                    _ = try lexer.next()
                default:
                    break
                }
                let offset = sign * (try parseDuration(expected: " in offset, expected duration"))
                let alreadySet = error(at: result.start, "offset may not be set multiple times")
                switch result.expr {
                case .vectorSelector(var vector):
                    if vector.offsetMilliseconds != 0 { throw alreadySet }
                    vector.offsetMilliseconds = offset
                    result.expr = .vectorSelector(vector)
                case .matrixSelector(var vector, let range):
                    if vector.offsetMilliseconds != 0 { throw alreadySet }
                    vector.offsetMilliseconds = offset
                    result.expr = .matrixSelector(vector, rangeMilliseconds: range)
                case .subquery(var subquery):
                    if subquery.offsetMilliseconds != 0 { throw alreadySet }
                    subquery.offsetMilliseconds = offset
                    result.expr = .subquery(subquery)
                default:
                    throw error(
                        at: result.start,
                        "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")
                }
            } else if token.kind == .at {
                _ = try lexer.next()
                let at = try parseAtTime(result)
                let alreadySet = error(at: result.start, "@ <timestamp> may not be set multiple times")
                switch result.expr {
                case .vectorSelector(var vector):
                    if vector.at != nil { throw alreadySet }
                    vector.at = at
                    result.expr = .vectorSelector(vector)
                case .matrixSelector(var vector, let range):
                    if vector.at != nil { throw alreadySet }
                    vector.at = at
                    result.expr = .matrixSelector(vector, rangeMilliseconds: range)
                case .subquery(var subquery):
                    if subquery.at != nil { throw alreadySet }
                    subquery.at = at
                    result.expr = .subquery(subquery)
                default:
                    throw error(at: result.start, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery")
                }
            } else {
                return result
            }
        }
    }

    /// What follows `@`: `start()`, `end()`, or a number of seconds, which Prometheus rounds to
    /// milliseconds.
    private mutating func parseAtTime(_ subject: Parsed) throws(ParseError) -> PromQLAtModifier {
        let token = try lexer.peek()
        if token.kind == .identifier, token.text == "start" || token.text == "end" {
            _ = try lexer.next()
            for kind in [PromQLToken.Kind.leftParen, .rightParen] {
                let next = try lexer.peek()
                guard next.kind == kind else { throw error(at: next, "unexpected \(next.errorDescription) in @, expected timestamp") }
                _ = try lexer.next()
            }
            return token.text == "start" ? .start : .end
        }
        var sign = 1.0
        var numberToken = token
        if token.kind == .minus || token.kind == .plus {
            sign = token.kind == .minus ? -1 : 1
            _ = try lexer.next()
            numberToken = try lexer.peek()
        }
        let seconds: Double
        if numberToken.kind == .number {
            seconds = sign * (try parseNumber(numberToken))
        } else if numberToken.kind == .identifier, ["inf", "nan"].contains(numberToken.text.lowercased()) {
            seconds = numberToken.text.lowercased() == "nan" ? .nan : sign * .infinity
        } else {
            throw error(at: numberToken, "unexpected \(numberToken.errorDescription) in @, expected timestamp")
        }
        _ = try lexer.next()
        guard seconds.isFinite, seconds < 9.223372036854775807e18, seconds > -9.223372036854775807e18 else {
            throw error(at: subject.start, "timestamp out of bounds for @ modifier: \(GoFormat.format(seconds, verb: "f", precision: nil))")
        }
        let milliseconds = (seconds * 1000).rounded()
        // Go's int64() of what does not fit is the smallest int64 on amd64.
        return .time(Swift.abs(milliseconds) < 9.223372036854775807e18 ? Int64(milliseconds) : .min)
    }

    private mutating func parseSelector() throws(ParseError) -> Parsed {
        let start = try lexer.peek().range.lowerBound
        let selector = try SeriesSelector.parse(&lexer)
        return Parsed(expr: .vectorSelector(PromQLVectorSelector(selector: selector)), start: start, depth: 1)
    }

    private mutating func parseCall() throws(ParseError) -> Parsed {
        let nameToken = try lexer.next()
        guard let function = PromQLFunction.named(nameToken.text) else {
            throw error(at: nameToken, "unknown function with name \(ByteText.quote(Array(nameToken.text.utf8)))")
        }
        let arguments = try parseArguments()
        let count = arguments.count
        let maximum = function.argumentTypes.count
        let quotedName = "\"\(function.name)\""
        if function.optionalArguments == 0, count != maximum {
            throw error(at: nameToken, "expected \(maximum) argument(s) in call to \(quotedName), got \(count)")
        }
        if count < function.minimumArguments {
            throw error(at: nameToken, "expected at least \(function.minimumArguments) argument(s) in call to \(quotedName), got \(count)")
        }
        if count > maximum, !function.repeatsLast {
            throw error(at: nameToken, "expected at most \(maximum) argument(s) in call to \(quotedName), got \(count)")
        }
        for (index, argument) in arguments.enumerated() {
            try expectType(argument, function.argumentTypes[min(index, maximum - 1)], context: "call to function \(quotedName)")
        }
        let call = PromQLCall(function: function, arguments: arguments.map(\.expr))
        return Parsed(expr: .call(call), start: nameToken.range.lowerBound, depth: (arguments.map(\.depth).max() ?? 0) + 1)
    }

    /// `sum(x)`, `sum by (a) (x)`, `sum(x) without (a)`, `topk(5, x)`.
    private mutating func parseAggregation(_ op: PromQLAggregationOperator) throws(ParseError) -> Parsed {
        let nameToken = try lexer.next()
        var grouping = try parseAggregationGrouping()
        let arguments = try parseArguments(inAggregation: true)
        if grouping == nil {
            grouping = try parseAggregationGrouping()
        }
        let expected = op.takesParameter ? 2 : 1
        if arguments.isEmpty {
            throw error(at: nameToken, "no arguments for aggregate expression provided")
        }
        guard arguments.count == expected else {
            throw error(
                at: nameToken,
                "wrong number of arguments for aggregate expression provided, expected \(expected), got \(arguments.count)")
        }
        let parameter = op.takesParameter ? arguments[0] : nil
        if let parameter, let type = op.parameterType {
            try expectType(parameter, type, context: "aggregation parameter")
        }
        let operand = arguments[expected - 1]
        try expectType(operand, .instantVector, context: "aggregation expression")
        let aggregation = PromQLAggregation(op: op, expr: operand.expr, parameter: parameter?.expr, grouping: grouping ?? .none)
        return Parsed(
            expr: .aggregation(aggregation), start: nameToken.range.lowerBound,
            depth: (arguments.map(\.depth).max() ?? 0) + 1)
    }

    /// `by (…)` or `without (…)` if one comes next; nil if neither does.
    private mutating func parseAggregationGrouping() throws(ParseError) -> PromQLAggregationGrouping? {
        if try consumeKeyword("by") { return .by(try parseLabelList()) }
        if try consumeKeyword("without") { return .without(try parseLabelList()) }
        return nil
    }

    /// `( expr, expr, … )`; unlike label lists, a trailing comma is an error here, as in Prometheus.
    /// An aggregation's errors say so, as Prometheus' `unexpected identifier "x" in aggregation`.
    private mutating func parseArguments(inAggregation: Bool = false) throws(ParseError) -> [Parsed] {
        try expect(.leftParen, inAggregation ? " in aggregation" : ", expected \"(\"")
        var arguments: [Parsed] = []
        if try lexer.peek().kind == .rightParen {
            _ = try lexer.next()
            return arguments
        }
        while true {
            let first = try lexer.peek()
            if inAggregation, first.kind == .comma { throw error(at: first, "unexpected \",\" in aggregation") }
            arguments.append(try parseExpression(minimumPrecedence: 0))
            let separator = try lexer.next()
            switch separator.kind {
            case .rightParen:
                return arguments
            case .comma:
                if try lexer.peek().kind == .rightParen {
                    throw error(at: separator, "trailing commas not allowed in function call args")
                }
            case .endOfInput:
                throw error(at: separator, "unclosed left parenthesis")
            default:
                throw error(at: separator, "unexpected \(separator.errorDescription), expected \",\" or \")\"")
            }
        }
    }

    // MARK: - Binary operators

    private static func binaryOperator(_ token: PromQLToken) -> PromQLBinaryOperator? {
        switch token.kind {
        case .caret: return .power
        case .star: return .multiply
        case .slash: return .divide
        case .percent: return .modulo
        case .plus: return .add
        case .minus: return .subtract
        case .equalEqual: return .equal
        case .notEqual: return .notEqual
        case .lessEqual: return .lessOrEqual
        case .less: return .less
        case .greaterEqual: return .greaterOrEqual
        case .greater: return .greater
        case .identifier:
            switch token.text.lowercased() {
            case "and": return .and
            case "or": return .or
            case "unless": return .unless
            case "atan2": return .atan2
            default: return nil
            }
        default: return nil
        }
    }

    /// `on(…)` / `ignoring(…)`, optionally followed by `group_left[(…)]` / `group_right[(…)]`.
    private mutating func parseVectorMatching() throws(ParseError) -> PromQLVectorMatching? {
        let on: Bool
        if try consumeKeyword("on") {
            on = true
        } else if try consumeKeyword("ignoring") {
            on = false
        } else {
            return nil
        }
        var matching = PromQLVectorMatching(on: on, labels: try parseLabelList())
        if try consumeKeyword("group_left") {
            matching.grouping = .groupLeft(try lexer.peek().kind == .leftParen ? parseLabelList() : [])
        } else if try consumeKeyword("group_right") {
            matching.grouping = .groupRight(try lexer.peek().kind == .leftParen ? parseLabelList() : [])
        }
        return matching
    }

    /// Builds `lhs op rhs` after the checks Prometheus' `checkAST` makes, in its order.
    private func makeBinary(
        _ op: PromQLBinaryOperator, opToken: PromQLToken, _ lhs: Parsed, _ rhs: Parsed, returnsBool: Bool,
        matching: PromQLVectorMatching?
    ) throws(ParseError) -> Parsed {
        let depth = max(lhs.depth, rhs.depth) + 1
        // Left-associative chains (`a + a + a …`) grow the tree without recursing, so check here too.
        if depth > Self.maximumDepth {
            throw error(at: opToken, "expression nested too deeply: more than \(Self.maximumDepth) levels")
        }
        let lhsType = lhs.expr.valueType
        let rhsType = rhs.expr.valueType
        if returnsBool, !op.isComparison {
            throw error(at: opToken, "bool modifier can only be used on comparison operators")
        }
        if op.isComparison, !returnsBool, lhsType == .scalar, rhsType == .scalar {
            throw error(at: opToken, "comparisons between scalars must use BOOL modifier")
        }
        if let matching, matching.on {
            let included: [String]
            switch matching.grouping {
            case .oneToOne: included = []
            case .groupLeft(let labels), .groupRight(let labels): included = labels
            }
            if let both = matching.labels.first(where: included.contains) {
                throw error(at: lhs.start, "label \"\(both)\" must not occur in ON and GROUP clause at once")
            }
        }
        for operand in [lhs, rhs] where operand.expr.valueType != .scalar && operand.expr.valueType != .instantVector {
            throw error(at: operand.start, "binary expression must contain only scalar and instant vector types")
        }
        var keptMatching = matching
        if lhsType == .scalar || rhsType == .scalar {
            // Matching means nothing next to a scalar; Prometheus drops an empty `on()` and rejects the rest.
            if let matching, !matching.labels.isEmpty {
                throw error(at: lhs.start, "vector matching only allowed between instant vectors")
            }
            keptMatching = nil
            if op.isSetOperator {
                throw error(at: lhs.start, "set operator \"\(op.rawValue)\" not allowed in binary scalar expression")
            }
        } else if op.isSetOperator, let matching, matching.grouping != .oneToOne {
            throw error(at: lhs.start, "no grouping allowed for \"\(op.rawValue)\" operation")
        }
        let binary = PromQLBinaryExpr(op: op, lhs: lhs.expr, rhs: rhs.expr, returnsBool: returnsBool, matching: keptMatching)
        return Parsed(expr: .binary(binary), start: lhs.start, depth: depth)
    }

    // MARK: - Tokens

    /// `( name, name, … )` with an optional trailing comma, after `by`, `without`, `on`, `ignoring`,
    /// `group_left` or `group_right`; keywords are fine as label names. Messages are Prometheus'.
    private mutating func parseLabelList() throws(ParseError) -> [String] {
        try expect(.leftParen, " in grouping opts, expected \"(\"")
        var labels: [String] = []
        while true {
            let token = try lexer.next()
            switch token.kind {
            case .rightParen:
                return labels
            case .identifier where MetricNames.isValidLabelName(token.text):
                labels.append(token.text)
            default:
                throw error(at: token, "unexpected \(token.errorDescription) in grouping opts, expected label")
            }
            let separator = try lexer.next()
            switch separator.kind {
            case .rightParen: return labels
            case .comma: continue
            default: throw error(at: separator, "unexpected \(separator.errorDescription) in grouping opts, expected \",\" or \")\"")
            }
        }
    }

    /// A duration token such as `5m` or `1h30m`, in milliseconds.
    private mutating func parseDuration(expected: String = ", expected a duration like 5m or 1h30m") throws(ParseError) -> Int64 {
        let token = try lexer.next()
        guard token.kind == .duration else {
            throw error(at: token, "unexpected \(token.errorDescription)\(expected)")
        }
        do {
            return try DurationParser.parse(token.text)
        } catch {
            // Prometheus' words, at the token (`5m5m`, units out of order or repeated).
            throw self.error(at: token, "not a valid duration string: \"\(token.text)\"")
        }
    }

    /// Prometheus reads integers with Go's `strconv.ParseInt(text, 0, 64)` before trying a float, so
    /// `0x1F` is hexadecimal and, surprisingly, `010` is octal (8) while `09` is 9. Kept for fidelity:
    /// a rule copied from Prometheus must mean the same here.
    private func parseNumber(_ token: PromQLToken) throws(ParseError) -> Double {
        let text = token.text
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            guard let value = Int64(text.dropFirst(2), radix: 16) else {
                throw error(at: token, "number \(ByteText.quote(Array(text.utf8))) is too large")
            }
            return Double(value)
        }
        if text.count > 1, text.hasPrefix("0"), text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }),
            let octal = Int64(text.dropFirst(), radix: 8)
        {
            return Double(octal)
        }
        guard let value = Double(text) else {
            throw error(at: token, "invalid number \(ByteText.quote(Array(text.utf8)))")
        }
        return value
    }

    private static func isKeyword(_ token: PromQLToken, _ keyword: String) -> Bool {
        token.kind == .identifier && token.text.lowercased() == keyword
    }

    /// Consumes the next token if it is `keyword` (case-insensitive).
    private mutating func consumeKeyword(_ keyword: String) throws(ParseError) -> Bool {
        guard Self.isKeyword(try lexer.peek(), keyword) else { return false }
        _ = try lexer.next()
        return true
    }

    /// Consumes a token of `kind`, else fails with "unexpected <token>" followed by `expectation`
    /// (", expected …" or " in grouping opts, expected …").
    private mutating func expect(_ kind: PromQLToken.Kind, _ expectation: String) throws(ParseError) {
        let token = try lexer.next()
        guard token.kind == kind else {
            throw error(at: token, "unexpected \(token.errorDescription)\(expectation)")
        }
    }

    private func expectType(_ parsed: Parsed, _ expected: PromQLValueType, context: String) throws(ParseError) {
        let actual = parsed.expr.valueType
        if actual != expected {
            throw error(at: parsed.start, "expected type \(expected.rawValue) in \(context), got \(actual.rawValue)")
        }
    }

    private func error(at token: PromQLToken, _ message: String) -> ParseError {
        lexer.error(at: token.range.lowerBound, message)
    }

    private func error(at offset: Int, _ message: String) -> ParseError {
        lexer.error(at: offset, message)
    }
}
