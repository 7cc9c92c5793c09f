import SondeTestSupport
import Testing
@testable import SondeStore

/// Sizes that would grow if compression regressed. Realistic shapes: a collection grid of 1 s or 15 s,
/// chunks of 480 samples.
@Suite("Codec: compressed sizes")
struct CodecSizeTests {
    static let start: Int64 = 1_760_000_000_000
    static func grid(_ n: Int = 480, step: Int64 = 1000) -> [Int64] { (0..<n).map { start + Int64($0) * step } }

    /// Length of the byte-aligned header (count, layout byte, first timestamp, span).
    static func headerLength(_ bytes: [UInt8]) throws -> Int {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            _ = try Varint.read(raw, &offset, what: "count")
            offset += 1
            _ = try Varint.read(raw, &offset, what: "first")
            _ = try Varint.read(raw, &offset, what: "span")
            return offset
        }
    }

    @Test("a constant on a 1 s grid: 480 samples in at most 16 bytes")
    func constant() {
        for value in [42.0, 0, 1, 0.5, 1024, 3.25] {
            #expect(codecSealedBytes(Self.grid(), [Array(repeating: value, count: 480)]).count <= 16, "\(value)")
        }
        // More digits cost their bits once per chunk, not per sample.
        #expect(codecSealedBytes(Self.grid(), [Array(repeating: 123_456.789, count: 480)]).count <= 20)
        // A constant no decimal can express still costs only its 64 bits.
        #expect(codecSealedBytes(Self.grid(), [Array(repeating: CodecFixtures.staleMarker, count: 480)]).count <= 22)
    }

    @Test("regular timestamps cost at most 2 bytes per chunk beyond the header")
    func regularTimestamps() throws {
        for step in [1000, 10_000, 15_000, 60_000] as [Int64] {
            let bytes = codecSealedBytes(Self.grid(step: step), [Array(repeating: 0, count: 480)])
            // Body = timestamps + a zero column (2+4+6+0+4 bits = 2 bytes).
            #expect(bytes.count - (try Self.headerLength(bytes)) <= 2 + 2)
        }
    }

    @Test("a counter growing by 1...100 per second takes at most 1 byte per sample")
    func counter() {
        var rng = SplitMix64(seed: 40)
        var v = 123_456_789.0
        let counter = (0..<480).map { _ in v += Double(rng.next() % 100 + 1); return v }
        let bytes = codecSealedBytes(Self.grid(), [counter])
        #expect(bytes.count <= 480)
    }

    /// Shapes of node_exporter series on a 15 s grid with a little jitter, 480 samples each.
    static func hostSeries(_ rng: inout SplitMix64) -> (timestamps: [Int64], series: [String: [Double]]) {
        let ts = (0..<480).map { start + Int64($0) * 15_000 + Int64(rng.next() % 3) }
        var series: [String: [Double]] = [:]
        var total = 81_234_567_890.0
        series["network bytes counter"] = (0..<480).map { i -> Double in
            let rate = 40_000 + 30_000 * Double((i / 40) % 3) + Double(rng.next() % 8000)
            total += (rate * 15).rounded(.down)
            return total
        }
        var packets = 912_345_678.0
        series["packets counter"] = (0..<480).map { _ in packets += Double(1500 + rng.next() % 400); return packets }
        var pages = 2_000_000
        series["memory bytes (pages)"] = (0..<480).map { _ -> Double in
            pages += Int(rng.next() % 201) - 100
            return Double(pages) * 4096
        }
        var load = 150
        series["load average"] = (0..<480).map { _ -> Double in
            load = max(0, load + Int(rng.next() % 11) - 5)
            return Double(load) / 100
        }
        var cpu = 1_234_567 * 100
        series["cpu seconds counter"] = (0..<480).map { _ -> Double in
            cpu += 1400 + Int(rng.next() % 100)
            return Double(cpu) / 100
        }
        series["errors counter"] = [Double](repeating: 3, count: 480)
        series["filesystem size"] = [Double](repeating: 499_963_174_912, count: 480)
        return (ts, series)
    }

    @Test("host-like series are at least 2x smaller than Gorilla (the head chunk encoding)")
    func beatsGorilla() {
        var rng = SplitMix64(seed: 41)
        let (ts, series) = Self.hostSeries(&rng)
        var sealedTotal = 0
        var gorillaTotal = 0
        for (name, values) in series {
            let sealed = codecSealedBytes(ts, [values]).count
            let gorilla = codecHeadChunk(ts, [values]).encodedByteCount
            sealedTotal += sealed
            gorillaTotal += gorilla
            #expect(sealed * 3 <= gorilla * 2, "\(name): sealed \(sealed) gorilla \(gorilla)")
        }
        #expect(sealedTotal * 2 <= gorillaTotal, "sealed \(sealedTotal) gorilla \(gorillaTotal)")
    }

    @Test("rollup chunks with five columns stay compact")
    func rollups() {
        var rng = SplitMix64(seed: 42)
        let n = 480
        var mins: [Double] = [], maxs: [Double] = [], sums: [Double] = [], counts: [Double] = [], lasts: [Double] = []
        for _ in 0..<n {
            let a = Double(rng.next() % 100), b = a + Double(rng.next() % 50)
            mins.append(a); maxs.append(b); sums.append((a + b) * 3); counts.append(6); lasts.append(b)
        }
        let bytes = codecSealedBytes(Self.grid(n, step: 60_000), [mins, maxs, sums, counts, lasts])
        #expect(bytes.count <= n * 5)  // random min/max: about 7 bits of entropy per value
    }
}
