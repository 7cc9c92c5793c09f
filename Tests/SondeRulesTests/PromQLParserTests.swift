import SondeCore
import SondeRules
import Testing

/// The tree of an expression with every binary and unary node in brackets, so a test can see how the
/// parser grouped operands: `2 ^ 3 ^ 2` → `[2 ^ [3 ^ 2]]`.
func shape(_ expr: PromQLExpr) -> String {
    switch expr {
    case .binary(let binary): return "[" + shape(binary.lhs) + " " + binary.op.rawValue + " " + shape(binary.rhs) + "]"
    case .unary(let op, let operand): return "[" + op.rawValue + shape(operand) + "]"
    case .parenthesized(let inner): return "(" + shape(inner) + ")"
    default: return expr.description
    }
}

func shapeOf(_ text: String) throws -> String {
    shape(try PromQLParser.parse(text))
}

/// The error as a user sees it (`1:6: …`), or nil if the text parses.
func parseError(_ text: String) -> String? {
    do {
        _ = try PromQLParser.parse(text)
        return nil
    } catch {
        return error.description
    }
}

func canonical(_ text: String) throws -> String {
    try PromQLParser.parse(text).description
}

@Suite struct PromQLParserPrecedenceTests {
    @Test func powerIsRightAssociative() throws {
        #expect(try shapeOf("2 ^ 3 ^ 2") == "[2 ^ [3 ^ 2]]")
    }

    @Test func unaryMinusBindsLooserThanPower() throws {
        #expect(try shapeOf("-2 ^ 2") == "[-[2 ^ 2]]")
        #expect(try shapeOf("2 ^ -2") == "[2 ^ -2]")
        #expect(try shapeOf("-a * b") == "[[-a] * b]")
        #expect(try shapeOf("-a ^ b * c") == "[[-[a ^ b]] * c]")
    }

    @Test func multiplicationBeforeAddition() throws {
        #expect(try shapeOf("a + b * c") == "[a + [b * c]]")
        #expect(try shapeOf("a * b + c") == "[[a * b] + c]")
        #expect(try shapeOf("a - b - c") == "[[a - b] - c]")
        #expect(try shapeOf("a / b % c atan2 d") == "[[[a / b] % c] atan2 d]")
    }

    @Test func setOperatorsBindLoosest() throws {
        #expect(try shapeOf("a or b and c") == "[a or [b and c]]")
        #expect(try shapeOf("a and b or c unless d") == "[[a and b] or [c unless d]]")
        #expect(try shapeOf("a > b and c") == "[[a > b] and c]")
        #expect(try shapeOf("a + b > c * d") == "[[a + b] > [c * d]]")
        #expect(try shapeOf("a == b != c") == "[[a == b] != c]")
    }

    @Test func parenthesesOverridePrecedence() throws {
        #expect(try shapeOf("(a + b) * c") == "[([a + b]) * c]")
        #expect(try shapeOf("(2 ^ 3) ^ 2") == "[([2 ^ 3]) ^ 2]")
    }

    @Test func signsFoldIntoNumbers() throws {
        #expect(try PromQLParser.parse("-1") == .number(PromQLNumber(-1)))
        #expect(try PromQLParser.parse("+1") == .number(PromQLNumber(1)))
        #expect(try PromQLParser.parse("- -1") == .number(PromQLNumber(1)))
        #expect(try PromQLParser.parse("-Inf") == .number(PromQLNumber(-.infinity)))
        #expect(try shapeOf("-(1)") == "[-(1)]")
        #expect(try shapeOf("+a") == "[+a]")
    }
}

