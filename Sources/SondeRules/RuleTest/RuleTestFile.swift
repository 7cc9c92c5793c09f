import SondeCore

/// A promtool rule unit-test file (`promtool test rules`), read as Prometheus 2.42 reads it:
/// strictly (an unknown or repeated key is an error, as with Go's `yaml.UnmarshalStrict`), with
/// `evaluation_interval` defaulting to 1m, and every value checked when the file is loaded (input
/// series notation, series and sample label sets, expressions, durations), each problem reported
/// with file, line and column.
///
/// Two of promtool 2.42's rules that its documentation does not state:
/// - a test group without `interval` loads its series with an interval of **0**: every point sits
///   at time 0 and only the first one is kept (newer Prometheus versions default it to
///   `evaluation_interval`). `intervalMilliseconds` is nil then; `sampleIntervalMilliseconds`
///   applies 2.42's rule.
/// - `_xN` is N empty steps, while `axN` is N+1 samples (see `SeriesNotation`).
///
/// It does no I/O: `ruleFilePatterns` are the globs joined to the test file's folder, for the
/// runner to expand (a pattern matching nothing is only a warning in promtool).
public struct RuleTestFile: Sendable, Equatable {
    public var path: String?
    /// `rule_files` as written.
    public var ruleFiles: [String]
    public var evaluationIntervalMilliseconds: Int64
    public var groupEvalOrder: [String]
    public var tests: [RuleTestGroup]

    public init(path: String?, ruleFiles: [String], evaluationIntervalMilliseconds: Int64 = 60_000, groupEvalOrder: [String] = [], tests: [RuleTestGroup] = []) {
        self.path = path
        self.ruleFiles = ruleFiles
        self.evaluationIntervalMilliseconds = evaluationIntervalMilliseconds
        self.groupEvalOrder = groupEvalOrder
        self.tests = tests
    }

    /// Parses a test file; `path` names it in errors and anchors relative `rule_files`.
    public static func parse(_ text: String, path: String? = nil) throws(RuleFileErrors) -> RuleTestFile {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text, file: path)
        } catch {
            throw RuleFileErrors(errors: [error])
        }
        var reader = RuleTestReader()
        let file = reader.file(root, path: path)
        guard reader.errors.isEmpty else { throw RuleFileErrors(errors: reader.errors) }
        return file
    }

    /// `rule_files` joined to the test file's folder (absolute ones unchanged) and cleaned like Go's
    /// `filepath.Join`; still globs.
    public var ruleFilePatterns: [String] {
        let folder: String
        if let path, let slash = path.lastIndex(of: "/") {
            folder = String(path[..<slash]).isEmpty ? "/" : String(path[..<slash])
        } else {
            folder = "."
        }
        return ruleFiles.map { pattern in
            if pattern.isEmpty || pattern.hasPrefix("/") { return pattern }
            return Self.clean(folder + "/" + pattern)
        }
    }

    /// Go's `filepath.Clean`: no `.` or empty elements, `..` resolved where it can be.
    static func clean(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == ".." && absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}

/// One entry of `tests:`: input series and the checks run against them.
public struct RuleTestGroup: Sendable, Equatable {
    public var name: String?
    /// `interval` as written; nil when absent.
    public var intervalMilliseconds: Int64?
    public var inputSeries: [RuleTestInputSeries]
    public var alertRuleTests: [AlertRuleTestCase]
    public var promqlExprTests: [PromQLExprTestCase]
    public var externalLabels: [String: String]
    public var externalURL: String
    public var position: YAMLPosition

    /// The spacing of input points as promtool 2.42 applies it: `interval`, or 0 when absent.
    public var sampleIntervalMilliseconds: Int64 { intervalMilliseconds ?? 0 }
}

/// `series` + `values`: one input series, one point per interval step from time 0.
public struct RuleTestInputSeries: Sendable, Equatable {
    /// The series' labels, `__name__` included.
    public var labels: [String: String]
    public var points: [SeriesPoint]
    public var position: YAMLPosition

    public static func == (lhs: RuleTestInputSeries, rhs: RuleTestInputSeries) -> Bool {
        lhs.labels == rhs.labels && lhs.position == rhs.position && lhs.points.count == rhs.points.count
            && zip(lhs.points, rhs.points).allSatisfy { $0.isIdentical(to: $1) }
    }
}

