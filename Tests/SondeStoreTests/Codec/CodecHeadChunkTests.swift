import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Codec: head chunk")
struct CodecHeadChunkTests {
    @Test("random and adversarial series round-trip bit for bit, directly and through a snapshot")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 10)
        for iteration in 0..<400 {
            let n = CodecFixtures.length(rng: &rng)
            let columnCount = iteration % 3 == 0 ? 5 : 1
            let timestamps = CodecFixtures.timestamps(n, style: Int(rng.next() % 7), rng: &rng)
            let columns = (0..<columnCount).map { _ in CodecFixtures.values(n, style: Int(rng.next() % 12), rng: &rng) }
            let head = codecHeadChunk(timestamps, columns)
            #expect(head.count == n)
            #expect(head.firstTimestamp == timestamps[0])
            #expect(head.lastTimestamp == timestamps[n - 1])
            for c in 0..<columnCount {
                #expect(head.lastValue(column: c).bitPattern == columns[c][n - 1].bitPattern)
            }

            var ts: [Int64] = []
            var cols: [[Double]] = []
            head.decode(timestamps: &ts, columns: &cols)
            #expect(ts == timestamps)
            #expect(codecBitsEqual(cols, columns))

            let restored = try codecRestoreHead(head.serialized())
            #expect(restored.serialized() == head.serialized())
            #expect(restored.count == n && restored.lastTimestamp == head.lastTimestamp)
            var ts2: [Int64] = []
            var cols2: [[Double]] = []
            restored.decode(timestamps: &ts2, columns: &cols2)
            #expect(ts2 == timestamps)
            #expect(codecBitsEqual(cols2, columns))
        }
    }

    @Test("appending after a restore produces the same chunk as never stopping")
    func resumeAfterRestore() throws {
        var rng = SplitMix64(seed: 11)
        for iteration in 0..<100 {
            let n = Int(rng.next() % 300) + 2
            let split = Int(rng.next() % UInt64(n))
            let columnCount = iteration % 2 == 0 ? 1 : 5
            let timestamps = CodecFixtures.timestamps(n, style: iteration, rng: &rng)
            let columns = (0..<columnCount).map { _ in CodecFixtures.values(n, style: Int(rng.next() % 12), rng: &rng) }
            let whole = codecHeadChunk(timestamps, columns)
            var partial = try codecRestoreHead(codecHeadChunk(Array(timestamps[..<split]), columns.map { Array($0[..<split]) }).serialized())
            var row = [Double](repeating: 0, count: columnCount)
            for i in split..<n {
                for c in 0..<columnCount { row[c] = columns[c][i] }
                row.withUnsafeBufferPointer { partial.append(timestamp: timestamps[i], values: $0) }
            }
            #expect(partial.serialized() == whole.serialized())
        }
    }

    /// Every bound of the delta-of-delta buckets (14, 17 and 20 bits two's complement, then 64), and
    /// one on either side: a bound off by one puts +2^13 into the 14-bit bucket, which reads back as -2^13.
    static let bucketEdges: [Int64] = [13, 16, 19].flatMap { (bits: Int64) -> [Int64] in
        let bound: Int64 = 1 << bits
        return [bound - 1, bound, bound + 1, -bound + 1, -bound, -bound - 1]
    }

    @Test("timestamp delta-of-delta at every bucket edge round-trips exactly", arguments: bucketEdges)
    func bucketEdgeRoundTrip(dod: Int64) throws {
        // A steady 1000 s step, one jump by `dod`, then back: the jump and its return are both edges.
        let step: Int64 = 1_000_000
        var timestamps: [Int64] = [1_795_335_500_000, 1_795_335_500_000 + step, 1_795_335_500_000 + 2 * step]
        timestamps.append(timestamps[2] + step + dod)
        timestamps.append(timestamps[3] + step)
        timestamps.append(timestamps[4] + step)
        let values = timestamps.indices.map { Double($0) }
        let head = codecHeadChunk(timestamps, [values])
        var decoded: [Int64] = []
        var columns: [[Double]] = []
        head.decode(timestamps: &decoded, columns: &columns)
        #expect(decoded == timestamps)
        #expect(head.lastTimestamp == timestamps[timestamps.count - 1])

        let restored = try codecRestoreHead(head.serialized())
        var restoredTimestamps: [Int64] = []
        var restoredColumns: [[Double]] = []
        restored.decode(timestamps: &restoredTimestamps, columns: &restoredColumns)
        #expect(restoredTimestamps == timestamps)
    }

    @Test("decode appends to existing arrays and sizes the column list")
    func appendsToExisting() {
        var head = HeadChunk(columnCount: 1)
        #expect(head.count == 0 && head.encodedByteCount == 0)
        head.append(timestamp: 5, value: 1.5)
        head.append(timestamp: 9, value: -0.0)
        var ts: [Int64] = [1]
        var cols: [[Double]] = [[0.25], [7], [8]]
        head.decode(timestamps: &ts, columns: &cols)
        #expect(ts == [1, 5, 9])
        #expect(cols.count == 1)
        #expect(codecBitsEqual(cols[0], [0.25, 1.5, -0.0]))
    }

    @Test("an empty head snapshots and restores")
    func empty() throws {
        let head = HeadChunk(columnCount: 5)
        let restored = try codecRestoreHead(head.serialized())
        #expect(restored.columnCount == 5 && restored.count == 0)
    }

    @Test("hostile snapshots throw instead of trapping")
    func hostileSnapshots() {
        var rng = SplitMix64(seed: 12)
        let timestamps = CodecFixtures.timestamps(200, style: 1, rng: &rng)
        let values = CodecFixtures.values(200, style: 8, rng: &rng)
        let valid = codecHeadChunk(timestamps, [values]).serialized()
        for cut in 0..<valid.count {
            _ = try? codecRestoreHead(Array(valid[..<cut]))
        }
        for _ in 0..<3000 {
            var bytes = valid
            let bit = Int(rng.next() % UInt64(bytes.count * 8))
            bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            if let head = try? codecRestoreHead(bytes) {
                var ts: [Int64] = []
                var cols: [[Double]] = []
                head.decode(timestamps: &ts, columns: &cols)
                #expect(ts.count == head.count)
            }
        }
        for _ in 0..<3000 {
            let garbage = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? codecRestoreHead(garbage)
        }
        // A huge claimed count with few bits must be rejected before any allocation.
        #expect(throws: CodecError.self) { try codecRestoreHead([0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x40] + [UInt8](repeating: 0, count: 8)) }
    }
}
