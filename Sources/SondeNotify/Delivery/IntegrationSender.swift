import SondeAWS
import SondeCore
import SondeNet

/// The sender for one receiver integration: webhooks and Slack over HTTP, SNS through AWS.
public enum IntegrationSender {
    public typealias Send = @Sendable (NotificationOutbox.Entry) async -> DeliveryOutcome

    /// - Throws: an SNS integration without a region, or with a role to assume, naming the receiver.
    public static func make(
        _ integration: NotificationPlanner.Integration, of receiver: AlertmanagerConfig.Receiver, client: HTTPClient,
        awsCredentials: any AWSCredentialsProvider, environment: [String: String], instanceRegion: String?
    ) throws(SondeError) -> Send {
        switch integration.kind {
        case .webhook:
            let sender = WebhookSender(config: receiver.webhooks[integration.index], client: client)
            return { await sender.send($0) }
        case .slack:
            let sender = WebhookSender(slack: receiver.slack[integration.index], client: client)
            return { await sender.send($0) }
        case .sns:
            let sender: SNSSender
            do {
                sender = try SNSSender(
                    config: receiver.sns[integration.index], credentials: awsCredentials, environment: environment, instanceRegion: instanceRegion, http: client)
            } catch {
                throw SondeError(error.code, "receiver \(receiver.name): \(error.message)")
            }
            return { await sender.send($0) }
        }
    }
}