@Suite struct PromQLParserLiteralTests {
    @Test func numbers() throws {
        let cases: [(String, Double)] = [
            ("1", 1), ("1.5", 1.5), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("1E-3", 0.001), ("2.5e+2", 250),
            ("0x1F", 31), ("0XfF", 255), ("Inf", .infinity), ("inf", .infinity), ("+Inf", .infinity),
        ]
        for (text, value) in cases {
            #expect(try PromQLParser.parse(text) == .number(PromQLNumber(value)), "\(text)")
        }
        #expect(try PromQLParser.parse("NaN") == .number(PromQLNumber(.nan)))
        #expect(try PromQLParser.parse("99999999999999999999") == .number(PromQLNumber(1e20)))
        #expect(try PromQLParser.parse("nan").valueType == .scalar)
    }

    /// Prometheus reads integer literals with Go's base-0 `ParseInt`, so a leading zero means octal.
    @Test func leadingZeroIsOctalAsInPrometheus() throws {
        #expect(try PromQLParser.parse("010") == .number(PromQLNumber(8)))
        #expect(try PromQLParser.parse("09") == .number(PromQLNumber(9)))
        #expect(try PromQLParser.parse("0.5") == .number(PromQLNumber(0.5)))
        #expect(try PromQLParser.parse("00") == .number(PromQLNumber(0)))
        #expect(try canonical("0x7FFFFFFFFFFFFFFF") == "9.223372036854776e+18")
        #expect(parseError("0x8000000000000000") == #"1:1: number "0x8000000000000000" is too large"#)
    }

    @Test func strings() throws {
        #expect(try PromQLParser.parse(#""a\nb""#) == .string("a\nb"))
        #expect(try PromQLParser.parse("'x'") == .string("x"))
        #expect(try PromQLParser.parse("`raw\\n`") == .string("raw\\n"))
        #expect(try PromQLParser.parse(#""x""#).valueType == .string)
    }

    @Test func selectorsAndOffsets() throws {
        let selector = try SeriesSelector.parse(#"up{job="api"}"#)
        #expect(try PromQLParser.parse(#"up{job="api"}"#) == .vectorSelector(PromQLVectorSelector(selector: selector)))
        #expect(
            try PromQLParser.parse(#"up{job="api"}[5m]"#)
                == .matrixSelector(PromQLVectorSelector(selector: selector), rangeMilliseconds: 300_000))
        #expect(
            try PromQLParser.parse(#"up{job="api"} offset 1h"#)
                == .vectorSelector(PromQLVectorSelector(selector: selector, offsetMilliseconds: 3_600_000)))
        #expect(
            try PromQLParser.parse(#"up{job="api"}[1h30m] offset -5m"#)
                == .matrixSelector(
                    PromQLVectorSelector(selector: selector, offsetMilliseconds: -300_000), rangeMilliseconds: 5_400_000))
        #expect(try PromQLParser.parse("x[5m]").valueType == .rangeVector)
        #expect(try PromQLParser.parse("x OFFSET 5m").valueType == .instantVector)
        #expect(try canonical("x offset +5m") == "x offset 5m")
        #expect(try canonical("x offset 0s") == "x")
    }

    @Test func keywordsAsMetricNames() throws {
        // Not followed by "(" or a grouping clause, these are plain metric names, as in Prometheus.
        #expect(try canonical("sum") == #"{__name__="sum"}"#)
        #expect(try canonical("offset + by") == #"{__name__="offset"} + {__name__="by"}"#)
        #expect(try canonical("rate") == "rate")
        #expect(try canonical(#"{__name__="on"} * 2"#) == #"{__name__="on"} * 2"#)
    }
}

@Suite struct PromQLParserFunctionTests {
    @Test func everyFunctionWithValidArguments() throws {
        let calls = [
            "rate(x[5m])", "irate(x[5m])", "increase(x[5m])", "delta(x[5m])", "idelta(x[5m])", "deriv(x[5m])",
            "predict_linear(x[1h], 3600)", "avg_over_time(x[5m])", "min_over_time(x[5m])", "max_over_time(x[5m])",
            "sum_over_time(x[5m])", "count_over_time(x[5m])", "last_over_time(x[5m])",
            "quantile_over_time(0.9, x[5m])", "stddev_over_time(x[5m])", "changes(x[5m])", "resets(x[5m])",
            "absent(x)", "absent_over_time(x[5m])", "abs(x)", "ceil(x)", "floor(x)", "round(x)", "round(x, 0.5)",
            "clamp_min(x, 0)", "clamp_max(x, 1)", "histogram_quantile(0.99, rate(b[5m]))", "time()",
            "timestamp(x)", "vector(1)", "scalar(x)", #"label_replace(x, "dst", "$1", "src", "(.*)")"#,
            "sqrt(x)", "exp(x)", "ln(x)", "log2(x)", "log10(x)", "sgn(x)", "acos(x)", "tanh(x)", "deg(x)", "rad(x)", "pi()",
            "clamp(x, 0, 1)", "sort(x)", "sort_desc(x)", #"label_join(x, "dst", ",", "a", "b", "c")"#, #"label_join(x, "dst", ",")"#,
            "hour()", "hour(x)", "days_in_month(x)", "present_over_time(x[5m])", "stdvar_over_time(x[5m])",
            "holt_winters(x[5m], 0.5, 0.5)", "histogram_count(x)", "histogram_sum(x)", "histogram_fraction(0, 1, x)",
        ]
        for call in calls {
            #expect(try canonical(call) == call)
        }
        // Exactly Prometheus 2.42's functions (promql/parser/functions.go).
        let prometheus = """
            abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp clamp_max clamp_min cos cosh
            count_over_time days_in_month day_of_month day_of_week day_of_year deg delta deriv exp floor histogram_count histogram_fraction
            histogram_quantile histogram_sum holt_winters hour idelta increase irate label_replace label_join last_over_time ln log10 log2
            max_over_time min_over_time minute month pi predict_linear present_over_time quantile_over_time rad rate resets round scalar sgn
            sin sinh sort sort_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector year
            """
        #expect(Set(PromQLFunction.all.map(\.name)) == Set(prometheus.split(whereSeparator: \.isWhitespace).map(String.init)))
    }

