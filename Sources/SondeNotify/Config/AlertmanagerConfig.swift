import SondeCore

/// An Alertmanager configuration file (`alertmanager.yml`), as Alertmanager 0.25 reads it, limited to
/// the receivers sonde delivers to: webhooks, Slack and SNS. An operator's existing file keeps working;
/// a receiver kind sonde does not send to (`email_configs`, `pagerduty_configs`, …) is an error at its
/// line and column rather than a route that silently goes nowhere.
///
/// Defaults are Alertmanager's and are filled in when the file is read, so the model holds what will
/// happen: a child route already carries the group settings it inherits, a webhook its
/// `send_resolved: true`, a Slack receiver its default templates.
public struct AlertmanagerConfig: Sendable, Equatable {
    public var global: Global
    public var route: Route
    public var inhibitRules: [InhibitRule]
    public var receivers: [Receiver]
    /// Named time intervals, from `time_intervals` and the older top-level `mute_time_intervals`.
    public var timeIntervals: [String: [RecurringTimeInterval]]
    /// Globs of notification template files, resolved relative to the configuration file.
    public var templates: [String]

    public struct Global: Sendable, Equatable {
        /// How long an alert without an end time stays firing after its last update.
        public var resolveTimeout: Duration = .seconds(5 * 60)
        public var httpConfig = HTTPConfig()
        public var slackAPIURL: Secret?
        public var slackAPIURLFile: String?
    }

    /// A node of the routing tree; children inherit what they do not set.
    public struct Route: Sendable, Equatable {
        public var receiver: String
        /// The labels an aggregation group is keyed on; `groupByAll` for `['...']`.
        public var groupBy: [String] = []
        public var groupByAll = false
        public var matchers: [LabelMatcher] = []
        /// `continue`: after this route matches, go on with its siblings.
        public var continueMatching = false
        public var groupWait: Duration = .seconds(30)
        public var groupInterval: Duration = .seconds(5 * 60)
        public var repeatInterval: Duration = .seconds(4 * 3600)
        public var muteTimeIntervals: [String] = []
        public var activeTimeIntervals: [String] = []
        public var routes: [Route] = []
    }

    /// Mutes alerts matching `target` while an alert matching `source` fires with the same values
    /// of the `equal` labels.
    public struct InhibitRule: Sendable, Equatable {
        public var sourceMatchers: [LabelMatcher]
        public var targetMatchers: [LabelMatcher]
        public var equal: [String]
    }

    public struct Receiver: Sendable, Equatable {
        public var name: String
        public var webhooks: [WebhookConfig] = []
        public var slack: [SlackConfig] = []
        public var sns: [SNSConfig] = []
    }

    public struct WebhookConfig: Sendable, Equatable {
        public var sendResolved = true
        public var httpConfig: HTTPConfig
        /// The URL, or the file it is read from at each send (`url_file`, as Alertmanager 0.26).
        public var url: Secret?
        public var urlFile: String?
        /// At most this many alerts per message (0: all); the rest are counted in `truncatedAlerts`.
        public var maxAlerts = 0
    }

    /// Slack's incoming-webhook or chat.postMessage attachment; every text field is a template.
    public struct SlackConfig: Sendable, Equatable {
        public var sendResolved = false
        public var httpConfig: HTTPConfig
        public var apiURL: Secret?
        public var apiURLFile: String?
        public var channel: String?
        public var username = #"{{ template "slack.default.username" . }}"#
        public var color = #"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#
        public var title = #"{{ template "slack.default.title" . }}"#
        public var titleLink = #"{{ template "slack.default.titlelink" . }}"#
        public var pretext = #"{{ template "slack.default.pretext" . }}"#
        public var text = #"{{ template "slack.default.text" . }}"#
        public var footer = #"{{ template "slack.default.footer" . }}"#
        public var fallback = #"{{ template "slack.default.fallback" . }}"#
        public var callbackID = #"{{ template "slack.default.callbackid" . }}"#
        public var iconEmoji = #"{{ template "slack.default.iconemoji" . }}"#
        public var iconURL = #"{{ template "slack.default.iconurl" . }}"#
        public var imageURL = ""
        public var thumbURL = ""
        public var shortFields = false
        public var linkNames = false
        public var markdownIn = ["fallback", "pretext", "text"]
    }

    public struct SNSConfig: Sendable, Equatable {
        public var sendResolved = true
        public var httpConfig: HTTPConfig
        /// The endpoint (moto, LocalStack, a VPC endpoint); nil for AWS's, from the region.
        public var apiURL: String?
        public var sigv4 = SigV4Config()
        public var topicARN: String?
        public var targetARN: String?
        public var phoneNumber: String?
        public var subject = #"{{ template "sns.default.subject" . }}"#
        public var message = #"{{ template "sns.default.message" . }}"#
        public var attributes: [String: String] = [:]
    }

    /// `sigv4:`; what it leaves empty comes from sonde's credentials chain and the topic's ARN.
    public struct SigV4Config: Sendable, Equatable {
        public var region: String?
        public var accessKey: String?
        public var secretKey: Secret?
        public var profile: String?
        public var roleARN: String?
    }

    /// Prometheus' common `http_config`, the parts libcurl carries out.
    public struct HTTPConfig: Sendable, Equatable {
        public enum Authorization: Sendable, Equatable {
            case none
            /// `Authorization: TYPE CREDENTIALS`, the credentials inline or from a file read at each send.
            case header(type: String, credentials: Secret?, credentialsFile: String?)
            case basic(username: String, password: Secret?, passwordFile: String?)
        }

        public var authorization: Authorization = .none
        public var tls = TLSConfig()
        public var proxyURL: Secret?
        public var followRedirects = true
    }

    public struct TLSConfig: Sendable, Equatable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public var serverName: String?
        public var insecureSkipVerify = false
        public var minVersion: String?
    }

    /// Whether a route with these time intervals is muted at `now` (milliseconds): inside one of its
    /// mute intervals, or outside all of its active ones when it has some.
    public func isMuted(muteTimeIntervals: [String], activeTimeIntervals: [String], at now: Int64) -> Bool {
        func inside(_ name: String) -> Bool { timeIntervals[name]?.contains { $0.contains(now) } ?? false }
        if muteTimeIntervals.contains(where: inside) { return true }
        return !activeTimeIntervals.isEmpty && !activeTimeIntervals.contains(where: inside)
    }

    /// The receiver named `name`.
    public func receiver(named name: String) -> Receiver? { receivers.first { $0.name == name } }
}
