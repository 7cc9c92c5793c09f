import SondeCore

/// A Prometheus rule file: `groups` of recording and alerting rules, read unchanged from the files
/// users already have. `RuleFile.load` checks what `promtool check rules` checks and reports every
/// problem with its file, line, column and rule.
public struct RuleFile: Sendable, Equatable {
    public var path: String?
    public var groups: [RuleGroup]

    /// Parses `text`; throws every problem found (not only the first).
    public static func parse(_ text: String, path: String? = nil) throws(RuleFileErrors) -> RuleFile {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text, file: path)
        } catch {
            throw RuleFileErrors(errors: [error])
        }
        var reader = RuleFileReader()
        let groups = reader.groups(root)
        guard reader.errors.isEmpty else { throw RuleFileErrors(errors: reader.errors) }
        return RuleFile(path: path, groups: groups)
    }
}

public struct RuleGroup: Sendable, Equatable {
    public var name: String
    /// nil: the global evaluation interval.
    public var intervalMilliseconds: Int64?
    /// At most this many series per rule (0: no limit), as Prometheus' `limit`.
    public var limit: Int
    public var rules: [Rule]
}

public struct Rule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case recording(record: String)
        case alerting(alert: String, forMilliseconds: Int64, keepFiringForMilliseconds: Int64, annotations: [String: String])
    }

    public var kind: Kind
    public var expr: PromQLExpr
    /// The expression as written (for messages and the API).
    public var exprText: String
    public var labels: [String: String]
    /// Where the rule starts, for messages at evaluation time.
    public var position: YAMLPosition

    public var name: String {
        switch kind {
        case .recording(let record): record
        case .alerting(let alert, _, _, _): alert
        }
    }
}

/// All problems of one rule file.
public struct RuleFileErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ParseError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Walks the YAML tree, collecting problems instead of stopping at the first.
struct RuleFileReader: YAMLProblemCollecting {
    var errors: [ParseError] = []

    mutating func groups(_ root: YAMLNode) -> [RuleGroup] {
        guard let entries = mapping(root, allowed: ["groups"], what: "the file") else { return [] }
        guard let groupsNode = entries["groups"] else {
            if !root.isNull { errors.append(root.position.error("expected a `groups:` list")) }
            return []
        }
        guard let items = groupsNode.sequence else {
            errors.append(groupsNode.position.error("groups: expected a list, found \(groupsNode.summary)"))
            return []
        }
        var seen = Set<String>()
        var groups: [RuleGroup] = []
        for item in items {
            guard let group = group(item) else { continue }
            if !seen.insert(group.name).inserted {
                errors.append(item.position.error("groupname: \"\(group.name)\" is repeated in the same file"))
            }
            groups.append(group)
        }
        return groups
    }

    mutating func group(_ node: YAMLNode) -> RuleGroup? {
        guard let keys = mapping(node, allowed: ["name", "interval", "limit", "rules"], what: "a group") else { return nil }
        guard let nameNode = keys["name"], let name = nameNode.scalar, !name.isEmpty else {
            errors.append(node.position.error("a group needs a name"))
            return nil
        }
        var group = RuleGroup(name: name, intervalMilliseconds: nil, limit: 0, rules: [])
        if let value = keys["interval"] { group.intervalMilliseconds = duration(value, "group \"\(name)\": interval") }
        if let value = keys["limit"] {
            if let text = value.scalar, let limit = Int(text), limit >= 0 {
                group.limit = limit
            } else {
                errors.append(value.position.error("group \"\(name)\": limit: expected a whole number"))
            }
        }
        guard let rulesNode = keys["rules"] else { return group }
        guard let items = rulesNode.sequence else {
            if !rulesNode.isNull { errors.append(rulesNode.position.error("group \"\(name)\": rules: expected a list, found \(rulesNode.summary)")) }
            return group
        }
        for (index, item) in items.enumerated() {
            if let rule = rule(item, group: name, index: index) { group.rules.append(rule) }
        }
        return group
    }