    @Test func resultTypes() throws {
        #expect(try PromQLParser.parse("time()").valueType == .scalar)
        #expect(try PromQLParser.parse("scalar(x)").valueType == .scalar)
        #expect(try PromQLParser.parse("rate(x[5m])").valueType == .instantVector)
        #expect(try PromQLParser.parse("vector(time())").valueType == .instantVector)
        #expect(try PromQLParser.parse("time() + 1").valueType == .scalar)
        #expect(try PromQLParser.parse("time() + x").valueType == .instantVector)
    }

    @Test func trailingCommaIsAnErrorInArgumentsButNotInLabelLists() throws {
        #expect(parseError("clamp_min(x, 0,)") == "1:15: trailing commas not allowed in function call args")
        #expect(parseError("topk(5, x,)") == "1:10: trailing commas not allowed in function call args")
        #expect(try canonical("sum by (a, b,) (x)") == "sum by (a, b) (x)")
        #expect(try canonical("a + on(a,) b") == "a + on(a) b")
    }

    @Test func argumentTypeErrors() {
        #expect(parseError("rate(foo)") == #"1:6: expected type range vector in call to function "rate", got instant vector"#)
        #expect(parseError("abs(x[5m])") == #"1:5: expected type instant vector in call to function "abs", got range vector"#)
        #expect(parseError("abs(1)") == #"1:5: expected type instant vector in call to function "abs", got scalar"#)
        #expect(parseError("vector(x)") == #"1:8: expected type scalar in call to function "vector", got instant vector"#)
        #expect(
            parseError("quantile_over_time(x[5m], 0.5)")
                == #"1:20: expected type scalar in call to function "quantile_over_time", got range vector"#)
        #expect(
            parseError(#"label_replace(x, "a", "b", "c", 1)"#)
                == #"1:33: expected type string in call to function "label_replace", got scalar"#)
        #expect(parseError(#"abs("x")"#) == #"1:5: expected type instant vector in call to function "abs", got string"#)
    }

    @Test func argumentCountErrors() {
        #expect(parseError("rate()") == #"1:1: expected 1 argument(s) in call to "rate", got 0"#)
        #expect(parseError("x + time(1)") == #"1:5: expected 0 argument(s) in call to "time", got 1"#)
        #expect(parseError("clamp_min(x)") == #"1:1: expected 2 argument(s) in call to "clamp_min", got 1"#)
        #expect(parseError("round()") == #"1:1: expected at least 1 argument(s) in call to "round", got 0"#)
        #expect(parseError("round(x, 1, 2)") == #"1:1: expected at most 2 argument(s) in call to "round", got 3"#)
        // Messages as promtool 2.42 gives them.
        #expect(parseError("label_join(x)") == #"1:1: expected at least 3 argument(s) in call to "label_join", got 1"#)
        #expect(parseError("hour(x, x)") == #"1:1: expected at most 1 argument(s) in call to "hour", got 2"#)
        #expect(parseError(#"label_join(x, "b", "-", 1)"#) == #"1:25: expected type string in call to function "label_join", got scalar"#)
        #expect(parseError("count_values(1, x)") == "1:14: expected type string in aggregation parameter, got scalar")
        #expect(parseError(#"topk("a", x)"#) == "1:6: expected type scalar in aggregation parameter, got string")
        #expect(parseError("count_values(x)") == "1:1: wrong number of arguments for aggregate expression provided, expected 2, got 1")
    }

    @Test func unknownFunction() {
        #expect(parseError("foo(x)") == #"1:1: unknown function with name "foo""#)
        #expect(parseError("Rate(x[5m])") == #"1:1: unknown function with name "Rate""#)
        #expect(parseError("mad_over_time(x[5m])") == #"1:1: unknown function with name "mad_over_time""#, "not in 2.42")
    }
}

@Suite struct PromQLParserAggregationTests {
    @Test func everyAggregationForm() throws {
        let forms = [
            "sum(x)", "avg(x)", "min(x)", "max(x)", "count(x)", "stddev(x)", "topk(5, x)", "bottomk(3, x)",
            "group(x)", "stdvar(x)", #"count_values("v", x)"#, #"count_values by (a) ("v", x)"#,
            "quantile(0.9, x)", "sum by (job) (x)", "sum without (instance, cpu) (x)", "sum by () (x)",
            "topk by (job) (5, x)", "quantile without (a) (0.5, rate(x[5m]))",
        ]
        for form in forms {
            #expect(try canonical(form) == form)
        }
    }

