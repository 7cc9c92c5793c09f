/// An alert label or annotation template, parsed once and rendered for every alert.
///
/// Prometheus renders these values as Go `text/template` with the prelude
/// `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`
/// and the option `missingkey=zero`, so a missing label prints as the empty string. This type
/// implements the subset found in real rule files, with Prometheus 2.42's output byte for byte:
/// text, actions with `{{-`/`-}}` trim markers, comments, variables (`$labels.x`, `.Labels.x`,
/// `$value`, `$`, `:=`/`=`), literals, pipelines, parentheses, `if`/`else if`/`else`, `with`, `range`
/// over label maps, Go's builtins (`and or not eq ne lt le gt ge len index print printf println
/// html urlquery`) and Prometheus' functions (`humanize humanize1024 humanizeDuration
/// humanizePercentage humanizeTimestamp toTime parseDuration title toUpper toLower match
/// reReplaceAll stripPort safeHtml externalURL pathPrefix`).
///
/// It deliberately does not run `query` (and `first`, `label`, `value`, `strvalue`, `sortByLabel`,
/// which only make sense on its results), `define`/`template`/`block`, or other Go builtins; each is
/// a parse error naming it, so `sonde rules check` says so instead of rendering something else.
public struct AlertTemplate: Sendable, Equatable {
    /// The template as written.
    public var text: String
    let nodes: [TemplateNode]

    /// Parses `text` as Prometheus would (the prelude's variables are defined).
    public static func parse(_ text: String) throws(AlertTemplateError) -> AlertTemplate {
        var parser = TemplateParser(text)
        return AlertTemplate(text: text, nodes: try parser.parseDocument())
    }

    /// Renders the template for one alert. Errors are what Go reports at execution time (a comparison
    /// of a float with an int, a function given the wrong type, an invalid regular expression).
    public func render(_ data: AlertTemplateData) throws(AlertTemplateError) -> String {
        var renderer = TemplateRenderer(data: data, source: text)
        return try renderer.render(nodes)
    }
}

/// What a template sees: the alert's labels and value, and the configured external labels and URL
/// (Prometheus' `.Labels`, `.Value`, `.ExternalLabels`, `.ExternalURL`).
public struct AlertTemplateData: Sendable, Equatable {
    public var labels: [String: String]
    public var value: Double
    public var externalLabels: [String: String]
    public var externalURL: String

    public init(labels: [String: String], value: Double, externalLabels: [String: String] = [:], externalURL: String = "") {
        self.labels = labels
        self.value = value
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }
}

/// A template that does not parse or cannot be rendered: where (byte offset, 1-based line and
/// column in the template text) and what was expected.
public struct AlertTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The text is not a template sonde can run.
        case parse
        /// The template parsed but failed while rendering (Go's execution errors).
        case render
    }

    public var code: Code
    public var offset: Int
    public var line: Int
    public var column: Int
    public var message: String

    public init(code: Code, offset: Int, line: Int, column: Int, message: String) {
        self.code = code
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }

    /// `1:12: function "query" is not supported …`
    public var description: String { "\(line):\(column): \(message)" }

    /// Positions the error at byte `offset` of `source`.
    static func at(_ offset: Int, in source: [UInt8], _ code: Code, _ message: String) -> AlertTemplateError {
        var line = 1
        var column = 1
        for byte in source.prefix(max(0, min(offset, source.count))) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return AlertTemplateError(code: code, offset: offset, line: line, column: column, message: message)
    }
}

// MARK: - Syntax tree

indirect enum TemplateNode: Sendable, Equatable {
    case text(String)
    /// `{{ pipeline }}`: prints the result unless the pipeline declares or assigns variables.
    case action(TemplatePipeline)
    case conditional(TemplateControl, TemplatePipeline, body: [TemplateNode], otherwise: [TemplateNode]?)
    /// `{{template "name" pipeline}}` (and the use half of `{{block}}`): runs a defined template
    /// with the pipeline's value (nil without one) as dot and `$`.
    case include(name: String, argument: TemplatePipeline?, offset: Int)
}

enum TemplateControl: String, Sendable, Equatable {
    case `if`, with, range
}

struct TemplatePipeline: Sendable, Equatable {
    /// `$x := …` (or `$k, $v := …` in `range`).
    var declarations: [String]
    /// `$x = …`: assigns instead of declaring.
    var isAssignment: Bool
    var commands: [TemplateCommand]
    var offset: Int
}

struct TemplateCommand: Sendable, Equatable {
    var operands: [TemplateOperand]
    var offset: Int
}

indirect enum TemplateOperand: Sendable, Equatable {
    /// `.` followed by fields (`.Labels.instance`); an empty path is dot itself.
    case dotFields([String], offset: Int)
    /// `$name.field…`; `$` alone is the template's data.
    case variable(String, fields: [String], offset: Int)
    case function(String, offset: Int)
    case string(String)
    case number(TemplateNumber, offset: Int)
    case bool(Bool)
    case null(offset: Int)
    case parenthesized(TemplatePipeline, fields: [String], offset: Int)
}

/// A number literal keeps both readings, as Go's template parser does: `80` is an int where an
/// interface is expected, `80.0` and `1e3` are floats.
struct TemplateNumber: Sendable, Equatable {
    var text: String
    var int: Int64?
    var float: Double?
    /// Go's `idealConstant`: floats when written with `.`, `e` or `p` (and not hex), else ints.
    var isFloatLiteral: Bool
}
