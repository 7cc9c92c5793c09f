import SondeCore
import SondeTestSupport
import Testing
@testable import SondeStore

/// Records are checksummed with their segment's sequence as seed, so that what an earlier lap of the
/// ring left in a segment is never read as live data after the segment is reused.
@Suite("Store: records of an earlier lap of the ring")
struct StoreLapTests {
    @Test("a record's checksum depends on its seed")
    func checksumDependsOnSeed() {
        let body: [UInt8] = Array("the same bytes in two laps".utf8)
        let first = body.withUnsafeBytes { Checksum.crc32($0, seed: 41) }
        let second = body.withUnsafeBytes { Checksum.crc32($0, seed: 42) }
        #expect(first != second)

        var framed: [UInt8] = []
        RecordFraming.append(kind: .chunk, body: body, seed: 41, to: &framed)
        framed.withUnsafeBytes { raw in
            #expect(RecordFraming.frame(in: raw, at: 0, seed: 41) != nil)
            #expect(RecordFraming.frame(in: raw, at: 0, seed: 42) == nil, "a frame of another lap does not check out")
        }
    }

    @Test("after a crash in a later lap, nothing of the previous lap beyond the write point comes back")
    func previousLapStaysDead() throws {
        let directory = TemporaryDirectory()
        let seriesCount = 20
        var step = 0
        let oldestBeforeCrash: Int64
        do {
            let store = try Store.open(directory: directory.store, options: smallOptions(budget: 1 << 20))
            let refs = try (0..<seriesCount).map { index in try #require(store.seriesRef(series("lap", ["i": "\(index)"]))) }
            func appendSteps(_ count: Int) {
                for _ in 0..<count {
                    for (index, ref) in refs.enumerated() {
                        store.append(ref, timestamp: Int64(step) * 1000, value: Double((step * 7919 + index) % 1_000_003))
                    }
                    step += 1
                }
            }
            // Wrap the ring at least twice, so every segment holds data of an earlier lap.
            while store.engine.withLock({ $0.rings[Tier.raw.rawValue].wraps }) < 2 {
                appendSteps(2_000)
                try store.flush(now: Int64(step) * 1000)
            }
            // Part of a segment more in the new lap: the current segment is not sealed and the rest of
            // it still holds the previous lap's chunks, intact but under the old sequence.
            appendSteps(700)
            try store.flush(now: Int64(step) * 1000)
            oldestBeforeCrash = try #require(try rawSamples(store, "lap", ["i": "0"]).first).timestamp
            // No close: the process "dies" here.
        }
        let reopened = try Store.open(directory: directory.store, options: smallOptions(budget: 1 << 20))
        for index in [0, seriesCount / 2, seriesCount - 1] {
            let samples = try rawSamples(reopened, "lap", ["i": "\(index)"])
            let first = try #require(samples.first)
            #expect(first.timestamp >= oldestBeforeCrash, "series \(index): data older than the ring held came back")
            let firstStep = Int(first.timestamp / 1000)
            let lastStep = Int(try #require(samples.last).timestamp / 1000)
            #expect(samples.count == lastStep - firstStep + 1, "series \(index): one contiguous run, no stale chunks")
            #expect(lastStep <= step - 1)
            for (offset, sample) in samples.enumerated() where sample.timestamp != Int64(firstStep + offset) * 1000 {
                Issue.record("series \(index): step \(firstStep + offset) is not where it belongs")
                break
            }
        }
        #expect(try Store.verify(directory: directory.store).isClean)
    }
}
