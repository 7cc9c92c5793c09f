import SondeRules

/// Alertmanager 0.25's Slack message: one attachment, keys in its struct order, empty optional
/// keys left out as its `omitempty` tags do, every text field rendered from the configuration's
/// templates.
public enum SlackMessage {
    /// Slack cuts longer attachment titles; Alertmanager cuts them first, with an ellipsis.
    public static let maxTitleRunes = 1024

    /// The JSON body for `data`; `failures` gets the fields whose templates failed (see
    /// `FieldRenderer`).
    public static func json(_ config: AlertmanagerConfig.SlackConfig, data: NotificationData, templates: NotificationTemplates, failures: inout [String]) -> String {
        let defaults = AlertmanagerConfig.SlackConfig(httpConfig: config.httpConfig)
        var fields = FieldRenderer(templates: templates, data: data)
        func render(_ text: String, _ name: String, _ fallback: String) -> String { fields.render(text, field: name, fallback: fallback) }

        let title = truncate(render(config.title, "title", defaults.title), runes: maxTitleRunes)
        var attachment: [(String, String?)] = [
            ("title", omitEmpty(title)),
            ("title_link", omitEmpty(render(config.titleLink, "title_link", defaults.titleLink))),
            ("pretext", omitEmpty(render(config.pretext, "pretext", defaults.pretext))),
            ("text", string(render(config.text, "text", defaults.text))),
            ("fallback", string(render(config.fallback, "fallback", defaults.fallback))),
            ("callback_id", string(render(config.callbackID, "callback_id", defaults.callbackID))),
            ("image_url", omitEmpty(render(config.imageURL, "image_url", ""))),
            ("thumb_url", omitEmpty(render(config.thumbURL, "thumb_url", ""))),
            ("footer", string(render(config.footer, "footer", defaults.footer))),
            ("color", omitEmpty(render(config.color, "color", defaults.color))),
        ]
        let markdownIn = config.markdownIn.isEmpty ? defaults.markdownIn : config.markdownIn
        attachment.append(("mrkdwn_in", "[" + markdownIn.map(PrometheusJSON.string).joined(separator: ",") + "]"))

        let request: [(String, String?)] = [
            ("channel", omitEmpty(config.channel.map { render($0, "channel", "") } ?? "")),
            ("username", omitEmpty(render(config.username, "username", defaults.username))),
            ("icon_emoji", omitEmpty(render(config.iconEmoji, "icon_emoji", defaults.iconEmoji))),
            ("icon_url", omitEmpty(render(config.iconURL, "icon_url", defaults.iconURL))),
            ("link_names", config.linkNames ? "true" : nil),
            ("attachments", "[" + object(attachment) + "]"),
        ]
        failures += fields.failures
        return object(request)
    }

    /// At most `runes` characters, the last one an ellipsis when cut (Alertmanager's `TruncateInRunes`).
    static func truncate(_ text: String, runes: Int) -> String {
        guard text.unicodeScalars.count > runes else { return text }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: text.unicodeScalars.prefix(runes - 1))
        return String(kept) + "…"
    }

    private static func string(_ text: String) -> String { PrometheusJSON.string(text) }
    private static func omitEmpty(_ text: String) -> String? { text.isEmpty ? nil : PrometheusJSON.string(text) }
    private static func object(_ pairs: [(String, String?)]) -> String {
        "{" + pairs.compactMap { key, value in value.map { PrometheusJSON.string(key) + ":" + $0 } }.joined(separator: ",") + "}"
    }
}
