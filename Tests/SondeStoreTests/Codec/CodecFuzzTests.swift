import SondeTestSupport
import Testing
@testable import SondeStore

/// Hostile bytes: decoding garbage, truncations and bit flips must throw or return a well-formed
/// result, never trap, hang, or allocate beyond the header limits.
@Suite("Codec: hostile sealed chunks")
struct CodecFuzzTests {
    /// Decodes and, when decoding succeeds, checks the promises a caller relies on.
    static func probe(_ bytes: [UInt8]) {
        guard let decoded = try? codecDecodeSealed(bytes) else { return }
        let summary = try? bytes.withUnsafeBytes { raw in try SealedChunk.summary(raw) }
        #expect(summary?.count == decoded.timestamps.count)
        #expect(summary?.columnCount == decoded.columns.count)
        #expect(decoded.columns.allSatisfy { $0.count == decoded.timestamps.count })
        #expect(zip(decoded.timestamps, decoded.timestamps.dropFirst()).allSatisfy { $0 < $1 })
        #expect(decoded.timestamps.first == summary?.firstTimestamp)
        #expect(decoded.timestamps.last == summary?.lastTimestamp)
    }

    static func validChunks() -> [[UInt8]] {
        var rng = SplitMix64(seed: 30)
        var chunks: [[UInt8]] = []
        for style in 0..<24 {
            let n = [1, 2, 3, 17, 120, 480][style % 6]
            let columnCount = style % 4 == 0 ? 5 : 1
            let timestamps = CodecFixtures.timestamps(n, style: style, rng: &rng)
            let columns = (0..<columnCount).map { c in CodecFixtures.values(n, style: style + c, rng: &rng) }
            chunks.append(codecSealedBytes(timestamps, columns))
        }
        return chunks
    }

    @Test("every truncation of valid chunks throws")
    func truncations() {
        for chunk in Self.validChunks() {
            for cut in 0..<chunk.count {
                #expect(throws: CodecError.self) { try codecDecodeSealed(Array(chunk[..<cut])) }
            }
        }
    }

    @Test("single and multiple bit flips of valid chunks never trap")
    func bitFlips() {
        var rng = SplitMix64(seed: 31)
        for chunk in Self.validChunks() {
            for bit in 0..<min(chunk.count * 8, 2000) {
                var bytes = chunk
                bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
                Self.probe(bytes)
            }
            for _ in 0..<300 {
                var bytes = chunk
                for _ in 0..<Int(rng.next() % 6) + 2 {
                    let bit = Int(rng.next() % UInt64(bytes.count * 8))
                    bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
                }
                Self.probe(bytes)
            }
        }
    }

    @Test("random garbage, alone or after a plausible header, never traps")
    func garbage() {
        var rng = SplitMix64(seed: 32)
        for i in 0..<4000 {
            let length = Int(rng.next() % 80)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if i % 2 == 0 {
                // count 480 (or the max), 1 or 5 columns, a first timestamp and a span, then noise.
                let count: [UInt8] = i % 8 != 0 ? [0xe0, 0x03] : [0xff, 0xff, 0x03]
                bytes = count + [i % 3 == 0 ? 0x04 : 0x00, 0x80, 0x01, 0xe0, 0x03] + bytes
            }
            Self.probe(bytes)
        }
    }

    @Test("a header claiming the maximum samples and columns over a tiny body is rejected")
    func hugeClaims() {
        // 65535 samples, 16 columns, then a body of zeros: allocation is bounded by the limits and
        // the decode fails on the span check or the body, quickly.
        let bytes: [UInt8] = [0xff, 0xff, 0x03, 0x0f, 0x00, 0xfe, 0xff, 0x03, 0x00, 0x00]
        #expect(throws: CodecError.self) { try codecDecodeSealed(bytes) }
        #expect(throws: CodecError.self) { try codecDecodeSealed([0x80, 0x80, 0x04, 0x00, 0, 0]) }  // count > max
        #expect(throws: CodecError.self) { try codecDecodeSealed([0x01, 0x10, 0x00, 0x00]) }  // version 1
    }
}