/// `alert_rule_test`: the alerts named `alertname` that fire at `eval_time`, exactly.
public struct AlertRuleTestCase: Sendable, Equatable {
    public var evalTimeMilliseconds: Int64
    public var alertname: String
    public var expectedAlerts: [ExpectedAlert]
    public var position: YAMLPosition
}

/// One expected firing alert: its labels (without `alertname`, which promtool adds) and annotations.
public struct ExpectedAlert: Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
}

/// `promql_expr_test`: the expression's result at `eval_time`, compared as a set of samples.
public struct PromQLExprTestCase: Sendable, Equatable {
    public var expr: PromQLExpr
    public var exprText: String
    public var evalTimeMilliseconds: Int64
    public var expectedSamples: [ExpectedSample]
    public var position: YAMLPosition
}

/// An expected sample: a label set written in series notation (`{job="a"}`, `up{job="a"}`) and a value.
public struct ExpectedSample: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
    public var position: YAMLPosition

    public static func == (lhs: ExpectedSample, rhs: ExpectedSample) -> Bool {
        lhs.labels == rhs.labels && lhs.position == rhs.position
            && (lhs.value == rhs.value || (lhs.value.isNaN && rhs.value.isNaN))
    }
}

/// Walks the YAML tree of a test file, collecting every problem.
struct RuleTestReader: YAMLProblemCollecting {
    var errors: [ParseError] = []

    mutating func file(_ root: YAMLNode, path: String?) -> RuleTestFile {
        var file = RuleTestFile(path: path, ruleFiles: [], evaluationIntervalMilliseconds: 60_000, groupEvalOrder: [], tests: [])
        guard let keys = mapping(root, allowed: ["rule_files", "evaluation_interval", "group_eval_order", "tests"], what: "the test file") else { return file }
        if let node = keys["rule_files"] { file.ruleFiles = strings(node, "rule_files") }
        if let node = keys["evaluation_interval"], !node.isNull {
            let interval = duration(node, "evaluation_interval")
            // promtool replaces a zero interval with the 1m default.
            if interval > 0 { file.evaluationIntervalMilliseconds = interval }
        }
        if let node = keys["group_eval_order"] {
            file.groupEvalOrder = strings(node, "group_eval_order")
            var seen = Set<String>()
            for (index, name) in file.groupEvalOrder.enumerated() where !seen.insert(name).inserted {
                let position = node.sequence.map { $0[index].position } ?? node.position
                errors.append(position.error("group_eval_order: group name repeated in evaluation order: \(name)"))
            }
        }
        if let node = keys["tests"], let items = sequence(node, "tests") {
            file.tests = items.compactMap { group($0) }
        }
        return file
    }

    private mutating func group(_ node: YAMLNode) -> RuleTestGroup? {
        let allowed = ["interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name"]
        guard let keys = mapping(node, allowed: allowed, what: "a test group") else { return nil }
        var group = RuleTestGroup(
            name: nil, intervalMilliseconds: nil, inputSeries: [], alertRuleTests: [], promqlExprTests: [],
            externalLabels: [:], externalURL: "", position: node.position)
        if let value = keys["name"] { group.name = string(value, "name") }
        let context = group.name.map { "test group \"\($0)\"" } ?? "test group"
        if let value = keys["interval"], !value.isNull { group.intervalMilliseconds = duration(value, "\(context): interval") }
        if let value = keys["external_labels"] { group.externalLabels = stringMap(value, "\(context): external_labels") }
        if let value = keys["external_url"] { group.externalURL = string(value, "\(context): external_url") ?? "" }
        if let value = keys["input_series"], let items = sequence(value, "\(context): input_series") {
            group.inputSeries = items.compactMap { inputSeries($0, context) }
        }
        if let value = keys["alert_rule_test"], let items = sequence(value, "\(context): alert_rule_test") {
            group.alertRuleTests = items.compactMap { alertTest($0, context) }
        }
        if let value = keys["promql_expr_test"], let items = sequence(value, "\(context): promql_expr_test") {
            group.promqlExprTests = items.compactMap { exprTest($0, context) }
        }
        return group
    }

