#if canImport(Glibc)
import Glibc
#endif
import SondeCore
import SondeTestSupport
import Testing
@testable import SondeStore

/// Bit flips and truncations of every kind of file in the store: opening always works, what comes
/// back is always exactly what was written, the loss is bounded by one record, and no loss is silent
/// (`verify` reports damage whenever data went missing).
@Suite("Store: bit flips and truncations of every file")
struct StoreCorruptionTests {
    static let seriesCount = 64
    static let budget: Int64 = 2 << 20

    /// A store with live data in every file: sealed chunks in all three rings, open chunks in a
    /// snapshot, and samples only in the head log (the writer "crashed" after its last flush).
    final class Pristine: @unchecked Sendable {
        let directory = TemporaryDirectory("sonde-pristine")
        var expected: [String: [Int64: UInt64]] = [:]
        var total = 0

        init() throws {
            var options = smallOptions(budget: StoreCorruptionTests.budget)
            options.maxSamplesPerChunk = 256
            func append(_ store: Store, steps: Range<Int>) throws {
                for step in steps {
                    for index in 0..<StoreCorruptionTests.seriesCount {
                        let value = StressData.value(series: index, step: step) + Double(step % 3)
                        let timestamp = Int64(step) * 30_000
                        if store.append(series("c", ["i": "\(index)"]), timestamp: timestamp, value: value) == nil {
                            expected["\(index)", default: [:]][timestamp] = value.bitPattern
                            total += 1
                        }
                    }
                    if step % 50 == 0 { try store.flush(now: 0) }
                }
                try store.flush(now: 0)
            }
            do {
                let store = try Store.open(directory: directory.store, options: options)
                try append(store, steps: 0..<1_200)
                store.sealAll()
                try store.close()
            }
            do {
                let store = try Store.open(directory: directory.store, options: options)
                try append(store, steps: 1_200..<1_500)
                // No close: the head log holds the last part.
            }
        }
    }

    static let files = [
        StoreFiles.meta, StoreFiles.metaBackup, StoreFiles.seriesIndex, StoreFiles.headLog,
        StoreFiles.snapshot(0), StoreFiles.snapshot(1),
        StoreFiles.ring(.raw), StoreFiles.ring(.minute), StoreFiles.ring(.hour),
    ]

    @Test("a flipped bit loses at most the record it hits", arguments: files)
    func bitFlips(file: String) throws {
        let pristine = try Pristine()
        var generator = SplitMix64(seed: file.utf8.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) })
        for trial in 0..<12 {
            let work = TemporaryDirectory("sonde-flip")
            copyTree(pristine.directory.store, to: work.store)
            let path = work.store + "/" + file
            let contents = try #require(try StoreFile(path: path, mode: .readOnly).readAll())
            let live = contents.indices.filter { contents[$0] != 0 }
            guard !live.isEmpty else { continue }
            let offset = live[Int(generator.next() % UInt64(live.count))]
            let bit = UInt8(1) << UInt8(generator.next() % 8)
            try StoreFile(path: path, mode: .readWrite).write([contents[offset] ^ bit], at: offset)
            try check(pristine, damaged: work.store, what: "\(file) bit \(bit) at \(offset) (trial \(trial))")
        }
    }

    @Test("a truncated file loses at most what was cut off, and is repaired", arguments: files)
    func truncations(file: String) throws {
        let pristine = try Pristine()
        for fraction in [0.0, 0.37, 0.9] {
            let work = TemporaryDirectory("sonde-cut")
            copyTree(pristine.directory.store, to: work.store)
            let path = work.store + "/" + file
            let handle = try StoreFile(path: path, mode: .readWrite)
            try handle.truncate(size: Int(Double(try handle.size) * fraction))
            try check(pristine, damaged: work.store, what: "\(file) truncated to \(fraction)", truncated: true)
        }
    }

    private func check(_ pristine: Pristine, damaged directory: String, what: String, truncated: Bool = false) throws {
        let verify = try Store.verify(directory: directory)
        var options = smallOptions(budget: StoreCorruptionTests.budget)
        options.maxSamplesPerChunk = 256
        var missing = 0
        var seriesLost = 0
        do {
            let store = try Store.open(directory: directory, options: options)
            for index in 0..<StoreCorruptionTests.seriesCount {
                let expected = pristine.expected["\(index)"] ?? [:]
                let samples = try rawSamples(store, "c", ["i": "\(index)"])
                if samples.isEmpty { seriesLost += 1 }
                for sample in samples where expected[sample.timestamp] != sample.value.bitPattern {
                    Issue.record("\(what): series \(index) has a sample that was never written at \(sample.timestamp)")
                    return
                }
                missing += expected.count - samples.count
                // Rollup tiers read without error and hold only plausible points.
                for tier in [Tier.minute, .hour] {
                    for data in try store.select([.equal("__name__", "c"), .equal("i", "\(index)")], start: .min, end: .max, tier: .tier(tier)) {
                        let counts = data.columns[RollupColumn.count.rawValue]
                        #expect(counts.allSatisfy { $0 >= 1 }, "\(what): rollup with count < 1")
                    }
                }
            }
            // The damaged store stays writable and reopens.
            #expect(store.append(series("c", ["i": "0"]), timestamp: 1 << 50, value: 1) == nil, "\(what)")
            try store.close()
        }
        let reopened = try Store.open(directory: directory, options: options)
        #expect(try rawSamples(reopened, "c", ["i": "0"]).last?.timestamp == 1 << 50, "\(what)")

        // One record's worth: a chunk (256 samples), a head log frame (50 steps of every series), a
        // snapshot series record, or a series index batch (32 series).
        let bound = truncated ? pristine.total : max(256 + 51 * StoreCorruptionTests.seriesCount, 32 * 1_500)
        #expect(missing <= bound, "\(what): lost \(missing) samples")
        if !truncated { #expect(seriesLost <= 32, "\(what): lost \(seriesLost) whole series") }
        if missing > 0 { #expect(!verify.isClean, "\(what): lost \(missing) samples but verify said clean") }
    }
}

func copyTree(_ source: String, to destination: String) {
    var status: Int32 = 0
    let pid = spawn(["/bin/cp", "-a", source, destination])
    waitpid(pid, &status, 0)
}
