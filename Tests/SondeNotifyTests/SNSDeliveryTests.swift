import Foundation
import Logging
import SondeAWS
import SondeCore
import SondeNet
import SondeNotify
import SondeTestSupport
import Testing

/// SNS notifications published to a real moto server and read back from an SQS queue subscribed
/// to the topic: what a subscriber receives.
@Suite("SNS delivery", .exclusiveMachineUse)
struct SNSDeliveryTests {
    static let keys = StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", source: "test"))

    static func client(_ moto: MotoServer, service: String, version: String) -> AWSQueryClient {
        AWSQueryClient(endpoint: moto.endpoint, service: service, region: "us-east-1", version: version, credentials: keys, http: HTTPClient(), retry: .none)
    }

    /// A topic (FIFO when its name ends in `.fifo`) with a queue subscribed to it; returns the topic's ARN and the queue's URL.
    static func topicWithQueue(_ moto: MotoServer, name: String) async throws -> (topic: String, queue: String) {
        let sns = client(moto, service: "sns", version: "2010-03-31")
        let sqs = client(moto, service: "sqs", version: "2012-11-05")
        let fifo = name.hasSuffix(".fifo")
        let topic = try await sns.call("CreateTopic", [("Name", name)] + (fifo ? [("Attributes.entry.1.key", "FifoTopic"), ("Attributes.entry.1.value", "true")] : []))
        let topicARN = try #require(topic.path("CreateTopicResult", "TopicArn")?.trimmedText)
        let queue = try await sqs.call("CreateQueue", [("QueueName", name)] + (fifo ? [("Attribute.1.Name", "FifoQueue"), ("Attribute.1.Value", "true")] : []))
        let queueURL = try #require(queue.path("CreateQueueResult", "QueueUrl")?.trimmedText)
        let queueName = String(name)
        _ = try await sns.call("Subscribe", [("TopicArn", topicARN), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:us-east-1:123456789012:\(queueName)")])
        return (topicARN, queueURL)
    }

    /// The SNS envelopes the queue holds, as JSON objects.
    static func messages(_ moto: MotoServer, queue: String, atLeast count: Int) async throws -> [[String: Any]] {
        let sqs = client(moto, service: "sqs", version: "2012-11-05")
        var bodies: [[String: Any]] = []
        for _ in 0..<100 where bodies.count < count {
            let result = try await sqs.call("ReceiveMessage", [("QueueUrl", queue), ("MaxNumberOfMessages", "10"), ("AttributeName.1", "All")])
            for message in result.path("ReceiveMessageResult")?.children("Message") ?? [] {
                if let body = message.child("Body")?.text, let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
                    bodies.append(object)
                }
            }
            if bodies.count < count { try await Task.sleep(for: .milliseconds(50)) }
        }
        return bodies
    }

    /// A service whose one receiver has one SNS integration, `options` (YAML lines) added to its
    /// `topic_arn` and `api_url`, fed `alerts` and run until the queue has a message; returns the
    /// messages and the service's self-metrics.
    static func deliver(
        _ moto: MotoServer, topic: String, queue: String, options: String, alerts: (Int64) -> [NotifyAlert]
    ) async throws -> (messages: [[String: Any]], metrics: [(Labels, Double)]) {
        let directory = TemporaryDirectory("sonde-sns")
        defer { directory.remove() }
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: ops, group_by: [alertname], group_wait: 0s}
            receivers:
              - name: ops
                sns_configs:
                  - topic_arn: '\(topic)'
                    api_url: '\(moto.endpoint)'
            """ + options.split(separator: "\n").map { "\n        " + $0 }.joined())
        let service = try NotifyService(
            config: config, dataDirectory: directory.path, externalURL: "http://127.0.0.1:9733", awsCredentials: keys, environment: [:],
            backoff: RetryBackoff(initial: .milliseconds(50), maximum: .milliseconds(200)), clock: SystemClock(), logger: Logger(label: "test"))
        let now = SystemClock().wallMilliseconds
        service.receive(alerts(now))
        let running = Task { await service.run() }
        let messages = try await Self.messages(moto, queue: queue, atLeast: 1)
        running.cancel()
        await running.value
        return (messages, service.selfMetrics(now: now))
    }

    static func alert(_ labels: [String: String], annotations: [String: String] = ["summary": "CPU high"], now: Int64) -> NotifyAlert {
        NotifyAlert(labels: Labels(labels.map { Label($0.key, $0.value) }), annotations: annotations, startsAt: now - 60_000, endsAt: now + 600_000, updatedAt: now)
    }

    @Test("the default subject and message, templated attributes, the region from the ARN, through the outbox")
    func standardTopic() async throws {
        try await MotoServer.with { moto in
            let (topic, queue) = try await Self.topicWithQueue(moto, name: "alerts")
            let (messages, metrics) = try await Self.deliver(
                moto, topic: topic, queue: queue, options: "attributes: {severity: '{{ .CommonLabels.severity }}', team: ops}"
            ) { now in
                [Self.alert(["alertname": "HighCPU", "instance": "web-1", "severity": "critical"], now: now),
                 Self.alert(["alertname": "HighCPU", "instance": "web-2", "severity": "critical"], now: now)]
            }
            let message = try #require(messages.first)
            #expect(messages.count == 1)
            #expect(message["Subject"] as? String == "[FIRING:2] HighCPU (critical)")
            let text = try #require(message["Message"] as? String)
            #expect(text.hasPrefix("CPU high\n\nAlerts Firing:\nLabels:\n - alertname = HighCPU\n - instance = web-1\n - severity = critical\n"), "\(text)")
            let attributes = try #require(message["MessageAttributes"] as? [String: [String: String]])
            #expect(attributes["severity"]?["Value"] == "critical")
            #expect(attributes["team"]?["Value"] == "ops")
            #expect(attributes["truncated"] == nil)
            #expect(metrics.contains { $0.0.description.contains("sonde_notifications_total") && $0.0["integration"] == "sns" && $0.1 == 1 })
        }
    }

    @Test("a FIFO topic gets the group's MessageGroupId and a deduplication id; a long subject and a huge message are cut to what SNS takes")
    func fifoTopicAndLimits() async throws {
        try await MotoServer.with { moto in
            let (topic, queue) = try await Self.topicWithQueue(moto, name: "alerts.fifo")
            let summary = String(repeating: "s", count: 150)
            let big = String(repeating: "é", count: 200_000)  // 400,000 bytes
            let (messages, _) = try await Self.deliver(
                moto, topic: topic, queue: queue, options: "subject: \"{{ .CommonAnnotations.summary }}\\nsecond line\"\nmessage: '{{ .CommonAnnotations.big }}'"
            ) { now in [Self.alert(["alertname": "Huge"], annotations: ["summary": summary, "big": big], now: now)] }
            let message = try #require(messages.first)
            let subject = try #require(message["Subject"] as? String)
            #expect(subject.count == 100 && subject.hasSuffix("…") && !subject.contains("\n"))
            let text = try #require(message["Message"] as? String)
            #expect(text.utf8.count <= 256 * 1024 && text.utf8.count > 256 * 1024 - 4 && text.hasSuffix("é…"))
            let attributes = try #require(message["MessageAttributes"] as? [String: [String: String]])
            #expect(attributes["truncated"]?["Value"] == "true")
        }
    }

    @Test("FIFO ids: the group's hash, and the notification's; subjects without line breaks")
    func renderedParameters() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: ops}
            receivers: [{name: ops, sns_configs: [{topic_arn: 'arn:aws:sns:eu-west-1:1:t.fifo', sigv4: {access_key: a, secret_key: b}}]}]
            """)
        let sns = try #require(config.receivers.first?.sns.first)
        let data = NotificationData(receiver: "ops", groupLabels: Labels([]), alerts: [Self.alert(["alertname": "A"], now: 1_000)], externalURL: "", now: 1_000)
        var failures: [String] = []
        let first = SNSMessage.render(sns, data: data, templates: .defaults, groupKey: "{}:{}", deduplicationKey: "k1", failures: &failures)
        let second = SNSMessage.render(sns, data: data, templates: .defaults, groupKey: "{}:{}", deduplicationKey: "k2", failures: &failures)
        #expect(first.parameters["MessageGroupId"] == Hex.encode(SHA256.hash(Array("{}:{}".utf8))))
        #expect(first.parameters["MessageGroupId"] == second.parameters["MessageGroupId"])
        #expect(first.parameters["MessageDeduplicationId"] != second.parameters["MessageDeduplicationId"])
        #expect(first.parameters["Subject"] == "[FIRING:1]  (A)")
        let multiline = try AlertmanagerConfig.parse(
            "route: {receiver: ops}\nreceivers: [{name: ops, sns_configs: [{topic_arn: 'arn:aws:sns:eu-west-1:1:t', subject: \"  one\\ntwo\\r\\tthree\\u2028four\"}]}]")
        let flat = SNSMessage.render(multiline.receivers[0].sns[0], data: data, templates: .defaults, groupKey: "g", deduplicationKey: "k", failures: &failures)
        #expect(flat.parameters["Subject"] == "one two  three four")
        #expect(flat.parameters["MessageGroupId"] == nil, "not a FIFO topic")
        #expect(failures.isEmpty)
        let sender = try SNSSender(config: sns, credentials: Self.keys, environment: [:], http: HTTPClient())
        #expect(sender.client.endpoint == "https://sns.eu-west-1.amazonaws.com")
        #expect(sender.client.signer.region == "eu-west-1")
    }

    @Test("no region anywhere, or a role to assume, is refused before anything runs")
    func refused() throws {
        let noRegion = try AlertmanagerConfig.parse("route: {receiver: ops}\nreceivers: [{name: ops, sns_configs: [{phone_number: '+15555550100'}]}]")
        #expect(throws: SondeError.self) { try SNSSender(config: noRegion.receivers[0].sns[0], credentials: Self.keys, environment: [:], http: HTTPClient()) }
        _ = try SNSSender(config: noRegion.receivers[0].sns[0], credentials: Self.keys, environment: ["AWS_REGION": "us-west-2"], http: HTTPClient())
        let role = try AlertmanagerConfig.parse(
            "route: {receiver: ops}\nreceivers: [{name: ops, sns_configs: [{topic_arn: 'arn:aws:sns:us-east-1:1:t', sigv4: {role_arn: 'arn:aws:iam::1:role/x'}}]}]")
        #expect(throws: SondeError.self) { try SNSSender(config: role.receivers[0].sns[0], credentials: Self.keys, environment: [:], http: HTTPClient()) }
    }
}