    @Test func groupingAfterArguments() throws {
        #expect(try canonical("sum(x) by (job)") == "sum by (job) (x)")
        #expect(try canonical("max(x) WITHOUT (a,)") == "max without (a) (x)")
        #expect(try canonical("SUM BY (le) (x)") == "sum by (le) (x)")
        let parsed = try PromQLParser.parse("topk(2, x) by (a, b)")
        guard case .aggregation(let aggregation) = parsed else {
            Issue.record("not an aggregation: \(parsed)")
            return
        }
        #expect(aggregation.op == .topk)
        #expect(aggregation.grouping == .by(["a", "b"]))
        #expect(aggregation.parameter == .number(PromQLNumber(2)))
    }

    @Test func aggregationErrors() {
        #expect(parseError("sum(x[5m])") == "1:5: expected type instant vector in aggregation expression, got range vector")
        #expect(parseError("sum(1)") == "1:5: expected type instant vector in aggregation expression, got scalar")
        #expect(parseError("topk(x, y)") == "1:6: expected type scalar in aggregation parameter, got instant vector")
        #expect(parseError("topk(x)") == "1:1: wrong number of arguments for aggregate expression provided, expected 2, got 1")
        #expect(parseError("sum(1, x)") == "1:1: wrong number of arguments for aggregate expression provided, expected 1, got 2")
        #expect(parseError("sum by (job) (x) by (a)") == #"1:18: unexpected identifier "by""#)
        #expect(parseError("sum()") == "1:1: no arguments for aggregate expression provided")
        #expect(parseError("sum by (1) (x)") == #"1:9: unexpected number "1" in grouping opts, expected label"#)
        #expect(parseError("sum by (a b) (x)") == #"1:11: unexpected identifier "b" in grouping opts, expected "," or ")""#)
        #expect(parseError("sum by (a:b) (x)") == #"1:9: unexpected identifier "a:b" in grouping opts, expected label"#)
        #expect(parseError("sum by x (y)") == #"1:8: unexpected identifier "x" in grouping opts, expected "(""#)
        #expect(parseError("sum by (a) x") == #"1:12: unexpected identifier "x" in aggregation"#)
    }
}

@Suite struct PromQLParserBinaryTests {
    @Test func modifiers() throws {
        let forms = [
            "a > bool b", "a == bool 1", "1 > bool 2", "a + on(job) b", "a / ignoring(code) b",
            "a * on(job) group_left(name) b", "a * on(job) group_right b", "a - ignoring(x, y) group_left b",
            "a and on(job) b", "a unless ignoring(x) b", "a or b", "a + ignoring() b",
        ]
        for form in forms {
            #expect(try canonical(form) == form)
        }
        #expect(try canonical("a * on(job) group_left() b") == "a * on(job) group_left b")
        let parsed = try PromQLParser.parse("a * ON (job) GROUP_LEFT (name) b")
        guard case .binary(let binary) = parsed else {
            Issue.record("not a binary expression: \(parsed)")
            return
        }
        #expect(binary.matching == PromQLVectorMatching(on: true, labels: ["job"], grouping: .groupLeft(["name"])))
    }