    private mutating func inputSeries(_ node: YAMLNode, _ context: String) -> RuleTestInputSeries? {
        guard let keys = mapping(node, allowed: ["series", "values"], what: "an input series") else { return nil }
        guard let seriesNode = keys["series"], let text = string(seriesNode, "\(context): series") else {
            errors.append(node.position.error("\(context): an input series needs `series`"))
            return nil
        }
        guard let labels = labelSet(text, seriesNode, "\(context): series") else { return nil }
        var points: [SeriesPoint] = []
        if let valuesNode = keys["values"], let values = string(valuesNode, "\(context): values") {
            do {
                points = try SeriesNotation.expand(values)
            } catch {
                errors.append(Self.position(of: error, in: valuesNode, "\(context): values"))
                return nil
            }
        }
        return RuleTestInputSeries(labels: labels, points: points, position: node.position)
    }

    private mutating func alertTest(_ node: YAMLNode, _ context: String) -> AlertRuleTestCase? {
        guard let keys = mapping(node, allowed: ["eval_time", "alertname", "exp_alerts"], what: "an alert_rule_test item") else { return nil }
        let evalTime = keys["eval_time"].map { $0.isNull ? 0 : duration($0, "\(context): eval_time") } ?? 0
        guard let name = keys["alertname"].flatMap({ string($0, "\(context): alertname") }), !name.isEmpty else {
            errors.append(node.position.error("\(context): an item under alert_rule_test misses required attribute alertname at eval_time \(DurationParser.format(evalTime))"))
            return nil
        }
        var expected: [ExpectedAlert] = []
        if let value = keys["exp_alerts"], let items = sequence(value, "\(context): exp_alerts") {
            for item in items {
                guard let alertKeys = mapping(item, allowed: ["exp_labels", "exp_annotations"], what: "an expected alert") else { continue }
                expected.append(ExpectedAlert(
                    labels: alertKeys["exp_labels"].map { stringMap($0, "\(context): exp_labels") } ?? [:],
                    annotations: alertKeys["exp_annotations"].map { stringMap($0, "\(context): exp_annotations") } ?? [:]))
            }
        }
        return AlertRuleTestCase(evalTimeMilliseconds: evalTime, alertname: name, expectedAlerts: expected, position: node.position)
    }

    private mutating func exprTest(_ node: YAMLNode, _ context: String) -> PromQLExprTestCase? {
        guard let keys = mapping(node, allowed: ["expr", "eval_time", "exp_samples"], what: "a promql_expr_test item") else { return nil }
        let evalTime = keys["eval_time"].map { $0.isNull ? 0 : duration($0, "\(context): eval_time") } ?? 0
        guard let exprNode = keys["expr"], let text = string(exprNode, "\(context): expr"), !text.isEmpty else {
            errors.append(node.position.error("\(context): a promql_expr_test item needs `expr`"))
            return nil
        }
        let expr: PromQLExpr
        do {
            expr = try PromQLParser.parse(text)
        } catch {
            errors.append(RuleFileReader.position(of: error, in: exprNode, rule: context))
            return nil
        }
        var samples: [ExpectedSample] = []
        if let value = keys["exp_samples"], let items = sequence(value, "\(context): exp_samples") {
            for item in items {
                guard let sampleKeys = mapping(item, allowed: ["labels", "value"], what: "an expected sample") else { continue }
                var labels: [String: String] = [:]
                if let labelsNode = sampleKeys["labels"], let text = string(labelsNode, "\(context): labels"), !text.isEmpty {
                    guard let parsed = labelSet(text, labelsNode, "\(context): labels") else { continue }
                    labels = parsed
                }
                let value = sampleKeys["value"].map { float($0, "\(context): value") } ?? 0
                samples.append(ExpectedSample(labels: labels, value: value, position: item.position))
            }
        }
        return PromQLExprTestCase(expr: expr, exprText: text, evalTimeMilliseconds: evalTime, expectedSamples: samples, position: node.position)
    }

    // MARK: - Values

    /// A label set in series notation: `name{a="b"}` or `{a="b"}`; only `=` (Prometheus' ParseMetric).
    private mutating func labelSet(_ text: String, _ node: YAMLNode, _ what: String) -> [String: String]? {
        if text.filter({ !$0.isWhitespace }) == "{}" { return [:] }
        let selector: SeriesSelector
        do {
            selector = try SeriesSelector.parse(text)
        } catch {
            errors.append(Self.position(of: error, in: node, what))
            return nil
        }
        var labels: [String: String] = [:]
        for matcher in selector.matchers {
            guard matcher.op == .equal else {
                errors.append(node.position.error("\(what): unexpected \"\(matcher.op.rawValue)\" in label set, expected \"=\""))
                return nil
            }
            labels[matcher.name] = matcher.value
        }
        return labels
    }

