import Testing
@testable import SondeStore

@Suite("Store: on-disk record formats")
struct StoreFormatTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    @Test("a trailer with a valid checksum but an impossible sample count is rejected (found by fuzzing)")
    func hostileTrailer() {
        let trailer = StoreFormatTests.bytes("534e4454524c0001090000000000000060ea00003000000058291502a201000000663002a2010000ffffffffffffffff0400000078e600000000000092962218")
        let decoded = trailer.withUnsafeBytes { SegmentFormat.decodeTrailer($0, sequence: 9, segmentBytes: 65_536) }
        #expect(decoded == nil)
    }

    @Test("a store.meta with absurd sizes is rejected, not trusted (found by fuzzing)")
    func hostileMeta() {
        let meta = StoreFormatTests.bytes("05534f4e44452d53544f5245010000000400000000848040808080018080400380804080808001ffffffffffffffffff4080800880802080808004808010")
        #expect(StoreLayout.decode(meta) == nil)
    }

    @Test("trailers, headers and layouts round-trip")
    func roundTrips() throws {
        let header = SegmentFormat.Header(tier: 1, sequence: 77, segmentBytes: 65_536)
        #expect(SegmentFormat.encode(header).withUnsafeBytes { SegmentFormat.decodeHeader($0) } == header)
        let trailer = SegmentFormat.Trailer(sequence: 77, indexOffset: 4_000, indexLength: 120, minTimestamp: -5, maxTimestamp: 9,
                                            sampleCount: 1_000, chunkCount: 10, dataEnd: 4_000)
        #expect(SegmentFormat.encode(trailer).withUnsafeBytes { SegmentFormat.decodeTrailer($0, sequence: 77, segmentBytes: 65_536) } == trailer)
        // Seeded with the sequence: the same bytes do not pass for another lap of the ring.
        #expect(SegmentFormat.encode(trailer).withUnsafeBytes { SegmentFormat.decodeTrailer($0, sequence: 78, segmentBytes: 65_536) } == nil)
        let layout = try StoreLayout(options: StoreOptions())
        #expect(StoreLayout.decode(layout.encoded()) == layout)
        #expect(layout.totalBytes <= Int(StoreOptions().maxBytes))
    }
}
