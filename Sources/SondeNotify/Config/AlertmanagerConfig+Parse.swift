import SondeCore

#if canImport(Glibc)
import Glibc
#endif

extension AlertmanagerConfig {
    /// Reads an `alertmanager.yml`; errors name the file, line, column and key path.
    public static func parse(_ text: String, file: String? = nil) throws(ParseError) -> AlertmanagerConfig {
        try parse(YAMLParser.parse(text, file: file))
    }

    /// The configuration in `root`: a whole file, or the inline `notify:` section of sonde.yaml
    /// (then `keyPath` is `notify`, so errors read `notify.route.group_wait: …`).
    public static func parse(_ root: YAMLNode, keyPath: String = "") throws(ParseError) -> AlertmanagerConfig {
        try AlertmanagerConfigReader(root: AMNode(node: root, path: keyPath)).read()
    }

    /// Every receiver kind Alertmanager 0.25 has that sonde does not deliver to.
    static let unsupportedReceiverKinds = [
        "email_configs", "pagerduty_configs", "pushover_configs", "opsgenie_configs", "victorops_configs",
        "wechat_configs", "telegram_configs", "webex_configs", "discord_configs", "msteams_configs",
    ]
}

/// A YAML node and its key path, for errors.
struct AMNode {
    let node: YAMLNode
    let path: String

    func error(_ message: String) -> ParseError {
        node.position.error(path.isEmpty ? message : "\(path): \(message)")
    }