    mutating func rule(_ node: YAMLNode, group: String, index: Int) -> Rule? {
        let allowed = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]
        guard let keys = mapping(node, allowed: allowed, what: "a rule") else { return nil }
        let record = keys["record"]?.scalar
        let alert = keys["alert"]?.scalar
        let context = "group \"\(group)\", rule \(index + 1)" + (record ?? alert).map { " (\($0))" }.orEmpty
        switch (record, alert) {
        case (nil, nil):
            errors.append(node.position.error("\(context): one of 'record' or 'alert' must be set"))
            return nil
        case (.some, .some):
            errors.append(node.position.error("\(context): only one of 'record' and 'alert' must be set"))
            return nil
        default:
            break
        }
        guard let exprNode = keys["expr"], let exprText = exprNode.scalar, !exprText.isEmpty else {
            errors.append(node.position.error("\(context): field 'expr' must be set in rule"))
            return nil
        }
        let expr: PromQLExpr
        do {
            expr = try PromQLParser.parse(exprText)
        } catch {
            errors.append(Self.position(of: error, in: exprNode, rule: context))
            return nil
        }
        let labels = stringMap(keys["labels"], context + ": labels", validNames: true)
        if let record {
            if !MetricNames.isValidMetricName(record) {
                errors.append(keys["record"]!.position.error("\(context): invalid recording rule name: \(record)"))
            }
            for key in ["for", "keep_firing_for", "annotations"] where keys[key] != nil {
                errors.append(keys[key]!.position.error("\(context): invalid field '\(key)' in recording rule"))
            }
            return Rule(kind: .recording(record: record), expr: expr, exprText: exprText, labels: labels, position: node.position)
        }
        let alertName = alert ?? ""
        let forDuration = keys["for"].map { duration($0, context + ": for") } ?? 0
        let keepFiring = keys["keep_firing_for"].map { duration($0, context + ": keep_firing_for") } ?? 0
        let annotations = stringMap(keys["annotations"], context + ": annotations", validNames: true)
        // promtool check rules parses every label and annotation template of an alerting rule.
        checkTemplates(keys["labels"], "label", context)
        checkTemplates(keys["annotations"], "annotation", context)
        return Rule(
            kind: .alerting(alert: alertName, forMilliseconds: forDuration, keepFiringForMilliseconds: keepFiring, annotations: annotations),
            expr: expr, exprText: exprText, labels: labels, position: node.position)
    }

    // MARK: values

    private mutating func duration(_ node: YAMLNode, _ what: String) -> Int64 {
        guard let text = node.scalar else {
            errors.append(node.position.error("\(what): expected a duration"))
            return 0
        }
        do {
            return try DurationParser.parse(text)
        } catch {
            errors.append(node.position.error("\(what): invalid duration \"\(text)\": \(error.message)"))
            return 0
        }
    }

    private mutating func stringMap(_ node: YAMLNode?, _ what: String, validNames: Bool) -> [String: String] {
        guard let node, !node.isNull else { return [:] }
        guard let entries = node.mapping else {
            errors.append(node.position.error("\(what): expected a mapping, found \(node.summary)"))
            return [:]
        }
        var result: [String: String] = [:]
        for entry in entries {
            if validNames, !MetricNames.isValidLabelName(entry.key) {
                errors.append(entry.keyPosition.error("\(what): invalid label name \"\(entry.key)\""))
            }
            guard let value = entry.value.scalar else {
                errors.append(entry.value.position.error("\(what): \(entry.key): expected a string"))
                continue
            }
            result[entry.key] = value
        }
        return result
    }

    private mutating func checkTemplates(_ node: YAMLNode?, _ kind: String, _ rule: String) {
        for entry in node?.mapping ?? [] {
            guard case .scalar(let text, let quoted) = entry.value.kind else { continue }
            do {
                _ = try AlertTemplate.parse(text)
            } catch {
                let place = Self.filePosition(line: error.line, column: error.column, text: text, quoted: quoted, in: entry.value)
                errors.append(ParseError(
                    file: entry.value.position.file, line: place.line, column: place.column,
                    message: "\(rule): \(kind) \"\(entry.key)\": template: \(error.message)"))
            }
        }
    }

    /// An expression error's position in the file.
    static func position(of error: ParseError, in node: YAMLNode, rule: String) -> ParseError {
        var place = (line: node.position.line + error.line, column: error.column)
        if case .scalar(let text, let quoted) = node.kind {
            place = filePosition(line: error.line, column: error.column, text: text, quoted: quoted, in: node)
        }
        return ParseError(file: node.position.file, line: place.line, column: place.column, message: "\(rule): expr: \(error.message)")
    }

    /// Where a position inside a scalar's text (an expression's, a template's) lies in the file. On
    /// a one-line value it is offset by where the value starts (and its opening quote). A block
    /// scalar (`expr: |`) starts on the next line, line for line; its columns are the text's own,
    /// without the block's indentation. A quoted value's lines are not the file's (escapes like
    /// `\n`, folded line breaks), so a problem inside a multi-line quoted value is put at its start.
    static func filePosition(line: Int, column: Int, text: String, quoted: Bool, in node: YAMLNode) -> (line: Int, column: Int) {
        if node.isBlockScalar { return (node.position.line + line, column) }
        if !text.contains("\n") { return (node.position.line, node.position.column + (quoted ? 1 : 0) + column - 1) }
        return (node.position.line, node.position.column)
    }
}

extension Optional where Wrapped == String {
    fileprivate var orEmpty: String { self ?? "" }
}