    @Test func emptyMatchingNextToAScalarIsDropped() throws {
        #expect(try canonical("1 + on() x") == "1 + x")
    }

    @Test func typeErrors() {
        #expect(parseError("1 > 2") == "1:3: comparisons between scalars must use BOOL modifier")
        #expect(parseError("a + bool b") == "1:3: bool modifier can only be used on comparison operators")
        #expect(parseError("1 and x") == #"1:1: set operator "and" not allowed in binary scalar expression"#)
        #expect(parseError("x or 1") == #"1:1: set operator "or" not allowed in binary scalar expression"#)
        #expect(parseError("x[5m] + 1") == "1:1: binary expression must contain only scalar and instant vector types")
        #expect(parseError(#"1 + "a""#) == "1:5: binary expression must contain only scalar and instant vector types")
        #expect(parseError("1 + on(a) x") == "1:1: vector matching only allowed between instant vectors")
        #expect(parseError("a and on(x) group_left b") == #"1:1: no grouping allowed for "and" operation"#)
        #expect(parseError("a + on(x) group_left(x) b") == #"1:1: label "x" must not occur in ON and GROUP clause at once"#)
        #expect(parseError("-x[5m]") == #"1:1: unary expression only allowed on expressions of type scalar or instant vector, got "range vector""#)
        #expect(parseError(#"-"a""#) == #"1:1: unary expression only allowed on expressions of type scalar or instant vector, got "string""#)
    }

    @Test func errorsNameTheFile() {
        #expect(throws: ParseError(file: "rules.yaml", line: 1, column: 6, message: #"expected type range vector in call to function "rate", got instant vector"#)) {
            try PromQLParser.parse("rate(x)", fileName: "rules.yaml")
        }
    }

