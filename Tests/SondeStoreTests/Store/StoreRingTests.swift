import SondeCore
import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Store: rings, tiers and rollups")
struct StoreRingTests {
    @Test("the raw ring wraps many times while queries return exactly the newest data")
    func ringWrapsAndQueriesStayCorrect() throws {
        let directory = TemporaryDirectory()
        let store = try Store.open(directory: directory.store, options: smallOptions(budget: 1 << 20))
        let seriesCount = 20
        let refs = try (0..<seriesCount).map { index in try #require(store.seriesRef(series("wrap", ["i": "\(index)"]))) }
        // Values that do not compress well, so the small ring wraps often.
        func value(_ series: Int, _ step: Int) -> Double {
            var mixer = SplitMix64(seed: UInt64(series) << 32 | UInt64(step))
            return Double(mixer.next() % 1_000_000) / 1000
        }
        var step = 0
        for round in 0..<40 {
            for _ in 0..<2_000 {
                for (index, ref) in refs.enumerated() {
                    store.append(ref, timestamp: Int64(step) * 1000, value: value(index, step))
                }
                step += 1
            }
            try store.flush(now: Int64(step) * 1000)
            // After every round: each series reads back as one contiguous run ending at the newest step.
            for index in [0, seriesCount / 2, seriesCount - 1] {
                let samples = try rawSamples(store, "wrap", ["i": "\(index)"])
                let first = try #require(samples.first)
                let firstStep = Int(first.timestamp / 1000)
                #expect(samples.count == step - firstStep, "round \(round) series \(index)")
                #expect(samples.last?.timestamp == Int64(step - 1) * 1000)
                for (offset, sample) in samples.enumerated() where sample.value != value(index, firstStep + offset) {
                    Issue.record("round \(round) series \(index): wrong value at step \(firstStep + offset)")
                    break
                }
            }
        }
        let wraps = try rawSamplesWraps(store)
        #expect(wraps >= 3, "the ring should have wrapped several times, wrapped \(wraps)")
        let stats = try store.stats()
        let raw = try #require(stats.tiers.first { $0.name == "raw" })
        #expect(raw.bytesUsed <= raw.bytesAllocated)
        #expect(stats.tiers.reduce(0) { $0 + $1.bytesAllocated } <= 1 << 20)
    }

    private func rawSamplesWraps(_ store: Store) throws -> Int {
        store.engine.withLock { $0.rings[Tier.raw.rawValue].wraps }
    }

    @Test("rollups hold min, max, sum, count and last per bucket, built as data arrives")
    func rollupsMatchRawData() throws {
        let directory = TemporaryDirectory()
        let store = try Store.open(directory: directory.store, options: smallOptions(budget: 8 << 20))
        let ref = try #require(store.seriesRef(series("cpu")))
        let start: Int64 = 1_800_000_000_000  // an hour boundary
        var expected: [Int64: (min: Double, max: Double, sum: Double, count: Double, last: Double, lastT: Int64)] = [:]
        var expectedHour: [Int64: (sum: Double, count: Double)] = [:]
        for second in 0..<(3 * 3600) {
            let timestamp = start + Int64(second) * 1000
            let value = Double((second * 7919) % 101)
            store.append(ref, timestamp: timestamp, value: value)
            let bucket = timestamp / 60_000
            var entry = expected[bucket] ?? (value, value, 0, 0, value, timestamp)
            entry.min = min(entry.min, value)
            entry.max = max(entry.max, value)
            entry.sum += value
            entry.count += 1
            entry.last = value
            entry.lastT = timestamp
            expected[bucket] = entry
            expectedHour[timestamp / 3_600_000, default: (0, 0)].sum += value
            expectedHour[timestamp / 3_600_000, default: (0, 0)].count += 1
        }
        let minute = try #require(try store.select([.equal("__name__", "cpu")], start: .min, end: .max, tier: .tier(.minute)).first)
        #expect(minute.timestamps.count == 180)
        for (index, timestamp) in minute.timestamps.enumerated() {
            let bucket = try #require(expected[timestamp / 60_000])
            #expect(timestamp == bucket.lastT)
            #expect(minute.columns[RollupColumn.min.rawValue][index] == bucket.min)
            #expect(minute.columns[RollupColumn.max.rawValue][index] == bucket.max)
            #expect(minute.columns[RollupColumn.sum.rawValue][index] == bucket.sum)
            #expect(minute.columns[RollupColumn.count.rawValue][index] == bucket.count)
            #expect(minute.columns[RollupColumn.last.rawValue][index] == bucket.last)
        }
        let hour = try #require(try store.select([.equal("__name__", "cpu")], start: .min, end: .max, tier: .tier(.hour)).first)
        #expect(hour.timestamps.count == 3)
        for (index, timestamp) in hour.timestamps.enumerated() {
            let bucket = try #require(expectedHour[timestamp / 3_600_000])
            #expect(hour.columns[RollupColumn.sum.rawValue][index] == bucket.sum)
            #expect(hour.columns[RollupColumn.count.rawValue][index] == bucket.count)
        }
        // Reopened, the rollups (sealed, open and the accumulator) are all still there.
        try store.close()
    }

    @Test("queries pick the tier from range and step, and can force one")
    func tierChoice() throws {
        let directory = TemporaryDirectory()
        let store = try Store.open(directory: directory.store, options: smallOptions(budget: 8 << 20))
        let ref = try #require(store.seriesRef(series("g")))
        for second in 0..<7200 { store.append(ref, timestamp: Int64(second) * 1000, value: 1) }
        let raw = try store.select([.equal("__name__", "g")], start: 0, end: 7_200_000, tier: .automatic)
        #expect(raw.first?.tier == .raw)
        let minute = try store.select([.equal("__name__", "g")], start: 0, end: 7_200_000, tier: .automatic, step: 60_000)
        #expect(minute.first?.tier == .minute)
        let hour = try store.select([.equal("__name__", "g")], start: 0, end: 7_200_000, tier: .automatic, step: 3_600_000)
        #expect(hour.first?.tier == .hour)
        let forced = try store.select([.equal("__name__", "g")], start: 0, end: 7_200_000, tier: .tier(.raw), step: 3_600_000)
        #expect(forced.first?.tier == .raw)
    }
}
