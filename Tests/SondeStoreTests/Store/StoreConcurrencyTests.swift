#if canImport(Glibc)
import Glibc
#endif
import SondeCore
import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Store: one writer, many readers")
struct StoreConcurrencyTests {
    @Test("queries running during appends always see a consistent, growing prefix")
    func readersDuringAppends() async throws {
        let directory = TemporaryDirectory()
        let store = try Store.open(directory: directory.store, options: smallOptions(budget: 16 << 20))
        let seriesCount = 20
        let steps = 6_000
        let refs = try (0..<seriesCount).map { index in try #require(store.seriesRef(series("c", ["i": "\(index)"]))) }

        let writer = Task.detached {
            var batch = SampleBatch()
            for step in 0..<steps {
                for (index, ref) in refs.enumerated() {
                    batch.add(ref, timestamp: Int64(step) * 1000, value: StressData.value(series: index, step: step))
                }
                store.append(batch)
                batch.removeAll()
                if step % 100 == 0 { try store.flush(now: 0) }
            }
        }
        let readers = (0..<2).map { reader in
            Task.detached { () -> Int in
                var lastCount = 0
                var checks = 0
                while lastCount < steps {
                    let index = (checks * 7 + reader) % seriesCount
                    let samples = try rawSamples(store, "c", ["i": "\(index)"])
                    // A prefix of what the writer appends: steps 0, 1, 2, … with exact values.
                    for (step, sample) in samples.enumerated() {
                        if sample.timestamp != Int64(step) * 1000 || sample.value != StressData.value(series: index, step: step) {
                            Issue.record("reader \(reader): series \(index) wrong at position \(step)")
                            return checks
                        }
                    }
                    if index == 0 { lastCount = max(lastCount, samples.count) }
                    if index == 0 && samples.count < lastCount { Issue.record("series 0 shrank") }
                    checks += 1
                    if checks > 100_000 { break }
                }
                return checks
            }
        }
        try await writer.value
        var totalChecks = 0
        for reader in readers { totalChecks += try await reader.value }
        #expect(totalChecks > 10)
        #expect(try rawSamples(store, "c", ["i": "3"]).count == steps)
    }

    @Test("the files of a store never exceed its budget")
    func filesStayWithinBudget() throws {
        let directory = TemporaryDirectory()
        let budget: Int64 = 3 << 20
        let store = try Store.open(directory: directory.store, options: smallOptions(budget: budget))
        var generator = SplitMix64(seed: 3)
        for step in 0..<4_000 {
            for index in 0..<100 {
                // Values that barely compress, so the raw ring fills and wraps.
                store.append(series("b", ["i": "\(index)"]), timestamp: Int64(step) * 1000, value: Double(generator.next() >> 12))
            }
            if step % 200 == 0 { try store.flush(now: 0) }
        }
        try store.close()
        var total = 0
        for name in [StoreFiles.meta, StoreFiles.metaBackup, StoreFiles.seriesIndex, StoreFiles.headLog, StoreFiles.snapshot(0),
                     StoreFiles.snapshot(1), StoreFiles.ring(.raw), StoreFiles.ring(.minute), StoreFiles.ring(.hour), StoreFiles.lock] {
            total += try StoreFile(path: directory.store + "/" + name, mode: .readOnly).size
        }
        #expect(total <= Int(budget))
        #expect(store.engine.withLock { $0.rings[Tier.raw.rawValue].wraps } > 0, "the ring should have wrapped")
    }
}
