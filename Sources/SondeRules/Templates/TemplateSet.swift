/// A defined template: its body and the text it came from (for error positions).
struct TemplateDefinition: Sendable, Equatable {
    var nodes: [TemplateNode]
    var source: [UInt8]
}

/// Named templates, as Alertmanager holds them: its defaults, then the operator's `templates:`
/// files, each `{{define}}` replacing an earlier one of the same name. A notification field
/// (`title: '{{ template "slack.default.title" . }}'`) is rendered against the set, as
/// Alertmanager's `ExecuteTextString` does: parsed as one more template that may use them all.
public struct TemplateSet: Sendable, Equatable {
    public let dialect: TemplateDialect
    private(set) var definitions: [String: TemplateDefinition] = [:]

    public init(dialect: TemplateDialect = .alertmanager) {
        self.dialect = dialect
    }

    /// The names defined, sorted.
    public var names: [String] { definitions.keys.sorted() }

    /// Adds the definitions in `text` (a template file). Text outside `{{define}}` becomes the
    /// template `name` (Go names a file's template after its base name), unless it is only spaces.
    public mutating func add(_ text: String, name: String) throws(AlertTemplateError) {
        var parser = TemplateParser(text, dialect: dialect)
        let nodes = try parser.parseDocument()
        let source = Array(text.utf8)
        for (defined, body) in parser.definitions {
            if TemplateParser.isEmpty(body), definitions[defined] != nil { continue }
            definitions[defined] = TemplateDefinition(nodes: body, source: source)
        }
        if !TemplateParser.isEmpty(nodes) { definitions[name] = TemplateDefinition(nodes: nodes, source: source) }
    }

    /// Parses `text` without running it: what `check` reports for a configuration's field.
    public func check(_ text: String) throws(AlertTemplateError) {
        var parser = TemplateParser(text, dialect: dialect)
        _ = try parser.parseDocument()
    }

    /// Renders `text` with `data` as dot and `$`; `text` may use every template of the set, and
    /// define its own.
    public func render(_ text: String, data: TemplateValue) throws(AlertTemplateError) -> String {
        var parser = TemplateParser(text, dialect: dialect)
        let nodes = try parser.parseDocument()
        var all = definitions
        let source = Array(text.utf8)
        for (defined, body) in parser.definitions where !(TemplateParser.isEmpty(body) && all[defined] != nil) {
            all[defined] = TemplateDefinition(nodes: body, source: source)
        }
        var renderer = TemplateRenderer(dot: data, source: text, definitions: all)
        return try renderer.render(nodes)
    }

    /// Runs the defined template `name`.
    public func execute(_ name: String, data: TemplateValue) throws(AlertTemplateError) -> String {
        guard let definition = definitions[name] else {
            throw AlertTemplateError(code: .render, offset: 0, line: 1, column: 1, message: "no such template \(GoFormat.quote(name))")
        }
        var renderer = TemplateRenderer(dot: data, source: String(decoding: definition.source, as: UTF8.self), definitions: definitions)
        return try renderer.render(definition.nodes)
    }
}
