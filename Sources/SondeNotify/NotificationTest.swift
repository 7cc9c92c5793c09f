#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SondeAWS
import SondeCore
import SondeNet

/// `sonde notify test`: one test alert, routed as a real one with its labels would be (or given to
/// one named receiver), rendered as the service renders notifications and sent at once to each
/// integration, each outcome reported. It bypasses the outbox, silences, inhibition and time
/// intervals: the operator wants to see the message arrive now, or why it did not.
public enum NotificationTest {
    public static let alertName = "SondeTestNotification"

    public struct Result: Sendable, Equatable {
        /// `ops/webhook/0`.
        public var integration: String
        public var outcome: DeliveryOutcome
        /// Template fields that failed and fell back to their defaults.
        public var templateFailures: [String]
    }

    /// The test alert: `alertname="SondeTestNotification"`, `instance` this host, and `labels`
    /// over them; firing for five minutes.
    public static func alert(hostname: String, labels: [String: String], now: Int64) -> NotifyAlert {
        var all = ["alertname": alertName, "instance": hostname]
        all.merge(labels) { _, given in given }
        return NotifyAlert(
            labels: Labels(all.map { Label($0.key, $0.value) }),
            annotations: ["summary": "Test notification from sonde on \(hostname)", "description": "Sent by `sonde notify test`; no action needed."],
            startsAt: now, endsAt: now + 300_000, updatedAt: now)
    }

    /// Sends `alert` to `receiver`'s integrations, or to those of every route it matches.
    ///
    /// - Throws: no receiver named `receiver`, or an integration that cannot be set up.
    public static func run(
        _ alert: NotifyAlert, config: AlertmanagerConfig, templates: NotificationTemplates, receiver named: String?, externalURL: String,
        client: HTTPClient = HTTPClient(), awsCredentials: any AWSCredentialsProvider, environment: [String: String], instanceRegion: String?, now: Int64
    ) async throws(SondeError) -> [Result] {
        var targets: [(receiver: AlertmanagerConfig.Receiver, groupKey: String, groupLabels: Labels)] = []
        if let named {
            guard let receiver = config.receiver(named: named) else {
                throw SondeError(.invalidArgument, "no receiver named \(named); the configuration has \(config.receivers.map(\.name).joined(separator: ", "))")
            }
            let groupLabels = Labels([Label("alertname", alertName)])
            targets.append((receiver, "{}:{alertname=\"\(alertName)\"}", groupLabels))
        } else {
            for node in RouteTree(config.route).match(alert.labels) {
                guard let receiver = config.receiver(named: node.route.receiver) else { continue }
                let groupLabels = node.groupLabels(of: alert.labels)
                targets.append((receiver, node.groupKey(groupLabels: groupLabels), groupLabels))
            }
        }
        let planner = NotificationPlanner(config: config)
        var results: [Result] = []
        for target in targets {
            for (integration, _) in planner.integrations(of: target.receiver) {
                let send = try IntegrationSender.make(
                    integration, of: target.receiver, client: client, awsCredentials: awsCredentials, environment: environment, instanceRegion: instanceRegion)
                let (new, failures) = NotificationRendering.entry(
                    integration, of: target.receiver, groupKey: target.groupKey, groupLabels: target.groupLabels, alerts: [alert],
                    externalURL: externalURL, templates: templates, now: now)
                let entry = NotificationOutbox.Entry(
                    sequence: 0, integration: new.integration, groupKey: new.groupKey, createdAt: now, deduplicationKey: new.deduplicationKey,
                    body: Data(new.body), fields: new.fields)
                results.append(Result(integration: integration.name, outcome: await send(entry), templateFailures: failures))
            }
        }
        return results
    }
}
