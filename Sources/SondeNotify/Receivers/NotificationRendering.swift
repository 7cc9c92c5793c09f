import SondeCore

/// One notification for one integration, rendered as it will be sent: the webhook or Slack JSON,
/// or an SNS message and its parameters. The service renders each notification once, when it is
/// made; `sonde notify test` renders its test notification the same way.
public enum NotificationRendering {
    /// The entry, and the template fields that failed and fell back to their defaults.
    public static func entry(
        _ integration: NotificationPlanner.Integration, of receiver: AlertmanagerConfig.Receiver, groupKey: String, groupLabels: Labels,
        alerts: [NotifyAlert], externalURL: String, templates: NotificationTemplates, now: Int64
    ) -> (NotificationOutbox.NewEntry, failures: [String]) {
        // Stable across attempts and restarts: the Idempotency-Key, the FIFO deduplication id.
        let key = AlertFingerprint(Labels([Label("group", groupKey), Label("at", String(now))])).description
        let index = integration.index
        var failures: [String] = []
        func data(_ alerts: [NotifyAlert]) -> NotificationData {
            NotificationData(receiver: receiver.name, groupLabels: groupLabels, alerts: alerts, externalURL: externalURL, now: now)
        }
        let entry: NotificationOutbox.NewEntry
        switch integration.kind {
        case .webhook:
            let (kept, truncated) = WebhookMessage.truncate(alerts, maxAlerts: receiver.webhooks[index].maxAlerts)
            let body = WebhookMessage.json(data(kept), groupKey: groupKey, truncatedAlerts: truncated)
            entry = .init(integration: integration.name, groupKey: groupKey, deduplicationKey: key, body: Array(body.utf8))
        case .slack:
            let body = SlackMessage.json(receiver.slack[index], data: data(alerts), templates: templates, failures: &failures)
            entry = .init(integration: integration.name, groupKey: groupKey, deduplicationKey: key, body: Array(body.utf8))
        case .sns:
            let rendered = SNSMessage.render(
                receiver.sns[index], data: data(alerts), templates: templates, groupKey: groupKey, deduplicationKey: key, failures: &failures)
            entry = .init(
                integration: integration.name, groupKey: groupKey, deduplicationKey: key, body: Array(rendered.message.utf8), fields: rendered.parameters)
        }
        return (entry, failures)
    }
}
