import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Codec: bit writer and reader")
struct CodecBitIOTests {
    @Test("random fields of 0...64 bits read back as written")
    func roundTrip() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<200 {
            var writer = BitWriter()
            var fields: [(UInt64, Int)] = []
            for _ in 0..<Int(rng.next() % 300) {
                let width = Int(rng.next() % 65)
                let value = width == 0 ? 0 : rng.next() & (UInt64.max >> UInt64(64 - width))
                fields.append((value, width))
                writer.write(value, bits: width)
            }
            let total = fields.reduce(0) { $0 + $1.1 }
            #expect(writer.bitCount == total)
            let bytes = writer.finished()
            #expect(bytes.count == (total + 7) / 8)
            bytes.withUnsafeBytes { raw in
                var reader = BitReader(raw)
                for (value, width) in fields {
                    #expect(reader.read(bits: width) == value)
                }
                #expect(reader.isWithinBounds)
            }
        }
    }

    @Test("reading past the end sees zeros and is reported, never touching memory outside")
    func pastTheEnd() {
        let bytes: [UInt8] = [0xff, 0x80]
        bytes.withUnsafeBytes { raw in
            var reader = BitReader(raw)
            #expect(reader.read(bits: 9) == 0x1ff)
            #expect(reader.read(bits: 64) == 0)
            #expect(!reader.isWithinBounds)
        }
        [UInt8]().withUnsafeBytes { raw in
            var reader = BitReader(raw)
            #expect(reader.read(bits: 64) == 0)
            #expect(!reader.isWithinBounds)
        }
    }

    @Test("resuming a writer from stored bits continues the same stream")
    func resume() {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<100 {
            var whole = BitWriter()
            var prefix = BitWriter()
            let split = Int(rng.next() % 50)
            var fields: [(UInt64, Int)] = []
            for _ in 0..<100 { fields.append((rng.next(), Int(rng.next() % 65))) }
            for (i, (v, w)) in fields.enumerated() {
                whole.write(v, bits: w)
                if i < split { prefix.write(v, bits: w) }
            }
            let stored = prefix.finished()
            var resumed = stored.withUnsafeBytes { BitWriter(resuming: $0, bitCount: prefix.bitCount) }
            for (v, w) in fields[split...] { resumed.write(v, bits: w) }
            #expect(resumed.finished() == whole.finished())
        }
    }

    @Test("varints and zigzag cover the full 64-bit range and reject overlong input")
    func varints() throws {
        for value in [0, 1, 127, 128, 300, UInt64.max, UInt64.max >> 1, 1 << 63] as [UInt64] {
            var out: [UInt8] = []
            Varint.write(value, into: &out)
            var offset = 0
            let back = try out.withUnsafeBytes { raw in try Varint.read(raw, &offset, what: "test") }
            #expect(back == value)
            #expect(offset == out.count)
        }
        for v in [0, -1, 1, Int64.min, Int64.max] as [Int64] {
            #expect(Varint.unzigzag(Varint.zigzag(v)) == v)
        }
        let overlong = [UInt8](repeating: 0xff, count: 11)
        #expect(throws: CodecError.self) {
            var offset = 0
            _ = try overlong.withUnsafeBytes { raw in try Varint.read(raw, &offset, what: "test") }
        }
    }
}
