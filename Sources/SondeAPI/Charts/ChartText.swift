/// Text from callers (titles, series names, label values) made safe to show. Names come from scraped
/// targets, so they are untrusted: a control character could move a terminal's cursor or change its
/// colours, and markup in a name must stay text in an SVG.
enum ChartText {
    /// Without control characters (C0, DEL, C1) and XML's non-characters U+FFFE/U+FFFF, and cut to
    /// `maxCharacters` characters, the last being "…" when something was cut.
    static func cleaned(_ text: String, maxCharacters: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars
        where scalar.properties.generalCategory != .control && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
            scalars.append(scalar)
        }
        let cleaned = String(scalars)
        guard cleaned.count > maxCharacters else { return cleaned }
        return String(cleaned.prefix(max(0, maxCharacters - 1))) + "…"
    }

    /// For XML text and attribute values alike. Works on scalars, not characters: "<" followed by a
    /// combining mark is one Character, and must still be escaped.
    static func xmlEscaped(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
