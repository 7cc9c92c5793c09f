import SondeCore

/// Text for the status page's HTML. Label values, annotations and errors come from scraped targets,
/// rule files and remote servers, so all of it is untrusted: control characters are dropped, long
/// text is cut, and markup is escaped (the same escaping as the charts' SVG, which is also valid
/// HTML for text and quoted attribute values).
enum HTMLText {
    static func escaped(_ text: String, maxCharacters: Int = 1000) -> String {
        ChartText.xmlEscaped(ChartText.cleaned(text, maxCharacters: maxCharacters))
    }

    /// `2026-12-07 09:27:56 UTC`: what a person reads, to the second.
    static func time(_ milliseconds: Int64) -> String {
        let text = TimestampFormat.rfc3339(milliseconds: milliseconds)  // 2026-12-07T09:27:56.123Z
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + " UTC"
    }

    /// `3m12s`, to the second; `0s` for less than a second.
    static func age(_ milliseconds: Int64) -> String {
        DurationParser.format(max(0, milliseconds) / 1000 * 1000)
    }

    /// `<time>` showing `text`, with the moment itself on hover.
    static func moment(_ milliseconds: Int64, showing text: String) -> String {
        "<time datetime=\"\(TimestampFormat.rfc3339(milliseconds: milliseconds))\" title=\"\(time(milliseconds))\">\(text)</time>"
    }

    /// How long it has been since `milliseconds`: `3m12s`.
    static func elapsed(since milliseconds: Int64, now: Int64) -> String {
        moment(milliseconds, showing: age(now - milliseconds))
    }

    /// `3m12s ago`, `just now` (rather than "0s ago", which reads like a glitch), or `never` greyed out.
    static func ago(_ milliseconds: Int64?, now: Int64, never: String = "never") -> String {
        guard let milliseconds else { return "<span class=\"muted\">\(never)</span>" }
        if now - milliseconds < 1000 { return moment(milliseconds, showing: "just now") }
        return elapsed(since: milliseconds, now: now) + " ago"
    }

    /// A URL's query: each value percent-encoded, pairs joined by `&amp;` for use inside an attribute.
    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { PercentEncoding.encode($0.0) + "=" + PercentEncoding.encode($0.1) }.joined(separator: "&amp;")
    }
}
