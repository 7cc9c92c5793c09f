/// Which Go `text/template` program parses a template: the variables it declares up front, the
/// functions it defines and whether `define`/`template`/`block` may be used. Prometheus' alert
/// templates and Alertmanager's notification templates are the same language with different
/// function maps; a function from the other one is "not defined", as Go says.
public struct TemplateDialect: Sendable, Equatable {
    /// For messages: "alert templates", "notification templates".
    public var name: String
    /// Declared before the template's text (Go checks variables when parsing).
    public var variables: [String]
    public var functions: Set<String>
    /// Functions the real program defines that sonde does not run, with the reason.
    public var unsupported: [String: String]
    public var allowsDefinitions: Bool

    /// Go's own builtins that sonde runs.
    static let goBuiltins: Set<String> = [
        "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "print", "printf", "println", "html", "urlquery",
    ]
    static let goUnsupported = ["js": "not implemented by sonde's template renderer", "slice": "not implemented by sonde's template renderer",
                                "call": "not implemented by sonde's template renderer"]

    /// Prometheus 2.42's alert labels and annotations, with its prelude
    /// `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`.
    public static let prometheusAlert: TemplateDialect = {
        var unsupported = goUnsupported
        for name in ["query", "first", "label", "value", "strvalue", "sortByLabel"] {
            unsupported[name] = "sonde does not run queries from templates"
        }
        for name in ["args", "graphLink", "tableLink", "stripDomain"] {
            unsupported[name] = "not implemented by sonde's template renderer"
        }
        return TemplateDialect(
            name: "alert templates", variables: ["$", "$labels", "$externalLabels", "$externalURL", "$value"],
            functions: goBuiltins.union([
                "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime",
                "parseDuration", "title", "toUpper", "toLower", "match", "reReplaceAll", "stripPort", "safeHtml",
                "externalURL", "pathPrefix",
            ]),
            unsupported: unsupported, allowsDefinitions: false)
    }()

    /// Alertmanager 0.25's notification templates (`template.DefaultFuncs`).
    public static let alertmanager = TemplateDialect(
        name: "notification templates", variables: ["$"],
        functions: goBuiltins.union(["toUpper", "toLower", "title", "join", "match", "safeHtml", "reReplaceAll", "stringSlice"]),
        unsupported: goUnsupported, allowsDefinitions: true)
}
