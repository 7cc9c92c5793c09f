import SondeCore
import SondeRules

/// Alertmanager's webhook body, version 4, keys in the order Alertmanager writes them:
/// `receiver`, `status`, `alerts`, `groupLabels`, `commonLabels`, `commonAnnotations`,
/// `externalURL`, `version`, `groupKey`, `truncatedAlerts`.
public enum WebhookMessage {
    /// Go's zero time, which Alertmanager writes for an alert without an end.
    static let zeroTime = "0001-01-01T00:00:00Z"

    /// The body for `data`, whose alerts `maxAlerts` (when above 0) has already cut; `truncated`
    /// says how many were cut.
    public static func json(_ data: NotificationData, groupKey: String, truncatedAlerts: Int) -> String {
        var out = "{\"receiver\":" + PrometheusJSON.string(data.receiver)
        out += ",\"status\":" + PrometheusJSON.string(data.status)
        out += ",\"alerts\":[" + data.alerts.map(alert).joined(separator: ",") + "]"
        out += ",\"groupLabels\":" + PrometheusJSON.labels(data.groupLabels)
        out += ",\"commonLabels\":" + PrometheusJSON.labels(data.commonLabels)
        out += ",\"commonAnnotations\":" + object(data.commonAnnotations)
        out += ",\"externalURL\":" + PrometheusJSON.string(data.externalURL)
        out += ",\"version\":\"4\",\"groupKey\":" + PrometheusJSON.string(groupKey)
        return out + ",\"truncatedAlerts\":\(truncatedAlerts)}"
    }

    static func alert(_ alert: NotificationData.Alert) -> String {
        var out = "{\"status\":" + PrometheusJSON.string(alert.status)
        out += ",\"labels\":" + PrometheusJSON.labels(alert.labels)
        out += ",\"annotations\":" + object(alert.annotations)
        out += ",\"startsAt\":\"" + TimestampFormat.rfc3339(milliseconds: alert.startsAt) + "\""
        out += ",\"endsAt\":\"" + (alert.endsAt.map { TimestampFormat.rfc3339(milliseconds: $0) } ?? zeroTime) + "\""
        out += ",\"generatorURL\":" + PrometheusJSON.string(alert.generatorURL)
        return out + ",\"fingerprint\":" + PrometheusJSON.string(alert.fingerprint) + "}"
    }

    /// A string map with sorted keys, as Go's encoding/json writes maps.
    static func object(_ map: [String: String]) -> String {
        "{" + map.sorted { $0.key < $1.key }.map { PrometheusJSON.string($0.key) + ":" + PrometheusJSON.string($0.value) }.joined(separator: ",") + "}"
    }

    /// The first `maxAlerts` alerts in Alertmanager's order (0: no limit), and how many were left out.
    public static func truncate(_ alerts: [NotifyAlert], maxAlerts: Int) -> (alerts: [NotifyAlert], truncated: Int) {
        let sorted = alerts.sorted(by: NotificationData.alertOrder)
        guard maxAlerts > 0, sorted.count > maxAlerts else { return (sorted, 0) }
        return (Array(sorted.prefix(maxAlerts)), sorted.count - maxAlerts)
    }
}
