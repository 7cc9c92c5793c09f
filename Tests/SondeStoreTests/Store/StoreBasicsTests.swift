import SondeCore
import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Store: appending, reading, reopening")
struct StoreBasicsTests {
    @Test("every value reads back bit-identical, across flush, close and reopen")
    func losslessRoundTrip() throws {
        let directory = TemporaryDirectory()
        let special: [Double] = [
            StaleMarker.value, Double(bitPattern: 0x7ff8_dead_beef_0001), .nan, .infinity, -.infinity, -0.0, 0.0,
            .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, 0.1, 1e-300, 42, -7.25,
        ]
        var expected: [Sample] = []
        var generator = SplitMix64(seed: 7)
        for index in 0..<3_000 {
            let value = index < special.count * 10 ? special[index % special.count] : Double(bitPattern: generator.next())
            expected.append(Sample(timestamp: 1_700_000_000_000 + Int64(index) * 1000 + Int64(generator.next() % 7), value: value))
        }
        do {
            let store = try Store.open(directory: directory.store, options: smallOptions(budget: 4 << 20))
            let ref = try #require(store.seriesRef(series("m", ["a": "b"])))
            for sample in expected { #expect(store.append(ref, timestamp: sample.timestamp, value: sample.value) == nil) }
            // Open chunk and sealed chunks both read back exactly.
            #expect(try rawSamples(store, "m") == expected)
            try store.close()
        }
        let reopened = try Store.open(directory: directory.store, options: smallOptions(budget: 4 << 20))
        #expect(try rawSamples(reopened, "m") == expected)
        #expect(try rawSamples(reopened, "m", start: expected[100].timestamp, end: expected[200].timestamp) == Array(expected[100...200]))
    }

    @Test("recent windows read from the last sealed chunk and the head give exactly the stored samples, before and after reopen, and after a backfill")
    func recentWindows() throws {
        let directory = TemporaryDirectory()
        var options = smallOptions(budget: 4 << 20)
        options.maxSamplesPerChunk = 100
        var expected: [Sample] = []
        for index in 0..<1_050 { expected.append(Sample(timestamp: 1_700_000_000_000 + Int64(index) * 1000, value: Double(index % 97))) }
        func check(_ store: Store, _ phase: String) throws {
            // Windows ending at the last sample and starting anywhere from inside the open chunk back
            // past the last sealed chunk into the ring.
            for back in [1, 30, 60, 120, 149, 150, 151, 200, 400, 1_049] {
                let start = expected[expected.count - 1 - back].timestamp
                let got = try rawSamples(store, "m", start: start, end: .max)
                let want = Array(expected[(expected.count - 1 - back)...])
                #expect(got == want, "\(phase): back \(back): got \(got.count) from \(got.first.map { "\($0)" } ?? "-") to \(got.last.map { "\($0)" } ?? "-"), want \(want.count) from \(want.first!) to \(want.last!)")
            }
        }
        do {
            let store = try Store.open(directory: directory.store, options: options)
            let ref = try #require(store.seriesRef(series("m")))
            for sample in expected { #expect(store.append(ref, timestamp: sample.timestamp, value: sample.value) == nil) }
            try check(store, "appended")
            // A backfill seals the head and starts an older chunk: reads must still find everything.
            let early = Sample(timestamp: expected[0].timestamp - 5_000, value: -1)
            #expect(store.append(ref, timestamp: early.timestamp, value: early.value) == nil)
            expected.insert(early, at: 0)
            try check(store, "backfilled")
            #expect(try rawSamples(store, "m") == expected)
            try store.close()
        }
        let reopened = try Store.open(directory: directory.store, options: options)
        try check(reopened, "reopened")
        #expect(try rawSamples(reopened, "m") == expected)
        // New samples after the reopen: recent windows again come from memory, and still exactly.
        let ref = try #require(reopened.seriesRef(series("m")))
        for index in 1_050..<1_400 {
            let sample = Sample(timestamp: 1_700_000_000_000 + Int64(index) * 1000, value: Double(index % 89))
            #expect(reopened.append(ref, timestamp: sample.timestamp, value: sample.value) == nil)
            expected.append(sample)
        }
        try check(reopened, "appended after reopen")
        #expect(try rawSamples(reopened, "m") == expected)
    }

    @Test("out-of-order and duplicate samples follow the documented rules and are counted")
    func outOfOrderAndDuplicates() throws {
        let directory = TemporaryDirectory()
        let store = try Store.open(directory: directory.store, options: smallOptions())
        let ref = try #require(store.seriesRef(series("m")))
        #expect(store.append(ref, timestamp: 10_000, value: 1) == nil)
        #expect(store.append(ref, timestamp: 11_000, value: 2) == nil)
        #expect(store.append(ref, timestamp: 11_000, value: 2) == .duplicate)
        #expect(store.append(ref, timestamp: 11_000, value: 3) == .duplicateTimestamp)
        #expect(store.append(ref, timestamp: 10_500, value: 4) == .outOfOrder)
        // Older than the whole open chunk: a backfill, stored in a chunk of its own.
        #expect(store.append(ref, timestamp: 5_000, value: 5) == nil)
        #expect(store.append(ref, timestamp: 6_000, value: 6) == nil)
        let counters = store.counters
        #expect(counters.rejected[.duplicate] == 1)
        #expect(counters.rejected[.duplicateTimestamp] == 1)
        #expect(counters.rejected[.outOfOrder] == 1)
        #expect(counters.backfillChunks == 1)
        #expect(try rawSamples(store, "m").map(\.timestamp) == [5_000, 6_000, 10_000, 11_000])
        #expect(try rawSamples(store, "m").map(\.value) == [5, 6, 1, 2])
    }

    @Test("the series limit rejects new series and counts them; existing ones keep working")
    func seriesLimit() throws {
        let directory = TemporaryDirectory()
        var options = smallOptions()
        options.maxSeries = 3
        let store = try Store.open(directory: directory.store, options: options)
        for index in 0..<3 { #expect(store.seriesRef(series("m", ["i": "\(index)"])) != nil) }
        #expect(store.seriesRef(series("m", ["i": "3"])) == nil)
        #expect(store.append(series("m", ["i": "4"]), timestamp: 1, value: 1) == .seriesLimit)
        #expect(store.counters.rejected[.seriesLimit] == 2)
        #expect(store.append(series("m", ["i": "0"]), timestamp: 1, value: 1) == nil)
    }

    @Test("label matchers select series like Prometheus")
    func selectors() throws {
        let directory = TemporaryDirectory()
        let store = try Store.open(directory: directory.store, options: smallOptions())
        for (job, instance) in [("node", "a"), ("node", "b"), ("postgres", "a")] {
            store.append(series("up", ["job": job, "instance": instance]), timestamp: 1000, value: 1)
        }
        func count(_ text: String) throws -> Int {
            try store.select(SeriesSelector.parse(text).matchers, start: 0, end: 2000).count
        }
        #expect(try count(#"up"#) == 3)
        #expect(try count(#"up{job="node"}"#) == 2)
        #expect(try count(#"up{job!="node"}"#) == 1)
        #expect(try count(#"up{job=~"no.*",instance!~"b"}"#) == 1)
        #expect(try count(#"{__name__=~"u.", job="postgres"}"#) == 1)
        #expect(try count(#"up{missing=""}"#) == 3)
        #expect(try count(#"down"#) == 0)
    }

    @Test("a second writer is refused while the store is open; readers are not")
    func singleWriter() throws {
        let directory = TemporaryDirectory()
        let store = try Store.open(directory: directory.store, options: smallOptions())
        #expect(throws: SondeError.self) { try Store.open(directory: directory.store, options: smallOptions()) }
        _ = try Store.open(directory: directory.store, readOnly: true)
        _ = store
    }

    @Test("a read-only open of a missing store says so")
    func missingStore() throws {
        let directory = TemporaryDirectory()
        let error = #expect(throws: SondeError.self) { try Store.open(directory: directory.path + "/nothing", readOnly: true) }
        #expect(error?.code == .notFound)
    }

    @Test("the store's own counters become sonde_store_* series at flush")
    func selfMetrics() throws {
        let directory = TemporaryDirectory()
        var options = smallOptions()
        options.selfMetricsIntervalMilliseconds = 10_000
        let store = try Store.open(directory: directory.store, options: options)
        let ref = try #require(store.seriesRef(series("m")))
        for index in 0..<5 { store.append(ref, timestamp: Int64(index) * 1000, value: 1) }
        store.append(ref, timestamp: 1000, value: 1)  // out of order
        try store.flush(now: 50_000)
        #expect(try rawSamples(store, "sonde_store_samples_appended_total").map(\.value) == [5])
        #expect(try rawSamples(store, "sonde_store_samples_rejected_total", ["reason": "out_of_order"]).map(\.value) == [1])
        #expect(try rawSamples(store, "sonde_store_ring_wraps_total", ["tier": "raw"]).map(\.value) == [0])
    }
}
