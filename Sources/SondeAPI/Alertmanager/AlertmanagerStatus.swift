import SondeCore
import SondeNotify
import SondeRules

/// `/api/v2/status`: no cluster, the version, and the configuration as YAML that `amtool config`
/// reads. Only the routing tree, receiver names and inhibit rules are shown: a receiver's settings
/// hold URLs and keys, and Alertmanager shows them as `<secret>` anyway.
enum AlertmanagerStatus {
    /// The Alertmanager version whose API sonde follows.
    static let alertmanagerVersion = "0.25.0"

    static func json(notify: NotifyService?, startedAt: Int64) -> String {
        let version = "{\"branch\":\"sonde\",\"buildDate\":\"\",\"buildUser\":\"sonde\",\"goVersion\":\"none (sonde \(SondeBuild.version), Swift)\""
            + ",\"revision\":\"sonde-\(SondeBuild.version)\",\"version\":\"\(alertmanagerVersion)\"}"
        return "{\"cluster\":{\"name\":\"\",\"peers\":[],\"status\":\"disabled\"},\"config\":{\"original\":"
            + PrometheusJSON.string(notify.map { yaml($0.config) } ?? unconfiguredYAML) + "},\"uptime\":"
            + PrometheusJSON.string(TimestampFormat.rfc3339(milliseconds: startedAt)) + ",\"versionInfo\":" + version + "}"
    }

    static let unconfiguredYAML = "# sonde runs without notify: alerts are kept and shown, not sent.\nroute:\n  receiver: none\nreceivers:\n- name: none\n"

    static func yaml(_ config: AlertmanagerConfig) -> String {
        var lines = ["global:", "  resolve_timeout: " + DurationParser.format(config.global.resolveTimeout.inMilliseconds), "route:"]
        route(config.route, indent: "  ", into: &lines)
        if !config.inhibitRules.isEmpty {
            lines.append("inhibit_rules:")
            for rule in config.inhibitRules {
                lines.append("- source_matchers: " + list(rule.sourceMatchers.map(\.description)))
                lines.append("  target_matchers: " + list(rule.targetMatchers.map(\.description)))
                if !rule.equal.isEmpty { lines.append("  equal: " + list(rule.equal)) }
            }
        }
        lines.append("receivers:")
        for receiver in config.receivers { lines.append("- name: " + PrometheusJSON.string(receiver.name)) }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func route(_ route: AlertmanagerConfig.Route, indent: String, into lines: inout [String]) {
        lines.append(indent + "receiver: " + PrometheusJSON.string(route.receiver))
        if route.groupByAll {
            lines.append(indent + "group_by: [\"...\"]")
        } else if !route.groupBy.isEmpty {
            lines.append(indent + "group_by: " + list(route.groupBy))
        }
        if !route.matchers.isEmpty { lines.append(indent + "matchers: " + list(route.matchers.map(\.description))) }
        if route.continueMatching { lines.append(indent + "continue: true") }
        lines.append(indent + "group_wait: " + DurationParser.format(route.groupWait.inMilliseconds))
        lines.append(indent + "group_interval: " + DurationParser.format(route.groupInterval.inMilliseconds))
        lines.append(indent + "repeat_interval: " + DurationParser.format(route.repeatInterval.inMilliseconds))
        if !route.muteTimeIntervals.isEmpty { lines.append(indent + "mute_time_intervals: " + list(route.muteTimeIntervals)) }
        if !route.activeTimeIntervals.isEmpty { lines.append(indent + "active_time_intervals: " + list(route.activeTimeIntervals)) }
        guard !route.routes.isEmpty else { return }
        lines.append(indent + "routes:")
        for child in route.routes {
            var childLines: [String] = []
            self.route(child, indent: indent + "  ", into: &childLines)
            // The first key of each list item carries the dash.
            childLines[0] = indent + "- " + childLines[0].dropFirst(indent.count + 2)
            lines += childLines
        }
    }

    /// A YAML flow list of double-quoted strings (JSON strings are valid YAML).
    private static func list(_ values: [String]) -> String {
        "[" + values.map(PrometheusJSON.string).joined(separator: ", ") + "]"
    }
}
