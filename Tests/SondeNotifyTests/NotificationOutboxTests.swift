import SondeCore
import SondeNotify
import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Notification outbox")
struct NotificationOutboxTests {
    static let now: Int64 = 1_800_000_000_000

    func entry(_ integration: String, _ body: String, key: String = "k") -> NotificationOutbox.NewEntry {
        .init(integration: integration, groupKey: "{}:{alertname=\"A\"}", deduplicationKey: key, body: Array(body.utf8), fields: ["subject": "s"])
    }

    @Test("entries survive a reopen in order, with their bodies and keys; removed ones do not")
    func durable() throws {
        let directory = TemporaryDirectory("sonde-outbox")
        defer { directory.remove() }
        let path = directory.path + "/notify-outbox"
        let outbox = try NotificationOutbox(directory: path)
        let (added, dropped) = try outbox.enqueue([entry("ops/webhook/0", "one"), entry("ops/sns/0", "two"), entry("ops/webhook/0", "three", key: "k3")], now: Self.now)
        #expect(added.map(\.sequence) == [1, 2, 3] && dropped.isEmpty)
        outbox.remove(2)
        let reopened = try NotificationOutbox(directory: path)
        #expect(reopened.openReport.loaded == 2 && reopened.openReport.unreadable.isEmpty)
        #expect(reopened.all == [added[0], added[2]])
        #expect(reopened.pending(for: "ops/webhook/0").map { String(decoding: $0.body, as: UTF8.self) } == ["one", "three"])
        #expect(reopened.pending(for: "ops/webhook/0")[1].deduplicationKey == "k3" && reopened.all[0].fields == ["subject": "s"])
        let next = try reopened.enqueue([entry("ops/webhook/0", "four")], now: Self.now)
        #expect(next.added.map(\.sequence) == [4], "sequence numbers go on after a restart")
        #expect(reopened.statistics.entries == 3 && reopened.statistics.oldestCreatedAt == Self.now)
    }

    @Test("unfinished writes are discarded and unreadable files set aside, the rest loads")
    func damaged() throws {
        let directory = TemporaryDirectory("sonde-outbox")
        defer { directory.remove() }
        let outbox = try NotificationOutbox(directory: directory.path)
        _ = try outbox.enqueue([entry("a/webhook/0", "kept")], now: Self.now)
        TestFiles.append(directory.path + "/0000000000000009.entry.tmp", "{\"half")
        TestFiles.append(directory.path + "/0000000000000007.entry", "{ not json")
        let copied = String(decoding: TestFiles.read(directory.path + "/0000000000000001.entry"), as: UTF8.self)
        TestFiles.append(directory.path + "/0000000000000005.entry", copied)  // a name that does not match its content
        let reopened = try NotificationOutbox(directory: directory.path)
        #expect(reopened.openReport.loaded == 1)
        #expect(reopened.openReport.unreadable == ["0000000000000005.entry", "0000000000000007.entry"])
        #expect(access(directory.path + "/0000000000000007.entry.bad", F_OK) == 0 && access(directory.path + "/0000000000000009.entry.tmp", F_OK) != 0)
        #expect(reopened.all.map { String(decoding: $0.body, as: UTF8.self) } == ["kept"])
    }

    @Test("entries older than max_age leave; over the byte bound the oldest make room")
    func bounds() throws {
        let directory = TemporaryDirectory("sonde-outbox")
        defer { directory.remove() }
        let outbox = try NotificationOutbox(directory: directory.path + "/aged", maxAge: .seconds(3600))
        _ = try outbox.enqueue([entry("a/webhook/0", "old")], now: Self.now)
        _ = try outbox.enqueue([entry("a/webhook/0", "new")], now: Self.now + 1_800_000)
        #expect(outbox.expire(now: Self.now + 3_600_001).map(\.sequence) == [1])
        #expect(outbox.all.map(\.sequence) == [2])
        #expect(try NotificationOutbox(directory: directory.path + "/aged").all.map(\.sequence) == [2], "its file is gone too")

        let small = try NotificationOutbox(directory: directory.path + "/small", maxBytes: 1000)
        let body = String(repeating: "x", count: 300)
        var dropped: [UInt64] = []
        for _ in 0..<5 { dropped += try small.enqueue([entry("a/webhook/0", body)], now: Self.now).dropped.map(\.sequence) }
        #expect(dropped == [1, 2, 3] && small.all.map(\.sequence) == [4, 5])
        #expect(small.statistics.bytes <= 1000)
    }
}
