import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Codec: sealed chunk")
struct CodecSealedChunkTests {
    @Test("random and adversarial chunks round-trip bit for bit with a matching summary")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 20)
        for iteration in 0..<600 {
            let n = CodecFixtures.length(rng: &rng)
            let columnCount = iteration % 3 == 0 ? 5 : 1
            let timestamps = CodecFixtures.timestamps(n, style: Int(rng.next() % 7), rng: &rng)
            let columns = (0..<columnCount).map { _ in CodecFixtures.values(n, style: Int(rng.next() % 12), rng: &rng) }
            let bytes = codecSealedBytes(timestamps, columns)
            let decoded = try codecDecodeSealed(bytes)
            #expect(decoded.timestamps == timestamps, "iteration \(iteration)")
            #expect(codecBitsEqual(decoded.columns, columns), "iteration \(iteration)")
            let summary = try bytes.withUnsafeBytes { raw in try SealedChunk.summary(raw) }
            #expect(summary == SealedChunkSummary(count: n, columnCount: columnCount,
                                                  firstTimestamp: timestamps[0], lastTimestamp: timestamps[n - 1]))
        }
    }

    @Test("sealing a head chunk (decode, encode) keeps every sample")
    func sealHead() throws {
        var rng = SplitMix64(seed: 21)
        for iteration in 0..<100 {
            let n = CodecFixtures.length(rng: &rng)
            let columnCount = iteration % 2 == 0 ? 1 : 5
            let timestamps = CodecFixtures.timestamps(n, style: iteration, rng: &rng)
            let columns = (0..<columnCount).map { _ in CodecFixtures.values(n, style: Int(rng.next() % 12), rng: &rng) }
            var ts: [Int64] = []
            var cols: [[Double]] = []
            codecHeadChunk(timestamps, columns).decode(timestamps: &ts, columns: &cols)
            let decoded = try codecDecodeSealed(codecSealedBytes(ts, cols))
            #expect(decoded.timestamps == timestamps)
            #expect(codecBitsEqual(decoded.columns, columns))
        }
    }

    @Test("the largest chunk round-trips, in every timestamp style")
    func maxSamples() throws {
        var rng = SplitMix64(seed: 22)
        for style in 0..<7 {
            let n = SealedChunk.maxSamples
            let timestamps = CodecFixtures.timestamps(n, style: style, rng: &rng)
            let columns = [CodecFixtures.values(n, style: style * 5, rng: &rng)]
            let decoded = try codecDecodeSealed(codecSealedBytes(timestamps, columns))
            #expect(decoded.timestamps == timestamps)
            #expect(codecBitsEqual(decoded.columns, columns))
        }
    }

    @Test("every single adversarial value survives as a one-sample chunk and next to decimals")
    func adversarialSingles() throws {
        for value in CodecFixtures.adversarial {
            for columns in [[[value]], [[1, value, 3]], [[value, value, value]]] {
                let ts = (0..<Int64(columns[0].count)).map { $0 * 1000 }
                let decoded = try codecDecodeSealed(codecSealedBytes(ts, columns))
                #expect(codecBitsEqual(decoded.columns, columns), "\(value.bitPattern)")
            }
        }
    }

    @Test("decode appends after existing samples, resizes the column list, and restores on error")
    func appendAndRestore() throws {
        let bytes = codecSealedBytes([10, 20], [[1, 2], [3, 4]])
        var ts: [Int64] = [1]
        var cols: [[Double]] = [[9]]
        try bytes.withUnsafeBytes { raw in try SealedChunk.decode(raw, timestamps: &ts, columns: &cols) }
        #expect(ts == [1, 10, 20])
        #expect(cols == [[9, 1, 2], [3, 4]])

        let truncated = Array(bytes.dropLast())
        #expect(throws: CodecError.self) {
            try truncated.withUnsafeBytes { raw in try SealedChunk.decode(raw, timestamps: &ts, columns: &cols) }
        }
        #expect(ts == [1, 10, 20])
        #expect(cols == [[9, 1, 2], [3, 4]])
        #expect(throws: CodecError.self) { try codecDecodeSealed(bytes + [0]) }  // trailing bytes
    }

    @Test("decimal detection takes the smallest scale and rejects what it cannot restore exactly")
    func decimalScale() {
        func scale(_ values: [Double]) -> Int? {
            var ints = [Int64](repeating: 0, count: values.count)
            return values.withUnsafeBufferPointer { v in ints.withUnsafeMutableBufferPointer { out in out.baseAddress.flatMap { DecimalScale.find(v, ints: $0) } } }
        }
        #expect(scale([1, 2, 3]) == 0)
        #expect(scale([1.5, 2.25, 3]) == 2)
        #expect(scale([0.1, 0.2, 0.3]) == 1)
        #expect(scale([0.30000000000000004]) == nil)
        #expect(scale([-0.0]) == nil)
        #expect(scale([.nan]) == nil)
        #expect(scale([.infinity]) == nil)
        #expect(scale([9_007_199_254_740_994]) == nil)
        #expect(scale([1e-15]) == 15)
    }
}
