import SondeCore
import SondeNotify
import SondeRules

/// Alertmanager API v2's JSON shapes (its OpenAPI models `gettableAlert`, `alertGroup`,
/// `gettableSilence`), written field by field so the order is stable and every field `amtool`'s
/// generated client requires is present.
enum AlertmanagerJSON {
    static func alert(_ status: AlertStatus, now: Int64) -> String {
        let alert = status.alert
        let state = status.isSuppressed ? "suppressed" : "active"
        return "{\"annotations\":" + PrometheusRulesRoutes.object(alert.annotations) + ",\"endsAt\":" + time(alert.endsAt ?? now)
            + ",\"fingerprint\":\"\(alert.fingerprint)\",\"receivers\":[" + status.receivers.map(receiver).joined(separator: ",") + "]"
            + ",\"startsAt\":" + time(alert.startsAt) + ",\"status\":{\"inhibitedBy\":" + strings(status.inhibitedBy)
            + ",\"silencedBy\":" + strings(status.silencedBy) + ",\"state\":\"\(state)\"},\"updatedAt\":" + time(alert.updatedAt)
            + ",\"generatorURL\":" + PrometheusJSON.string(alert.generatorURL) + ",\"labels\":" + PrometheusJSON.labels(alert.labels) + "}"
    }

    static func group(_ group: AlertGroupStatus, alerts: [AlertStatus], now: Int64) -> String {
        "{\"labels\":" + PrometheusJSON.labels(group.labels) + ",\"receiver\":" + receiver(group.receiver)
            + ",\"alerts\":[" + alerts.map { alert($0, now: now) }.joined(separator: ",") + "]}"
    }

    static func silence(_ silence: Silence, now: Int64) -> String {
        let matchers = silence.matchers.map { matcher in
            "{\"name\":" + PrometheusJSON.string(matcher.name) + ",\"value\":" + PrometheusJSON.string(matcher.value)
                + ",\"isRegex\":\(matcher.isRegex),\"isEqual\":\(matcher.isEqual)}"
        }
        return "{\"id\":" + PrometheusJSON.string(silence.id) + ",\"status\":{\"state\":\"\(silence.state(at: now).rawValue)\"}"
            + ",\"updatedAt\":" + time(silence.updatedAt) + ",\"comment\":" + PrometheusJSON.string(silence.comment)
            + ",\"createdBy\":" + PrometheusJSON.string(silence.createdBy) + ",\"endsAt\":" + time(silence.endsAt)
            + ",\"matchers\":[" + matchers.joined(separator: ",") + "],\"startsAt\":" + time(silence.startsAt) + "}"
    }

    static func receiver(_ name: String) -> String { "{\"name\":" + PrometheusJSON.string(name) + "}" }

    static func strings(_ values: [String]) -> String { "[" + values.map(PrometheusJSON.string).joined(separator: ",") + "]" }

    static func time(_ milliseconds: Int64) -> String { PrometheusJSON.string(TimestampFormat.rfc3339(milliseconds: milliseconds)) }
}
