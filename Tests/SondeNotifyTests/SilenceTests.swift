import SondeCore
import SondeNotify
import SondeTestSupport
import Testing

@Suite("Silences")
struct SilenceTests {
    static let now: Int64 = 1_800_000_000_000
    let hour: Int64 = 3_600_000

    @Test("a silence covers the alerts matching all its matchers while active, and is kept in the data directory")
    func addMatchExpire() throws {
        let directory = TemporaryDirectory("sonde-silences")
        defer { directory.remove() }
        let file = SilenceFile(directory: directory.path + "/data")  // created on first use
        let now = Self.now
        let cpu = try file.add(matchers: [#"alertname="HighCPU""#, #"instance=~"web.*""#], startsAt: now, endsAt: now + 2 * hour,
                               createdBy: "ops", comment: "deploying", now: now)
        let later = try file.add(matchers: ["alertname=DiskFull"], startsAt: now + hour, endsAt: now + 2 * hour, createdBy: "ops", comment: "maintenance", now: now)
        let reloaded = try SilenceFile(directory: directory.path + "/data").load()
        #expect(reloaded == [cpu, later])
        #expect(cpu.id.count == 36 && cpu.id != later.id)
        func silenced(_ labels: [String: String], at time: Int64) -> Bool {
            reloaded.contains { $0.silences(Labels(labels.map { Label($0.key, $0.value) }), at: time) }
        }
        #expect(silenced(["alertname": "HighCPU", "instance": "web-1", "job": "node"], at: now))
        #expect(!silenced(["alertname": "HighCPU", "instance": "db-1"], at: now))
        #expect(!silenced(["alertname": "HighCPU", "instance": "web-1"], at: now + 2 * hour), "ended")
        #expect(!silenced(["alertname": "DiskFull"], at: now + hour - 1) && silenced(["alertname": "DiskFull"], at: now + hour), "pending, then active")
        #expect(cpu.state(at: now) == .active && later.state(at: now) == .pending)

        try file.expire(id: cpu.id, now: now + 60_000)
        try file.expire(id: later.id, now: now + 60_000)
        let expired = try file.load()
        #expect(expired.allSatisfy { $0.state(at: now + 60_000) == .expired })
        #expect(expired[1].startsAt == now + 60_000, "a pending silence that is expired never starts")
        #expect(throws: SondeError.self) { try file.expire(id: cpu.id, now: now + 120_000) }
        #expect(throws: SondeError.self) { try file.expire(id: "no-such-id", now: now) }
        // Five days after they ended, expired silences are dropped at the next write.
        try file.add(matchers: ["a=b"], startsAt: now + 6 * 24 * hour, endsAt: now + 7 * 24 * hour, createdBy: "x", comment: "c", now: now + 6 * 24 * hour)
        #expect(try file.load().count == 1)
    }

    @Test("bad silences are refused: no matchers, match-everything, bad regex, backwards, no comment")
    func refused() throws {
        let directory = TemporaryDirectory("sonde-silences")
        defer { directory.remove() }
        let file = SilenceFile(directory: directory.path)
        let now = Self.now
        for matchers in [[], ["a=~.*"], [#"a="""#], ["a=~("], ["not a matcher"]] {
            #expect(throws: SondeError.self, "\(matchers)") {
                try file.add(matchers: matchers, startsAt: now, endsAt: now + hour, createdBy: "x", comment: "c", now: now)
            }
        }
        #expect(throws: SondeError.self) { try file.add(matchers: ["a=b"], startsAt: now, endsAt: now, createdBy: "x", comment: "c", now: now) }
        #expect(throws: SondeError.self) { try file.add(matchers: ["a=b"], startsAt: now, endsAt: now + hour, createdBy: "x", comment: "", now: now) }
        #expect(try file.load().isEmpty)
        TestFiles.append(file.path, "{ not json")
        #expect(throws: SondeError.self) { try file.load() }
    }

    @Test("writers at the same time lose none of each other's silences")
    func concurrentWriters() async throws {
        let directory = TemporaryDirectory("sonde-silences")
        defer { directory.remove() }
        let path = directory.path
        let now = Self.now
        let hour = self.hour
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<10 {
                        _ = try? SilenceFile(directory: path).add(
                            matchers: ["writer=\(writer)", "index=\(index)"], startsAt: now, endsAt: now + hour, createdBy: "w", comment: "c", now: now)
                    }
                }
            }
        }
        #expect(try SilenceFile(directory: path).load().count == 40)
    }
}
