import Foundation
import Logging
import SondeCore
import SondeNet
import SondeNotify
import SondeTestSupport
import Testing

/// The outbox delivering to a real webhook receiver on 127.0.0.1.
@Suite("Webhook delivery", .exclusiveMachineUse)
struct WebhookDeliveryTests {
    static let now: Int64 = 1_800_000_000_000

    func sender(_ hook: LoopbackServer, extra: String = "") throws -> WebhookSender {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: r}
            receivers:
              - name: r
                webhook_configs: [{url: '\(hook.base)/hook', http_config: {authorization: {credentials: s3cret}}\(extra)}]
            """)
        return WebhookSender(config: config.receivers[0].webhooks[0], client: HTTPClient())
    }

    func received(_ hook: LoopbackServer) async throws -> [[String: Any]] {
        let response = try await HTTPClient().send(HTTPRequest(url: hook.base + "/_received"))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
    }

    @Test("a receiver that answers 503 for a while, then recovers, gets every notification exactly once, in order")
    func recovers() async throws {
        try await LoopbackServer.with(script: webhookRecorderScript, arguments: ["fail=3"]) { hook in
            let directory = TemporaryDirectory("sonde-delivery")
            defer { directory.remove() }
            let outbox = try NotificationOutbox(directory: directory.path)
            let bodies = (1...5).map { #"{"n":\#($0)}"# }
            _ = try outbox.enqueue(bodies.enumerated().map { .init(integration: "r/webhook/0", groupKey: "g", deduplicationKey: "key-\($0.offset)", body: Array($0.element.utf8)) }, now: Self.now)
            let sender = try sender(hook)
            let delivery = OutboxDelivery(
                integration: "r/webhook/0", outbox: outbox, backoff: RetryBackoff(initial: .milliseconds(20), maximum: .milliseconds(100)),
                clock: SystemClock(), logger: Logger(label: "test")) { await sender.send($0) }
            await delivery.deliverPending()
            let requests = try await received(hook)
            #expect(requests.map { $0["body"] as? String } == bodies)
            let headers = requests.compactMap { $0["headers"] as? [String: String] }
            #expect(headers.map { $0["Idempotency-Key"] } == (0..<5).map { "key-\($0)" })
            #expect(headers.allSatisfy { $0["Authorization"] == "Bearer s3cret" && $0["Content-Type"] == "application/json" })
            #expect(outbox.all.isEmpty)
            #expect(delivery.statistics == .init(delivered: 5, failed: ["http_503": 3]))
        }
    }

    @Test("a 4xx is not retried: the entry is dropped and counted; an unreachable receiver keeps it")
    func rejectedAndUnreachable() async throws {
        let directory = TemporaryDirectory("sonde-delivery")
        defer { directory.remove() }
        try await LoopbackServer.with(script: webhookRecorderScript, arguments: ["reject"]) { hook in
            let outbox = try NotificationOutbox(directory: directory.path + "/rejected")
            _ = try outbox.enqueue([.init(integration: "r/webhook/0", groupKey: "g", deduplicationKey: "k", body: Array("{}".utf8))], now: Self.now)
            let sender = try sender(hook)
            let delivery = OutboxDelivery(integration: "r/webhook/0", outbox: outbox, clock: SystemClock(), logger: Logger(label: "test")) { await sender.send($0) }
            await delivery.deliverPending()
            #expect(outbox.all.isEmpty && delivery.statistics == .init(delivered: 0, failed: ["http_400": 1]))
        }
        try await LoopbackServer.withClosedPort { port in
            let outbox = try NotificationOutbox(directory: directory.path + "/unreachable")
            _ = try outbox.enqueue([.init(integration: "r/webhook/0", groupKey: "g", deduplicationKey: "k", body: Array("{}".utf8))], now: Self.now)
            let config = try AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: 'http://127.0.0.1:\(port)/'}]}]")
            let sender = WebhookSender(config: config.receivers[0].webhooks[0], client: HTTPClient())
            let delivery = OutboxDelivery(
                integration: "r/webhook/0", outbox: outbox, backoff: RetryBackoff(initial: .milliseconds(10), maximum: .milliseconds(10)),
                clock: SystemClock(), logger: Logger(label: "test")) { await sender.send($0) }
            let task = Task { await delivery.deliverPending() }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            await task.value
            #expect(outbox.all.count == 1, "kept for later")
            #expect((delivery.statistics.failed["connect"] ?? 0) >= 2)
        }
    }

    @Test("running, it delivers what is enqueued as soon as it is woken, and stops when cancelled")
    func running() async throws {
        try await LoopbackServer.with(script: webhookRecorderScript) { hook in
            let directory = TemporaryDirectory("sonde-delivery")
            defer { directory.remove() }
            let outbox = try NotificationOutbox(directory: directory.path)
            let sender = try sender(hook)
            let delivery = OutboxDelivery(integration: "r/webhook/0", outbox: outbox, clock: SystemClock(), logger: Logger(label: "test")) { await sender.send($0) }
            let task = Task { await delivery.run() }
            try await Task.sleep(for: .milliseconds(50))
            _ = try outbox.enqueue([.init(integration: "r/webhook/0", groupKey: "g", deduplicationKey: "k", body: Array("{}".utf8))], now: Self.now)
            delivery.wake()
            var count = 0
            for _ in 0..<100 where count == 0 {  // well before the idle wait's 5 s
                try await Task.sleep(for: .milliseconds(20))
                count = try await received(hook).count
            }
            #expect(count == 1)
            task.cancel()
            await task.value
        }
    }

    @Test("backoff doubles to its maximum, with jitter between half and all of it")
    func backoff() {
        let backoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(300))
        #expect(backoff.delay(afterFailures: 1, random: 1) == .seconds(1) && backoff.delay(afterFailures: 1, random: 0) == .milliseconds(500))
        #expect(backoff.delay(afterFailures: 4, random: 1) == .seconds(8))
        #expect(backoff.delay(afterFailures: 40, random: 1) == .seconds(300))
    }
}