    /// Any scalar is text, as yaml.v2 decodes into a Go string; a null is "".
    private mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        if node.isNull { return "" }
        guard let text = node.scalar else {
            errors.append(node.position.error("\(what): expected a string, found \(node.summary)"))
            return nil
        }
        return text
    }

    private mutating func strings(_ node: YAMLNode, _ what: String) -> [String] {
        guard let items = sequence(node, what) else { return [] }
        return items.compactMap { string($0, what) }
    }

    private mutating func stringMap(_ node: YAMLNode, _ what: String) -> [String: String] {
        if node.isNull { return [:] }
        guard let entries = node.mapping else {
            errors.append(node.position.error("\(what): expected a mapping, found \(node.summary)"))
            return [:]
        }
        var result: [String: String] = [:]
        for entry in entries {
            if let value = string(entry.value, "\(what): \(entry.key)") { result[entry.key] = value }
        }
        return result
    }

    private mutating func duration(_ node: YAMLNode, _ what: String) -> Int64 {
        guard let text = node.scalar else {
            errors.append(node.position.error("\(what): expected a duration, found \(node.summary)"))
            return 0
        }
        do {
            return try DurationParser.parse(text)
        } catch {
            errors.append(node.position.error("\(what): not a valid duration string: \"\(text)\""))
            return 0
        }
    }

    /// A YAML float as yaml.v2 resolves a plain scalar into a Go float64: ints (also 0x, 0o, 0b,
    /// with `_`), decimal floats, `.inf`/`-.inf`/`.nan`. Quoted scalars and words such as `Inf`
    /// are strings, which promtool rejects.
    private mutating func float(_ node: YAMLNode, _ what: String) -> Double {
        if node.isNull { return 0 }
        guard case .scalar(let text, let quoted) = node.kind else {
            errors.append(node.position.error("\(what): expected a number, found \(node.summary)"))
            return 0
        }
        if !quoted, let value = Self.yamlFloat(text) { return value }
        errors.append(node.position.error("\(what): cannot unmarshal !!str `\(text)` into float64 (write .inf, -.inf or .nan for the special values)"))
        return 0
    }

    static func yamlFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let plain = text.filter { $0 != "_" }
        var body = Substring(plain)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        var magnitude: Double?
        let lower = body.lowercased()
        if lower.hasPrefix("0x") {
            magnitude = UInt64(lower.dropFirst(2), radix: 16).map { Double($0) }
        } else if lower.hasPrefix("0o") {
            magnitude = UInt64(lower.dropFirst(2), radix: 8).map { Double($0) }
        } else if lower.hasPrefix("0b") {
            magnitude = UInt64(lower.dropFirst(2), radix: 2).map { Double($0) }
        } else if lower.count > 1, lower.hasPrefix("0"), lower.allSatisfy({ ("0"..."7").contains($0) }) {
            magnitude = UInt64(lower.dropFirst(), radix: 8).map { Double($0) }
        } else if let int = UInt64(lower) {
            magnitude = Double(int)
        } else if Self.isYAMLFloat(text) {
            magnitude = Double(lower)
        }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// yaml.v2's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    private static func isYAMLFloat(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func digits() -> Int {
            var count = 0
            while let byte = bytes.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                bytes = bytes.dropFirst()
                count += 1
            }
            return count
        }
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if bytes.first == UInt8(ascii: ".") {
                bytes = bytes.dropFirst()
                _ = digits()
            }
        }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// A value's error positioned in the file: on one line, offset by where the value starts.
    static func position(of error: ParseError, in node: YAMLNode, _ what: String) -> ParseError {
        var line = node.position.line
        var column = error.column
        if case .scalar(let text, let quoted) = node.kind, !text.contains("\n") {
            column = node.position.column + (quoted ? 1 : 0) + error.column - 1
        } else {
            line += error.line
        }
        return ParseError(file: node.position.file, line: line, column: column, message: "\(what): \(error.message)")
    }
}
