import SondeCore
import SondeRules

/// The notification templates a configuration renders with: Alertmanager's defaults, then each
/// file its `templates:` globs match, in order, each `{{define}}` replacing an earlier one of the
/// same name, as Alertmanager loads them.
public struct NotificationTemplates: Sendable {
    public let set: TemplateSet

    public init(set: TemplateSet) { self.set = set }

    /// Only Alertmanager's defaults.
    public static let defaults: NotificationTemplates = {
        var set = TemplateSet(dialect: .alertmanager)
        // The defaults are tested to parse; a failure here is a bug in sonde, shown on first use.
        try? set.add(DefaultNotificationTemplates.text, name: "default.tmpl")
        return NotificationTemplates(set: set)
    }()

    /// The defaults and the files `globs` match; a relative glob is taken from `baseDirectory`
    /// (the Alertmanager configuration file's directory, as Alertmanager does).
    ///
    /// - Throws: a template file that cannot be read or parsed, with its path, line and column.
    public static func load(_ globs: [String], baseDirectory: String?) throws(SondeError) -> NotificationTemplates {
        var set = defaults.set
        for glob in globs {
            var pattern = glob
            if let baseDirectory, !glob.hasPrefix("/") { pattern = baseDirectory + "/" + glob }
            for path in FileGlob.expand(pattern) {
                let text: String
                do {
                    text = try TextFile.read(path)
                } catch {
                    throw SondeError(.io, "cannot read template file \(path): \(error.message)")
                }
                do {
                    try set.add(text, name: String(path.split(separator: "/").last ?? Substring(path)))
                } catch {
                    throw SondeError(.invalidArgument, "\(path):\(error.line):\(error.column): \(error.message)")
                }
            }
        }
        return NotificationTemplates(set: set)
    }

    /// Renders one configuration field (a Slack `title`, an SNS `subject`) for `data`.
    public func render(_ field: String, _ data: NotificationData) throws(AlertTemplateError) -> String {
        try set.render(field, data: data.templateValue)
    }

    /// Parses a configuration field without rendering it, for `sonde check`.
    public func check(_ field: String) throws(AlertTemplateError) {
        try set.check(field)
    }
}

extension NotificationData {
    /// Alertmanager's `template.Data` as a template sees it: `.Receiver`, `.Status`, `.Alerts`
    /// (with `.Firing` and `.Resolved`), `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`
    /// (`template.KV`, with `.SortedPairs`, `.Names`, `.Values`, `.Remove`) and `.ExternalURL`.
    public var templateValue: TemplateValue {
        .record(TemplateRecord(type: "template.Data", fields: [
            .init("Receiver", .string(receiver)),
            .init("Status", .string(status)),
            .init("Alerts", .list(alerts.map(\.templateValue), .alerts)),
            .init("GroupLabels", .kv(Self.map(groupLabels))),
            .init("CommonLabels", .kv(Self.map(commonLabels))),
            .init("CommonAnnotations", .kv(commonAnnotations)),
            .init("ExternalURL", .string(externalURL)),
        ]))
    }
}

extension NotificationData {
    static func map(_ labels: Labels) -> [String: String] {
        Dictionary(labels.pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}

extension NotificationData.Alert {
    /// Alertmanager's `template.Alert`; a firing alert without an end has Go's zero time.
    public var templateValue: TemplateValue {
        .record(TemplateRecord(type: "template.Alert", fields: [
            .init("Status", .string(status)),
            .init("Labels", .kv(NotificationData.map(labels))),
            .init("Annotations", .kv(annotations)),
            .init("StartsAt", .time(startsAt)),
            .init("EndsAt", .time(endsAt ?? GoFormat.zeroTimeMilliseconds)),
            .init("GeneratorURL", .string(generatorURL)),
            .init("Fingerprint", .string(fingerprint)),
        ]))
    }
}

extension NotificationTemplates {
    /// Parses every templated field of `config`'s Slack and SNS receivers, as `amtool check-config`
    /// does not (Alertmanager finds a broken field only when it sends).
    ///
    /// - Throws: the first field that does not parse, named by receiver, integration and key.
    public func checkFields(of config: AlertmanagerConfig) throws(SondeError) {
        for receiver in config.receivers {
            for (index, slack) in receiver.slack.enumerated() {
                let fields: [(String, String)] = [
                    ("title", slack.title), ("title_link", slack.titleLink), ("pretext", slack.pretext), ("text", slack.text),
                    ("fallback", slack.fallback), ("callback_id", slack.callbackID), ("footer", slack.footer), ("color", slack.color),
                    ("username", slack.username), ("icon_emoji", slack.iconEmoji), ("icon_url", slack.iconURL), ("image_url", slack.imageURL),
                    ("thumb_url", slack.thumbURL), ("channel", slack.channel ?? ""),
                ]
                try check(fields, at: "receiver \(receiver.name): slack_configs[\(index)]")
            }
            for (index, sns) in receiver.sns.enumerated() {
                var fields: [(String, String)] = [
                    ("subject", sns.subject), ("message", sns.message), ("topic_arn", sns.topicARN ?? ""), ("target_arn", sns.targetARN ?? ""),
                    ("phone_number", sns.phoneNumber ?? ""),
                ]
                for (key, value) in sns.attributes.sorted(by: { $0.key < $1.key }) { fields += [("attributes", key), ("attributes." + key, value)] }
                try check(fields, at: "receiver \(receiver.name): sns_configs[\(index)]")
            }
        }
    }

    private func check(_ fields: [(String, String)], at place: String) throws(SondeError) {
        for (key, text) in fields {
            do {
                try set.check(text)
            } catch {
                throw SondeError(.invalidArgument, "\(place).\(key): template at \(error.line):\(error.column): \(error.message)")
            }
        }
    }
}
