import SondeCore
import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Store: recovery after a crash")
struct StoreRecoveryTests {
    @Test("what was flushed survives an abandoned (never closed) store; later appends are lost")
    func headLogReplay() throws {
        let directory = TemporaryDirectory()
        var expected: [Sample] = []
        do {
            let store = try Store.open(directory: directory.store, options: smallOptions(budget: 4 << 20))
            let ref = try #require(store.seriesRef(series("m")))
            for index in 0..<5_000 {
                let sample = Sample(timestamp: Int64(index) * 1000, value: Double(index % 17))
                store.append(ref, timestamp: sample.timestamp, value: sample.value)
                expected.append(sample)
            }
            try store.flush(now: 0)
            // Appended after the last flush: allowed to be lost.
            for index in 5_000..<5_100 { store.append(ref, timestamp: Int64(index) * 1000, value: 0) }
            // No close: the process "dies" here. The store object goes away without a snapshot.
        }
        do {
            let reopened = try Store.open(directory: directory.store, options: smallOptions(budget: 4 << 20))
            #expect(reopened.recovery.replayedEntries > 0)
            let samples = try rawSamples(reopened, "m")
            #expect(Array(samples.prefix(5_000)) == expected)
            #expect(samples.count <= 5_100)
            // And it goes on: appends continue after the recovered data, and survive a clean close.
            let ref = try #require(reopened.seriesRef(series("m")))
            #expect(reopened.append(ref, timestamp: 10_000_000, value: 1) == nil)
            try reopened.close()
        }
        let again = try Store.open(directory: directory.store, options: smallOptions(budget: 4 << 20))
        #expect(try rawSamples(again, "m").last == Sample(timestamp: 10_000_000, value: 1))
        #expect(again.recovery.replayedEntries == 0)
    }

    @Test("rollups and sealed chunks replay to the same state, without duplicates")
    func replayIsExact() throws {
        let directory = TemporaryDirectory()
        let minuteBefore: [Int64]
        do {
            let store = try Store.open(directory: directory.store, options: smallOptions(budget: 4 << 20))
            let ref = try #require(store.seriesRef(series("m")))
            for index in 0..<6_000 {
                store.append(ref, timestamp: Int64(index) * 1000, value: Double(index))
                if index % 700 == 0 { try store.flush(now: 0) }
            }
            try store.flush(now: 0)
            minuteBefore = try store.select([.equal("__name__", "m")], start: .min, end: .max, tier: .tier(.minute)).first?.timestamps ?? []
        }
        let reopened = try Store.open(directory: directory.store, options: smallOptions(budget: 4 << 20))
        let samples = try rawSamples(reopened, "m")
        #expect(samples.count == 6_000)
        #expect(samples.map(\.timestamp) == (0..<6_000).map { Int64($0) * 1000 })
        let minuteAfter = try reopened.select([.equal("__name__", "m")], start: .min, end: .max, tier: .tier(.minute)).first?.timestamps ?? []
        #expect(minuteAfter == minuteBefore)
        #expect(try Store.verify(directory: directory.store).isClean)
    }
}