    @Test func nestedErrorsPointIntoTheExpression() {
        #expect(parseError("sum(rate(x[5m])) / on(job) rate(y)") == #"1:33: expected type range vector in call to function "rate", got instant vector"#)
        #expect(parseError("a +\n  rate(b)") == #"2:8: expected type range vector in call to function "rate", got instant vector"#)
    }
}

@Suite struct PromQLParserSyntaxErrorTests {
    @Test func selectorErrors() {
        #expect(parseError(#"foo{job="a",code!="2",)"#) == #"1:23: unexpected ")" in label matching, expected identifier or "}""#)
        #expect(parseError(#"{job=~".*"}"#) == "1:1: vector selector must contain at least one non-empty matcher")
        #expect(parseError("x[5]") == "1:3: missing unit character in duration")
        #expect(parseError("x[5m") == "1:5: unclosed left bracket")
        #expect(parseError("x[1m5h]") == #"1:3: not a valid duration string: "1m5h""#)
    }

    @Test func modifierPlacementErrors() {
        #expect(parseError("rate(x[5m])[5m]") == "1:12: ranges only allowed for vector selectors")
        #expect(parseError("(x)[5m]") == "1:4: ranges only allowed for vector selectors")
        #expect(parseError("x offset 5m[5m]") == "1:12: no offset modifiers allowed before range")
        // Positions and messages as promtool 2.42 gives them.
        #expect(parseError("x offset 5m offset 1m") == "1:1: offset may not be set multiple times")
        #expect(parseError("sum(x) offset 5m") == "1:1: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        #expect(parseError("x offset") == "1:9: unexpected end of input in offset, expected duration")
        #expect(parseError("x offset 0") == #"1:10: unexpected number "0" in offset, expected duration"#)
        #expect(parseError("(x) @ 5") == "1:1: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        #expect(parseError("x @ 5 @ 6") == "1:1: @ <timestamp> may not be set multiple times")
        #expect(parseError("x @ start() @ end()") == "1:1: @ <timestamp> may not be set multiple times")
        #expect(parseError("x @ NaN") == "1:1: timestamp out of bounds for @ modifier: NaN")
        #expect(parseError("x @ Inf") == "1:1: timestamp out of bounds for @ modifier: +Inf")
        #expect(parseError("x @ 1e20") == "1:1: timestamp out of bounds for @ modifier: 100000000000000000000.000000")
        #expect(parseError("x @ end") == "1:8: unexpected end of input in @, expected timestamp")
        #expect(parseError("x[5m][5m:1m]") == "1:1: subquery is only allowed on instant vector, got range vector instead")
        #expect(parseError("1[5m:1m]") == "1:1: subquery is only allowed on instant vector, got scalar instead")
        #expect(parseError("x[5m:0s]") == "1:6: duration must be greater than 0")
        #expect(parseError("x[0s:1m]") == "1:3: duration must be greater than 0")
        #expect(parseError("x[5m:-1m]") == #"1:6: unexpected "-" in subquery selector, expected duration or "]""#)
        #expect(parseError("x @ 5 [1m]") == "1:7: no @ modifiers allowed before range")
    }

    @Test func subqueriesAndAt() throws {
        let forms = [
            "max_over_time(rate(x[1m])[1h:5m])", "x[5m:]", "(a + b)[10m:1m] offset 5m", "x @ 1700000000", "x @ 1700000000.5",
            "x @ start()", "rate(x[5m] @ end())", "x[1h:] offset 1m @ 100", "x offset 1m[5m:1m]", "min_over_time(max_over_time(x[1m:10s])[5m:1m])",
        ]
        for form in forms {
            #expect(try canonical(form) == form, "\(form)")
        }
        #expect(try canonical("x @ -5") == "x @ -5")
        #expect(try canonical("x offset 1m @ 5") == "x offset 1m @ 5", "offset and @ in either order")
        #expect(try canonical("x @ 5 offset 1m") == "x offset 1m @ 5")
        #expect(try PromQLParser.parse("x[5m:1m]").valueType == .rangeVector)
        guard case .vectorSelector(let selector) = try PromQLParser.parse("x @ 1.0005") else { throw ParseFailure() }
        #expect(selector.at == .time(1001), "seconds rounded to milliseconds, half away from zero")
    }