    func child(_ key: String, _ value: YAMLNode) -> AMNode {
        AMNode(node: value, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// The entries of a mapping; an unknown key is an error (Alertmanager reads strictly too).
    func mapping(allowed: [String], refused: [String: String] = [:]) throws(ParseError) -> [String: AMNode] {
        if node.isNull { return [:] }
        guard let entries = node.mapping else { throw error("expected a mapping, found \(node.summary)") }
        var result: [String: AMNode] = [:]
        for entry in entries {
            let key = path.isEmpty ? entry.key : "\(path).\(entry.key)"
            if let reason = refused[entry.key] { throw entry.keyPosition.error("\(key): \(reason)") }
            guard allowed.contains(entry.key) else {
                throw entry.keyPosition.error("\(key): unknown field; expected one of: \(allowed.joined(separator: ", "))")
            }
            guard result[entry.key] == nil else { throw entry.keyPosition.error("\(key): given twice") }
            result[entry.key] = child(entry.key, entry.value)
        }
        return result
    }

    func list() throws(ParseError) -> [AMNode] {
        if node.isNull { return [] }
        guard let items = node.sequence else { throw error("expected a list, found \(node.summary)") }
        return items.enumerated().map { AMNode(node: $1, path: "\(path)[\($0)]") }
    }

    func text() throws(ParseError) -> String {
        guard let scalar = node.scalar, !node.isNull else { throw error("expected a value, found \(node.summary)") }
        return scalar
    }

    func strings() throws(ParseError) -> [String] {
        try list().map { (item) throws(ParseError) in try item.text() }
    }

    func bool() throws(ParseError) -> Bool {
        switch try text() {
        case "true": return true
        case "false": return false
        case let other: throw error("expected true or false, found \"\(other)\"")
        }
    }

    func int(in range: ClosedRange<Int>) throws(ParseError) -> Int {
        let text = try self.text()
        guard let value = Int(text), range.contains(value) else { throw error("expected a whole number in \(range), found \"\(text)\"") }
        return value
    }

    /// A Prometheus duration (`30s`, `1h30m`, `2d`).
    func duration() throws(ParseError) -> Duration {
        let text = try self.text()
        guard let milliseconds = try? DurationParser.parse(text) else { throw error("not a valid duration string: \"\(text)\"") }
        return .milliseconds(milliseconds)
    }

    /// A label name as Prometheus' model defines it.
    func labelName() throws(ParseError) -> String {
        let name = try text()
        guard MetricNames.isValidLabelName(name) else { throw error("\"\(name)\" is not a valid label name") }
        return name
    }

    /// An absolute http(s) URL.
    func url() throws(ParseError) -> String {
        let text = try self.text()
        guard let schemeEnd = text.firstRange(of: "://") else { throw error("unsupported scheme \"\" for URL") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw error("unsupported scheme \"\(scheme)\" for URL") }
        guard schemeEnd.upperBound < text.endIndex, !text[schemeEnd.upperBound...].hasPrefix("/") else { throw error("missing host in URL") }
        return text
    }
}

/// Walks the tree once, in Alertmanager's order of checks, stopping at the first problem.
struct AlertmanagerConfigReader {
    let root: AMNode

    func read() throws(ParseError) -> AlertmanagerConfig {
        let keys = try root.mapping(allowed: [
            "global", "route", "inhibit_rules", "receivers", "templates", "time_intervals", "mute_time_intervals",
        ])
        let global = try readGlobal(keys["global"])
        var timeIntervals: [String: [RecurringTimeInterval]] = [:]
        for key in ["mute_time_intervals", "time_intervals"] {
            for item in try keys[key]?.list() ?? [] {
                let fields = try item.mapping(allowed: ["name", "time_intervals"])
                guard let nameNode = fields["name"] else { throw item.error("missing name in time interval") }
                let name = try nameNode.text()
                guard timeIntervals[name] == nil else { throw nameNode.error("time interval \"\(name)\" is not unique") }
                timeIntervals[name] = try (fields["time_intervals"]?.list() ?? []).map { (node) throws(ParseError) in try readTimeInterval(node) }
            }
        }
        var receivers: [AlertmanagerConfig.Receiver] = []
        for item in try keys["receivers"]?.list() ?? [] {
            let receiver = try readReceiver(item, global: global)
            guard !receivers.contains(where: { $0.name == receiver.name }) else {
                throw item.error("notification config name \"\(receiver.name)\" is not unique")
            }
            receivers.append(receiver)
        }
        guard let routeNode = keys["route"] else { throw root.error("no routes provided") }
        let route = try readRoute(routeNode, parent: nil, receivers: receivers, timeIntervals: timeIntervals)
        let inhibitRules = try (keys["inhibit_rules"]?.list() ?? []).map { (node) throws(ParseError) in try readInhibitRule(node) }
        let templates = try keys["templates"]?.strings() ?? []
        return AlertmanagerConfig(
            global: global, route: route, inhibitRules: inhibitRules, receivers: receivers, timeIntervals: timeIntervals, templates: templates)
    }

    // MARK: - global

    /// Global settings of the integrations sonde does not deliver to, refused like their receivers.
    static let otherIntegrationsGlobals = [
        "smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username", "smtp_auth_password", "smtp_auth_password_file",
        "smtp_auth_secret", "smtp_auth_identity", "smtp_require_tls", "pagerduty_url", "opsgenie_api_url", "opsgenie_api_key",
        "opsgenie_api_key_file", "wechat_api_url", "wechat_api_secret", "wechat_api_corp_id", "victorops_api_url",
        "victorops_api_key", "victorops_api_key_file", "telegram_api_url", "webex_api_url",
    ]

    func readGlobal(_ node: AMNode?) throws(ParseError) -> AlertmanagerConfig.Global {
        var global = AlertmanagerConfig.Global()
        guard let node else { return global }
        let refused = Dictionary(uniqueKeysWithValues: Self.otherIntegrationsGlobals.map {
            ($0, "sonde delivers to webhooks, Slack and SNS only; remove this setting of another integration")
        })
        let keys = try node.mapping(allowed: ["resolve_timeout", "http_config", "slack_api_url", "slack_api_url_file"], refused: refused)
        if let value = keys["resolve_timeout"] { global.resolveTimeout = try value.duration() }
        if let value = keys["http_config"] { global.httpConfig = try readHTTPConfig(value) }
        if let value = keys["slack_api_url"] { global.slackAPIURL = Secret(try value.url()) }
        if let value = keys["slack_api_url_file"] { global.slackAPIURLFile = try value.text() }
        if global.slackAPIURL != nil, global.slackAPIURLFile != nil {
            throw node.error("at most one of slack_api_url & slack_api_url_file must be configured")
        }
        return global
    }

    func readHTTPConfig(_ node: AMNode) throws(ParseError) -> AlertmanagerConfig.HTTPConfig {
        var config = AlertmanagerConfig.HTTPConfig()
        let keys = try node.mapping(
            allowed: ["authorization", "basic_auth", "bearer_token", "bearer_token_file", "tls_config", "proxy_url", "follow_redirects",
                      "enable_http2"],
            refused: ["oauth2": "OAuth 2 is not supported; use authorization with credentials_file"])
        var schemes = 0
        if let auth = keys["authorization"] {
            schemes += 1
            let fields = try auth.mapping(allowed: ["type", "credentials", "credentials_file"])
            let type = try fields["type"]?.text() ?? "Bearer"
            guard type.lowercased() != "basic" else { throw auth.error("authorization type cannot be set to \"basic\", use \"basic_auth\" instead") }
            let credentials = try fields["credentials"].map { (value) throws(ParseError) in Secret(try value.text()) }
            let file = try fields["credentials_file"]?.text()
            if credentials != nil, file != nil { throw auth.error("at most one of authorization credentials & credentials_file must be configured") }
            config.authorization = .header(type: type, credentials: credentials, credentialsFile: file)
        }
        if let basic = keys["basic_auth"] {
            schemes += 1
            let fields = try basic.mapping(allowed: ["username", "password", "password_file"])
            let password = try fields["password"].map { (value) throws(ParseError) in Secret(try value.text()) }
            let file = try fields["password_file"]?.text()
            if password != nil, file != nil { throw basic.error("at most one of basic_auth password & password_file must be configured") }
            config.authorization = .basic(username: try fields["username"]?.text() ?? "", password: password, passwordFile: file)
        }
        let bearer = try keys["bearer_token"]?.text()
        let bearerFile = try keys["bearer_token_file"]?.text()
        if bearer != nil || bearerFile != nil {
            guard schemes == 0 else { throw node.error("at most one of bearer_token, bearer_token_file & authorization must be configured") }
            if bearer != nil, bearerFile != nil { throw node.error("at most one of bearer_token & bearer_token_file must be configured") }
            config.authorization = .header(type: "Bearer", credentials: bearer.map(Secret.init), credentialsFile: bearerFile)
        }
        if schemes > 1 { throw node.error("at most one of basic_auth, oauth2 & authorization must be configured") }
        if let tls = keys["tls_config"] {
            let fields = try tls.mapping(allowed: ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version"])
            config.tls.caFile = try fields["ca_file"]?.text()
            config.tls.certFile = try fields["cert_file"]?.text()
            config.tls.keyFile = try fields["key_file"]?.text()
            config.tls.serverName = try fields["server_name"]?.text()
            config.tls.insecureSkipVerify = try fields["insecure_skip_verify"]?.bool() ?? false
            if let version = fields["min_version"] {
                let text = try version.text()
                guard ["TLS10", "TLS11", "TLS12", "TLS13"].contains(text) else { throw version.error("unknown TLS version: \(text)") }
                config.tls.minVersion = text
            }
            if (config.tls.certFile == nil) != (config.tls.keyFile == nil) {
                throw tls.error("exactly one of key or key_file must be configured when a client certificate is configured")
            }
        }
        if let proxy = keys["proxy_url"] { config.proxyURL = Secret(try proxy.url()) }
        config.followRedirects = try keys["follow_redirects"]?.bool() ?? true
        _ = try keys["enable_http2"]?.bool()  // libcurl negotiates HTTP/2 by itself
        return config
    }

    // MARK: - route

    func readRoute(
        _ node: AMNode, parent: AlertmanagerConfig.Route?, receivers: [AlertmanagerConfig.Receiver],
        timeIntervals: [String: [RecurringTimeInterval]]
    ) throws(ParseError) -> AlertmanagerConfig.Route {
        let keys = try node.mapping(allowed: [
            "receiver", "group_by", "continue", "matchers", "match", "match_re", "routes", "group_wait", "group_interval",
            "repeat_interval", "mute_time_intervals", "active_time_intervals",
        ])
        let isRoot = parent == nil
        var route = parent.map { inherited in
            var route = inherited
            route.matchers = []
            route.continueMatching = false
            route.muteTimeIntervals = []
            route.activeTimeIntervals = []
            route.routes = []
            return route
        } ?? AlertmanagerConfig.Route(receiver: "")
        if let value = keys["receiver"] {
            let name = try value.text()
            guard receivers.contains(where: { $0.name == name }) else { throw value.error("undefined receiver \"\(name)\" used in route") }
            route.receiver = name
        } else if isRoot {
            throw node.error("root route must specify a default receiver")
        }
        if let value = keys["group_by"] {
            route.groupByAll = false
            var labels: [String] = []
            for item in try value.list() {
                let label = try item.text()
                if label == "..." {
                    route.groupByAll = true
                    continue
                }
                guard MetricNames.isValidLabelName(label) else { throw item.error("invalid label name \"\(label)\" in group_by list") }
                guard !labels.contains(label) else { throw item.error("duplicated label \"\(label)\" in group_by") }
                labels.append(label)
            }
            if route.groupByAll, !labels.isEmpty {
                throw value.error("cannot have wildcard group_by (`...`) and other other labels at the same time")
            }
            route.groupBy = labels
        }
        if let value = keys["match"] {
            route.matchers += try legacyMatchers(value, regex: false)
        }
        if let value = keys["match_re"] { route.matchers += try legacyMatchers(value, regex: true) }
        if let value = keys["matchers"] { route.matchers += try matchers(value) }
        if isRoot, !route.matchers.isEmpty { throw node.error("root route must not have any matchers") }
        if let value = keys["continue"] {
            route.continueMatching = try value.bool()
            if isRoot, route.continueMatching { throw value.error("cannot have continue in root route") }
        }
        if let value = keys["group_wait"] { route.groupWait = try value.duration() }
        if let value = keys["group_interval"] {
            route.groupInterval = try value.duration()
            if route.groupInterval == .zero { throw value.error("group_interval cannot be zero") }
        }
        if let value = keys["repeat_interval"] {
            route.repeatInterval = try value.duration()
            if route.repeatInterval == .zero { throw value.error("repeat_interval cannot be zero") }
        }
        for (key, kind) in [("mute_time_intervals", "mute"), ("active_time_intervals", "active")] {
            guard let value = keys[key] else { continue }
            var names: [String] = []
            for item in try value.list() {
                let name = try item.text()
                guard timeIntervals[name] != nil else { throw item.error("undefined time interval \"\(name)\" used in route") }
                names.append(name)
            }
            if isRoot, !names.isEmpty { throw value.error("root route must not have any \(kind) time intervals") }
            if kind == "mute" { route.muteTimeIntervals = names } else { route.activeTimeIntervals = names }
        }
        if let value = keys["routes"] {
            let settings = route
            route.routes = try value.list().map { (child) throws(ParseError) in
                try readRoute(child, parent: settings, receivers: receivers, timeIntervals: timeIntervals)
            }
        }
        return route
    }

    /// `match: {label: value}` or `match_re: {label: regex}`, the forms before `matchers`.
    func legacyMatchers(_ node: AMNode, regex: Bool) throws(ParseError) -> [LabelMatcher] {
        guard let entries = node.node.mapping else {
            if node.node.isNull { return [] }
            throw node.error("expected a mapping, found \(node.node.summary)")
        }
        var result: [LabelMatcher] = []
        for entry in entries.sorted(by: { $0.key < $1.key }) {
            let value = node.child(entry.key, entry.value)
            guard MetricNames.isValidLabelName(entry.key) else { throw entry.keyPosition.error("\(value.path): invalid label name \"\(entry.key)\"") }
            do {
                result.append(try LabelMatcher(name: entry.key, op: regex ? .regexMatch : .equal, value: try value.text(), dotMatchesNewlines: false))
            } catch let error as ParseError {
                throw error
            } catch {
                throw value.error("error parsing regexp: \(error)")
            }
        }
        return result
    }

    /// `matchers: ['alertname="X"', …]`: each string may hold several.
    func matchers(_ node: AMNode) throws(ParseError) -> [LabelMatcher] {
        var result: [LabelMatcher] = []
        for item in try node.list() {
            do {
                result += try AlertmanagerMatchers.parse(try item.text())
            } catch let error as ParseError {
                throw error
            } catch {
                throw item.error("\(error)")
            }
        }
        return result
    }

    // MARK: - inhibit rules

    func readInhibitRule(_ node: AMNode) throws(ParseError) -> AlertmanagerConfig.InhibitRule {
        let keys = try node.mapping(allowed: [
            "source_match", "source_match_re", "source_matchers", "target_match", "target_match_re", "target_matchers", "equal",
        ])
        var source: [LabelMatcher] = []
        var target: [LabelMatcher] = []
        if let value = keys["source_match"] { source += try legacyMatchers(value, regex: false) }
        if let value = keys["source_match_re"] { source += try legacyMatchers(value, regex: true) }
        if let value = keys["source_matchers"] { source += try matchers(value) }
        if let value = keys["target_match"] { target += try legacyMatchers(value, regex: false) }
        if let value = keys["target_match_re"] { target += try legacyMatchers(value, regex: true) }
        if let value = keys["target_matchers"] { target += try matchers(value) }
        let equal = try (keys["equal"]?.list() ?? []).map { (item) throws(ParseError) in try item.labelName() }
        return AlertmanagerConfig.InhibitRule(sourceMatchers: source, targetMatchers: target, equal: equal)
    }

    // MARK: - receivers

    func readReceiver(_ node: AMNode, global: AlertmanagerConfig.Global) throws(ParseError) -> AlertmanagerConfig.Receiver {
        let refused = Dictionary(uniqueKeysWithValues: AlertmanagerConfig.unsupportedReceiverKinds.map {
            ($0, "sonde does not deliver to this receiver kind; it delivers to webhook_configs, slack_configs and sns_configs")
        })
        let keys = try node.mapping(allowed: ["name", "webhook_configs", "slack_configs", "sns_configs"], refused: refused)
        guard let nameNode = keys["name"] else { throw node.error("missing name in receiver") }
        var receiver = AlertmanagerConfig.Receiver(name: try nameNode.text())
        receiver.webhooks = try (keys["webhook_configs"]?.list() ?? []).map { (item) throws(ParseError) in try readWebhook(item, global: global) }
        receiver.slack = try (keys["slack_configs"]?.list() ?? []).map { (item) throws(ParseError) in try readSlack(item, global: global) }
        receiver.sns = try (keys["sns_configs"]?.list() ?? []).map { (item) throws(ParseError) in try readSNS(item, global: global) }
        return receiver
    }

    func readWebhook(_ node: AMNode, global: AlertmanagerConfig.Global) throws(ParseError) -> AlertmanagerConfig.WebhookConfig {
        let keys = try node.mapping(allowed: ["send_resolved", "http_config", "url", "url_file", "max_alerts"])
        var config = AlertmanagerConfig.WebhookConfig(httpConfig: try keys["http_config"].map(readHTTPConfig) ?? global.httpConfig)
        config.sendResolved = try keys["send_resolved"]?.bool() ?? true
        config.url = try keys["url"].map { (value) throws(ParseError) in Secret(try value.url()) }
        config.urlFile = try keys["url_file"]?.text()
        if config.url == nil, config.urlFile == nil { throw node.error("missing URL in webhook config") }
        if config.url != nil, config.urlFile != nil { throw node.error("at most one of url & url_file must be configured") }
        config.maxAlerts = try keys["max_alerts"]?.int(in: 0...Int(UInt32.max)) ?? 0
        return config
    }

    func readSlack(_ node: AMNode, global: AlertmanagerConfig.Global) throws(ParseError) -> AlertmanagerConfig.SlackConfig {
        let keys = try node.mapping(
            allowed: ["send_resolved", "http_config", "api_url", "api_url_file", "channel", "username", "color", "title", "title_link",
                      "pretext", "text", "footer", "fallback", "callback_id", "icon_emoji", "icon_url", "image_url", "thumb_url",
                      "short_fields", "link_names", "mrkdwn_in"],
            refused: ["fields": "Slack attachment fields are not supported; put them in text",
                      "actions": "Slack message actions are not supported"])
        var config = AlertmanagerConfig.SlackConfig(httpConfig: try keys["http_config"].map(readHTTPConfig) ?? global.httpConfig)
        config.sendResolved = try keys["send_resolved"]?.bool() ?? false
        config.apiURL = try keys["api_url"].map { (value) throws(ParseError) in Secret(try value.url()) }
        config.apiURLFile = try keys["api_url_file"]?.text()
        if config.apiURL != nil, config.apiURLFile != nil { throw node.error("at most one of api_url & api_url_file must be configured") }
        if config.apiURL == nil, config.apiURLFile == nil {
            config.apiURL = global.slackAPIURL
            config.apiURLFile = global.slackAPIURLFile
        }
        if config.apiURL == nil, config.apiURLFile == nil { throw node.error("no global Slack API URL set either inline or in a file") }
        config.channel = try keys["channel"]?.text()
        let templates: [(String, WritableKeyPath<AlertmanagerConfig.SlackConfig, String>)] = [
            ("username", \.username), ("color", \.color), ("title", \.title), ("title_link", \.titleLink), ("pretext", \.pretext),
            ("text", \.text), ("footer", \.footer), ("fallback", \.fallback), ("callback_id", \.callbackID), ("icon_emoji", \.iconEmoji),
            ("icon_url", \.iconURL), ("image_url", \.imageURL), ("thumb_url", \.thumbURL),
        ]
        for (key, field) in templates {
            if let value = keys[key] { config[keyPath: field] = try value.text() }
        }
        config.shortFields = try keys["short_fields"]?.bool() ?? false
        config.linkNames = try keys["link_names"]?.bool() ?? false
        if let value = keys["mrkdwn_in"] { config.markdownIn = try value.strings() }
        return config
    }

    func readSNS(_ node: AMNode, global: AlertmanagerConfig.Global) throws(ParseError) -> AlertmanagerConfig.SNSConfig {
        let keys = try node.mapping(allowed: [
            "send_resolved", "http_config", "api_url", "sigv4", "topic_arn", "target_arn", "phone_number", "subject", "message", "attributes",
        ])
        var config = AlertmanagerConfig.SNSConfig(httpConfig: try keys["http_config"].map(readHTTPConfig) ?? global.httpConfig)
        config.sendResolved = try keys["send_resolved"]?.bool() ?? true
        config.apiURL = try keys["api_url"]?.url()
        config.topicARN = try keys["topic_arn"]?.text()
        config.targetARN = try keys["target_arn"]?.text()
        config.phoneNumber = try keys["phone_number"]?.text()
        let destinations = [config.topicARN, config.targetARN, config.phoneNumber].compactMap { $0 }.filter { !$0.isEmpty }
        guard destinations.count == 1 else { throw node.error("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config") }
        if let value = keys["subject"] { config.subject = try value.text() }
        if let value = keys["message"] { config.message = try value.text() }
        if let value = keys["attributes"] {
            for (key, item) in try value.mapping(allowed: value.node.mapping?.map(\.key) ?? []) { config.attributes[key] = try item.text() }
        }
        if let sigv4 = keys["sigv4"] {
            let fields = try sigv4.mapping(allowed: ["region", "access_key", "secret_key", "profile", "role_arn"])
            config.sigv4.region = try fields["region"]?.text()
            config.sigv4.accessKey = try fields["access_key"]?.text()
            config.sigv4.secretKey = try fields["secret_key"].map { (value) throws(ParseError) in Secret(try value.text()) }
            config.sigv4.profile = try fields["profile"]?.text()
            config.sigv4.roleARN = try fields["role_arn"]?.text()
            if (config.sigv4.accessKey == nil) != (config.sigv4.secretKey == nil) {
                throw sigv4.error("must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config")
            }
        }
        return config
    }

    // MARK: - time intervals

    func readTimeInterval(_ node: AMNode) throws(ParseError) -> RecurringTimeInterval {
        let keys = try node.mapping(allowed: ["times", "weekdays", "days_of_month", "months", "years", "location"])
        var interval = RecurringTimeInterval()
        for item in try keys["times"]?.list() ?? [] {
            let fields = try item.mapping(allowed: ["start_time", "end_time"])
            guard let startNode = fields["start_time"], let endNode = fields["end_time"] else {
                throw item.error("both start and end times must be provided")
            }
            let startText = try startNode.text()
            let endText = try endNode.text()
            guard let start = RecurringTimeInterval.minuteOfDay(startText) else { throw startNode.error("couldn't parse timestamp \(startText), invalid format") }
            guard let end = RecurringTimeInterval.minuteOfDay(endText) else { throw endNode.error("couldn't parse timestamp \(endText), invalid format") }
            guard start < end else { throw item.error("start time cannot be equal or greater than end time") }
            interval.times.append(start..<end)
        }
        interval.weekdays = try ranges(keys["weekdays"], what: "weekday") { (text) throws(RecurringTimeInterval.RangeError) in
            guard let day = RecurringTimeInterval.weekdayNames.firstIndex(of: text.lowercased()) else {
                throw .init(message: "\(text) is not a valid weekday")
            }
            return day
        }
        for item in try keys["days_of_month"]?.list() ?? [] {
            do {
                interval.daysOfMonth.append(try RecurringTimeInterval.dayRange(try item.text()) { (text) throws(RecurringTimeInterval.RangeError) in
                    guard let day = Int(text) else { throw .init(message: "\(text) is not a valid day of the month") }
                    guard (1...31).contains(abs(day)) else { throw .init(message: "\(day) is not a valid day of the month: out of range") }
                    return day
                })
            } catch let error as ParseError {
                throw error
            } catch let error as RecurringTimeInterval.RangeError {
                throw item.error(error.message)
            } catch {
                throw item.error("\(error)")
            }
        }
        interval.months = try ranges(keys["months"], what: "month") { (text) throws(RecurringTimeInterval.RangeError) in
            if let index = RecurringTimeInterval.monthNames.firstIndex(of: text.lowercased()) { return index + 1 }
            guard let month = Int(text), (1...12).contains(month) else { throw .init(message: "\(text) is not a valid month") }
            return month
        }
        interval.years = try ranges(keys["years"], what: "year") { (text) throws(RecurringTimeInterval.RangeError) in
            guard let year = Int(text), year > 0 else { throw .init(message: "\(text) is not a valid year") }
            return year
        }
        if let value = keys["location"] {
            let name = try value.text()
            if name != "UTC", name != "Local" {
                guard !name.hasPrefix("/"), !name.contains("..") else { throw value.error("unknown time zone \(name)") }
                do {
                    interval.zone = try TimeZoneTable(name: name, directory: RecurringTimeInterval.zoneInfoDirectory)
                } catch {
                    throw value.error(error.message)
                }
            } else if name == "Local" {
                interval.zone = try? TimeZoneTable(name: "localtime", directory: "/etc")
            }
        }
        return interval
    }

    private func ranges(
        _ node: AMNode?, what: String, value: (String) throws(RecurringTimeInterval.RangeError) -> Int
    ) throws(ParseError) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for item in try node?.list() ?? [] {
            do {
                result.append(try RecurringTimeInterval.range(try item.text(), what: what, value: value))
            } catch let error as ParseError {
                throw error
            } catch let error as RecurringTimeInterval.RangeError {
                throw item.error(error.message)
            } catch {
                throw item.error("\(error)")
            }
        }
        return result
    }
}
