import SondeAWS
import SondeCore

/// An SNS `Publish` request for one notification, as Alertmanager 0.25 builds it, plus what AWS
/// would otherwise refuse: the message as the entry's body, every other parameter (`TopicArn`,
/// `Subject`, `MessageAttributes.entry.N.*`, FIFO ids) in its fields, so the sender sends what was
/// rendered when the notification was made.
public enum SNSMessage {
    /// SNS refuses larger messages; an SMS takes at most 1,600.
    public static let maxMessageBytes = 256 * 1024
    public static let maxSMSBytes = 1600
    /// SNS refuses longer subjects, and any with a line break or control character.
    public static let maxSubjectCharacters = 100
    static let ellipsis = "…"

    public struct Rendered: Sendable, Equatable {
        public var message: String
        /// Publish's other parameters, by name.
        public var parameters: [String: String]
    }

    /// `groupKey` and `deduplicationKey` give a FIFO topic's `MessageGroupId` (the group's hash:
    /// one group's notifications stay in order) and `MessageDeduplicationId` (the group's and the
    /// notification's: retries of one notification are deduplicated by SNS, later ones are not).
    public static func render(
        _ config: AlertmanagerConfig.SNSConfig, data: NotificationData, templates: NotificationTemplates, groupKey: String, deduplicationKey: String,
        failures: inout [String]
    ) -> Rendered {
        let defaults = AlertmanagerConfig.SNSConfig(httpConfig: config.httpConfig)
        var fields = FieldRenderer(templates: templates, data: data)
        var parameters: [String: String] = [:]
        var limit = maxMessageBytes
        if let topic = config.topicARN {
            let arn = fields.render(topic, field: "topic_arn", fallback: topic)
            parameters["TopicArn"] = arn
            if arn.hasSuffix(".fifo") {
                parameters["MessageGroupId"] = Hex.encode(SHA256.hash(Array(groupKey.utf8)))
                parameters["MessageDeduplicationId"] = Hex.encode(SHA256.hash(Array((groupKey + "\n" + deduplicationKey).utf8)))
            }
        }
        if let phone = config.phoneNumber {
            parameters["PhoneNumber"] = fields.render(phone, field: "phone_number", fallback: phone)
            limit = maxSMSBytes
        }
        if let target = config.targetARN { parameters["TargetArn"] = fields.render(target, field: "target_arn", fallback: target) }

        var (message, truncated) = cut(fields.render(config.message, field: "message", fallback: defaults.message), toBytes: limit)
        if message.isEmpty { message = ellipsis }  // SNS refuses an empty message.
        if !config.subject.isEmpty, config.phoneNumber == nil {
            let subject = Self.subject(fields.render(config.subject, field: "subject", fallback: defaults.subject))
            if !subject.isEmpty { parameters["Subject"] = subject }
        }
        var attributes: [String: String] = [:]
        for (key, value) in config.attributes {
            attributes[fields.render(key, field: "attributes", fallback: key)] = fields.render(value, field: "attributes." + key, fallback: value)
        }
        if truncated { attributes["truncated"] = "true" }
        for (index, name) in attributes.keys.sorted().enumerated() {
            let prefix = "MessageAttributes.entry.\(index + 1)."
            parameters[prefix + "Name"] = name
            parameters[prefix + "Value.DataType"] = "String"
            parameters[prefix + "Value.StringValue"] = attributes[name]
        }
        failures += fields.failures
        return Rendered(message: message, parameters: parameters)
    }

    /// At most 100 characters, line breaks and control characters as spaces, cut with an ellipsis.
    static func subject(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" ? " " : scalar)
        }
        let flat = String(scalars).trimmingPrefix(while: \.isWhitespace)
        guard flat.unicodeScalars.count > maxSubjectCharacters else { return String(flat) }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: flat.unicodeScalars.prefix(maxSubjectCharacters - 1))
        return String(kept) + ellipsis
    }

    /// `text` when it fits in `limit` bytes; else its longest prefix (whole characters) that fits
    /// with an ellipsis after it.
    static func cut(_ text: String, toBytes limit: Int) -> (String, truncated: Bool) {
        guard text.utf8.count > limit else { return (text, false) }
        var kept = String.UnicodeScalarView()
        var bytes = ellipsis.utf8.count
        for scalar in text.unicodeScalars {
            bytes += String(scalar).utf8.count
            if bytes > limit { break }
            kept.append(scalar)
        }
        return (String(kept) + ellipsis, true)
    }
}