    @Test func structureErrors() {
        // Prometheus 2.42's words, as its HTTP API gives them after "parse error: ".
        #expect(parseError("") == "1:1: unexpected end of input")
        #expect(parseError("a +") == "1:4: unexpected end of input")
        #expect(parseError("(a + b") == "1:7: unclosed left parenthesis")
        #expect(parseError("sum(a") == "1:6: unclosed left parenthesis")
        #expect(parseError("x[1m:1m:1m]") == "1:8: unexpected colon ':'")
        #expect(parseError("x[0s]") == "1:3: duration must be greater than 0")
        #expect(parseError("x[1.5m]") == #"1:3: not a valid duration string: "1.5m""#)
        #expect(parseError("sum(,)") == #"1:5: unexpected "," in aggregation"#)
        #expect(parseError(#"x{job~"a"}"#) == "1:6: unexpected character inside braces: '~'")
        #expect(parseError(#"x{job="{"} ~"#) == "1:12: unexpected character: '~'")
        #expect(parseError(#"x{=~"a"}"#) == #"1:3: unexpected <op:=~> in label matching, expected identifier or "}""#)
        #expect(parseError("a b") == #"1:3: unexpected identifier "b""#)
        #expect(parseError("rate(x[5m] y)") == #"1:12: unexpected identifier "y", expected "," or ")""#)
        #expect(parseError("a + * b") == #"1:5: unexpected "*", expected an expression"#)
        #expect(parseError("a + on b") == #"1:8: unexpected identifier "b" in grouping opts, expected "(""#)
        #expect(parseError("0x") == #"1:1: error parsing number: strconv.ParseFloat: parsing "0x": invalid syntax"#)
        #expect(parseError("0x1FFFFFFFFFFFFFFFF") == #"1:1: number "0x1FFFFFFFFFFFFFFFF" is too large"#)
    }
}

@Suite struct PromQLParserRoundTripTests {
    static let expressions = [
        "1", "-1", "1.5", "0.001", "1e+20", "1e-07", "-Inf", "NaN", "0x10", #""a\"b\\c""#, "'single'",
        "up", #"up{job="api", code=~"5.."}"#, #"{__name__=~"node_.*", job!="x"}"#, #"{job="a", __name__="x"}"#,
        #"{"my.metric", "label.name"="v"}"#, "x[5m]", "x[1h30m] offset -1d", "x offset 1w",
        "2 ^ 3 ^ 2", "(2 ^ 3) ^ 2", "-2 ^ 2", "(-2) ^ 2", "- x", "+x * -y", "a - -1", "a - (b - c)",
        "a or b and c", "(a or b) and c", "a > bool 1", "a + on(job) group_left(x, y) b", "a / ignoring(x) b",
        "sum by (job) (rate(http_requests_total[5m])) / on(job) group_left sum by (job) (up)",
        "histogram_quantile(0.99, sum by (le) (rate(b[5m])))", "topk(3, sum without (cpu) (x)) > 0",
        "absent(up{job=\"x\"} == 1)", "round(x, 0.1) atan2 y", "time() - timestamp(x) > bool 60",
        #"label_replace(up, "host", "$1", "instance", "(.*):.*")"#, "predict_linear(disk[6h], 4 * 3600) < 0",
        "quantile_over_time(0.5, x[10m]) % 3", "clamp_max(clamp_min(x, 0), 1)", "scalar(x) * vector(2)",
        "count(x) unless count(y)", "stddev(avg_over_time(x[1m] offset 5m))", "(((a)))",
        "a # a comment\n + b", "SUM(x) BY (a)", "x == bool on(a) y",
    ]

    @Test(arguments: expressions) func descriptionParsesToAnEqualTree(_ text: String) throws {
        let parsed = try PromQLParser.parse(text)
        let printed = parsed.description
        let reparsed = try PromQLParser.parse(printed)
        #expect(reparsed == parsed, "\(text) printed as \(printed)")
        #expect(reparsed.description == printed)
    }

    @Test func canonicalForms() throws {
        #expect(try canonical("sum(rate(x{a='b'}[300s]))by(job)") == #"sum by (job) (rate(x{a="b"}[5m]))"#)
        #expect(try canonical("a+b*c") == "a + b * c")
        #expect(try canonical("x  offset  90m") == "x offset 1h30m")
        #expect(try canonical("1.0") == "1")
        #expect(try canonical("0x1F") == "31")
    }
}

@Suite struct PromQLParserHostileInputTests {
    @Test func deepParenthesesAreLimited() throws {
        let limit = PromQLParser.maximumDepth
        let deepest = String(repeating: "(", count: limit - 1) + "x" + String(repeating: ")", count: limit - 1)
        #expect(try PromQLParser.parse(deepest).valueType == .instantVector)
        let tooDeep = String(repeating: "(", count: limit) + "x" + String(repeating: ")", count: limit)
        #expect(parseError(tooDeep) == "1:257: expression nested too deeply: more than 256 levels")
        let hostile = String(repeating: "(", count: 100_000)
        #expect(parseError(hostile) == "1:257: expression nested too deeply: more than 256 levels")
    }

    /// The deepest accepted tree of each recursive form parses without exhausting the test thread's stack.
    @Test func deepestValidNestingOfEachFormParses() throws {
        let levelsAboveTheLeaf = PromQLParser.maximumDepth - 1
        // Each repetition of `open` adds `levels` tree levels: `-(` is a unary node and a parenthesis.
        let forms: [(open: String, levels: Int)] = [
            ("abs(", 1), ("sum(", 1), ("topk(1, ", 1), ("sum by (a) (", 1), ("-(", 2), ("x + (", 2),
        ]
        for form in forms {
            let count = levelsAboveTheLeaf / form.levels
            let text = String(repeating: form.open, count: count) + "x" + String(repeating: ")", count: count)
            #expect(try PromQLParser.parse(text).valueType == .instantVector, "\(form.open)")
        }
        // A right-associative chain of n terms is n levels deep.
        let power = Array(repeating: "2", count: PromQLParser.maximumDepth).joined(separator: " ^ ")
        #expect(try PromQLParser.parse(power).valueType == .scalar)
        #expect(parseError(power + " ^ 2") != nil)
    }

    @Test func deepUnaryAndCallsAreLimited() {
        #expect(parseError(String(repeating: "-", count: 10_000) + "1") != nil)
        #expect(parseError(String(repeating: "abs(", count: 10_000) + "x") != nil)
        #expect(parseError(String(repeating: "2 ^ ", count: 10_000) + "2") != nil)
        #expect(parseError(String(repeating: "sum(", count: 10_000)) != nil)
    }

    @Test func longLeftAssociativeChainsAreLimited() throws {
        let fine = Array(repeating: "a", count: 256).joined(separator: " + ")
        #expect(try PromQLParser.parse(fine).valueType == .instantVector)
        let long = Array(repeating: "a", count: 100_000).joined(separator: " + ")
        #expect(parseError(long) == "1:1023: expression nested too deeply: more than 256 levels")
    }

    @Test func veryLongInputsThatAreFlat() throws {
        let longName = String(repeating: "m", count: 200_000)
        #expect(try canonical(longName) == longName)
        let longString = "\"" + String(repeating: "s", count: 200_000) + "\""
        #expect(try PromQLParser.parse(longString).valueType == .string)
        let manyMatchers = "x{" + (0..<5000).map { "l\($0)=\"v\"" }.joined(separator: ",") + "}"
        #expect(try PromQLParser.parse(manyMatchers).valueType == .instantVector)
    }

    @Test func garbageIsAnErrorNotACrash() {
        for text in ["(", ")", "]", "}", "{", "[5m]", "offset 5m", "sum by", "sum(", "rate(", "a + on(", "x[", "\u{0}", "é", "!x"] {
            #expect(parseError(text) != nil, "\(text)")
        }
    }
}

struct ParseFailure: Error {}
