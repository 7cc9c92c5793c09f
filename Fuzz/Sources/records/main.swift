// Fuzzes the store's on-disk record readers (internal to SondeStore, reached with
// `@testable import`; the package is built with -enable-testing). The first input byte picks a
// mode, the rest is the payload:
//
// 0 framed stream: the payload describes a file region as a list of pieces, each either raw bytes
//   (garbage, zeros, torn writes) or a record framed with a valid CRC by `RecordFraming.append`;
//   the region is scanned with `RecordFraming.scan` and every frame's body goes to the decoder for
//   its kind, as the store's loaders do. Valid CRCs let the fuzzer reach the body decoders.
// 1 raw scan: the payload itself is scanned (the fuzzer must find CRCs itself) and dispatched.
// 2 `SegmentFormat.decodeHeader`, 3 `SegmentFormat.decodeTrailer`, 4 `HeadLog.decodeHeader` and
//   `HeadSnapshot.decodeHeader`: the payload with magic and CRC patched in (mode byte bit 3 off)
//   or as is, so the checks after the CRC are reachable.
// 5 `StoreLayout.decode`: the payload framed as store.meta (and as is).
// 6 one body decoder directly (`SeriesIndexFile.decodeBatch`, `HeadLog.decode`,
//   `HeadSnapshot.decodeSeries`/`decodeTrailer`, `SegmentFormat.decodeChunkBody` + `SealedChunk`,
//   `ChunkIndexEntry.decodeAll`/`lookup`), picked by the second byte.
//
// Series-index batches are compressed on disk; a body whose first byte is 0xFF is rewritten as a
// valid compressed batch of the remaining bytes (0xFE: as an uncompressed one), so the fuzzer
// reaches the decoder behind zlib. Invariant besides "does not trap": `scan` reports frames and
// damage in order, inside the buffer.
import FuzzDriver
import FuzzSupport
import SondeCore
@testable import SondeStore

private let generation: UInt64 = 0x5EED

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let mode = data[0]
    let payload = UnsafeBufferPointer(start: data + 1, count: size - 1)
    switch mode & 7 {
    case 0:
        let region = buildRegion(payload)
        region.withUnsafeBufferPointer { withExactCopy($0) { scanAndDecode($0, seed: generation) } }
    case 1:
        withExactCopy(payload) { scanAndDecode($0, seed: generation) }
    case 2:
        let bytes = mode & 8 == 0 ? patched(payload, count: SegmentFormat.headerBytes, magic: SegmentFormat.headerMagic, crcAt: 60, seed: 0) : Array(payload)
        bytes.withUnsafeBufferPointer { withExactCopy($0) { raw in
            if let header = SegmentFormat.decodeHeader(raw) {
                check(header.sequence > 0, "segment header with sequence 0")
            }
        } }
    case 3:
        // First 4 bytes: the segment size the caller read from the segment header (untrusted too).
        guard payload.count >= 4 else { return 0 }
        let segmentBytes = Int(UInt32(payload[0]) | UInt32(payload[1]) << 8 | UInt32(payload[2]) << 16 | UInt32(payload[3]) << 24)
        let rest = UnsafeBufferPointer(rebasing: payload[4...])
        var sequence: UInt64 = 1
        if rest.count >= 16 { for i in 0..<8 { sequence |= UInt64(rest[8 + i]) << (8 * i) } }
        let bytes = mode & 8 == 0 ? patched(rest, count: SegmentFormat.trailerBytes, magic: SegmentFormat.trailerMagic, crcAt: 60, seed: sequence) : Array(rest)
        bytes.withUnsafeBufferPointer { withExactCopy($0) { raw in
            if let trailer = SegmentFormat.decodeTrailer(raw, sequence: sequence, segmentBytes: segmentBytes) {
                check(trailer.indexOffset >= SegmentFormat.headerBytes
                      && trailer.indexOffset + trailer.indexLength <= segmentBytes - SegmentFormat.trailerBytes
                      && trailer.dataEnd <= trailer.indexOffset, "accepted trailer \(trailer) outside \(segmentBytes) bytes")
            }
        } }
    case 4:
        let log = mode & 8 == 0 ? patched(payload, count: HeadLog.headerBytes, magic: HeadLog.magic, crcAt: 16, seed: 0) : Array(payload)
        log.withUnsafeBufferPointer { withExactCopy($0) { _ = HeadLog.decodeHeader($0) } }
        let snapshot = mode & 8 == 0 ? patched(payload, count: HeadSnapshot.headerBytes, magic: HeadSnapshot.magic, crcAt: 24, seed: 0) : Array(payload)
        snapshot.withUnsafeBufferPointer { withExactCopy($0) { raw in
            if let header = HeadSnapshot.decodeHeader(raw) {
                check(header.length >= HeadSnapshot.headerBytes, "snapshot header length \(header.length)")
            }
        } }
    case 5:
        var framed: [UInt8] = []
        var body = Array(payload)
        if mode & 8 == 0 {
            let magic = Array("SONDE-STORE".utf8) + [StoreLayout.formatVersion]
            if body.count < magic.count { body += [UInt8](repeating: 0, count: magic.count - body.count) }
            body.replaceSubrange(0..<magic.count, with: magic)
        }
        RecordFraming.append(kind: .snapshotEnd, body: body, seed: 0, to: &framed)
        if let layout = StoreLayout.decode(framed) {
            check(layout.ringBytes.count == Tier.allCases.count && layout.segmentBytes.allSatisfy { $0 >= 4096 },
                  "accepted layout \(layout)")
            // Not `layout.totalBytes`: it overflows on the huge ring sizes `decode` accepts, but
            // nothing calls it on a decoded layout (only on one computed from options).
        }
        _ = StoreLayout.decode(Array(payload))
    case 6:
        guard let which = payload.first else { return 0 }
        let body = UnsafeBufferPointer(rebasing: payload[1...])
        let kinds = RecordFraming.Kind.allCases
        let kind = kinds[Int(which) % kinds.count]
        let bytes = kind == .seriesBatch ? seriesBatchFixup(body) : Array(body)
        bytes.withUnsafeBufferPointer { withExactCopy($0) { decodeBody($0, kind: kind) } }
    default:
        break
    }
    return 0
}

/// Pieces: control byte, length byte, then that many bytes (fewer at the end of the input). Control
/// bit 7 set: a framed record of kind `control % 6`; clear: raw bytes. Bit 5 multiplies the length
/// by 16 (long bodies such as sealed chunks); bit 6 on a raw piece writes zeros instead of the bytes.
private func buildRegion(_ payload: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var region: [UInt8] = []
    var i = 0
    let kinds = RecordFraming.Kind.allCases
    while i + 2 <= payload.count {
        let control = payload[i]
        var length = Int(payload[i + 1])
        if control & 0x20 != 0 { length *= 16 }
        i += 2
        let end = min(payload.count, i + length)
        let piece = UnsafeBufferPointer(rebasing: payload[i..<end])
        i = end
        if control & 0x80 != 0 {
            let kind = kinds[Int(control) % kinds.count]
            let body = kind == .seriesBatch ? seriesBatchFixup(piece) : Array(piece)
            RecordFraming.append(kind: kind, body: body, seed: generation, to: &region)
        } else if control & 0x40 != 0 {
            region += [UInt8](repeating: 0, count: piece.count)
        } else {
            region += piece
        }
    }
    return region
}

private func scanAndDecode(_ buffer: UnsafeRawBufferPointer, seed: UInt64) {
    var previousEnd = 0
    let end = RecordFraming.scan(buffer, from: 0, seed: seed) { event in
        switch event {
        case .damaged(let range):
            check(range.lowerBound >= previousEnd && range.upperBound <= buffer.count && !range.isEmpty,
                  "damaged range \(range) out of order (previous end \(previousEnd), \(buffer.count) bytes)")
            previousEnd = range.upperBound
        case .frame(let frame):
            check(frame.start >= previousEnd && frame.start < frame.body.lowerBound && frame.body.upperBound + 4 == frame.end
                  && frame.end <= buffer.count, "frame \(frame) out of order (previous end \(previousEnd), \(buffer.count) bytes)")
            previousEnd = frame.end
            let body = UnsafeBufferPointer(rebasing: buffer.assumingMemoryBound(to: UInt8.self)[frame.body])
            withExactCopy(body) { decodeBody($0, kind: frame.kind) }
        }
    }
    check(end == previousEnd && end <= buffer.count, "scan returned \(end), last event ended at \(previousEnd)")
}

/// What the store's loaders do with a frame body of each kind.
private func decodeBody(_ body: UnsafeRawBufferPointer, kind: RecordFraming.Kind) {
    switch kind {
    case .chunk:
        guard let record = SegmentFormat.decodeChunkBody(body) else { return }
        var timestamps: [Int64] = []
        var columns: [[Double]] = []
        _ = try? SealedChunk.summary(record.payload)
        _ = try? SealedChunk.decode(record.payload, timestamps: &timestamps, columns: &columns)
    case .segmentIndex:
        let entries = ChunkIndexEntry.decodeAll(body)
        check(entries.count == body.count / SegmentFormat.indexEntryBytes, "decodeAll returned \(entries.count) entries")
        for ref: UInt32 in [entries.first?.ref ?? 0, entries.last?.ref ?? 1, 7] {
            for entry in ChunkIndexEntry.lookup(ref: ref, in: body) {
                check(entry.ref == ref, "lookup(ref: \(ref)) returned \(entry)")
            }
        }
    case .seriesBatch:
        _ = SeriesIndexFile.decodeBatch(body) { _, labels in _ = labels.metricName }
    case .headLogBatch:
        _ = HeadLog.decode(body) { _ in }
    case .snapshotSeries:
        _ = HeadSnapshot.decodeSeries(body)
    case .snapshotEnd:
        _ = HeadSnapshot.decodeTrailer(body)
    }
}

/// 0xFF + rest: a valid compressed series batch of `rest`; 0xFE + rest: a valid uncompressed one.
private func seriesBatchFixup(_ body: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    guard let first = body.first, first >= 0xFE else { return Array(body) }
    let inner = Array(body.dropFirst())
    var out = ByteWriter()
    if first == 0xFF, let compressed = Deflate.compress(inner) {
        out.writeUInt8(1)
        out.writeVarint(inner.count)
        out.writeBytes(compressed)
    } else {
        out.writeUInt8(0)
        out.writeVarint(inner.count)
        out.writeBytes(inner)
    }
    return out.bytes
}

/// `bytes` padded with zeros to at least `count`, with `magic` at the start and a CRC of the bytes
/// before `crcAt` (seeded with `seed`) written there, as the writer would.
private func patched(_ bytes: UnsafeBufferPointer<UInt8>, count: Int, magic: [UInt8], crcAt: Int, seed: UInt64) -> [UInt8] {
    var out = Array(bytes)
    if out.count < count { out += [UInt8](repeating: 0, count: count - out.count) }
    out.replaceSubrange(0..<magic.count, with: magic)
    let crc = out.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<crcAt]), seed: seed) }
    withUnsafeBytes(of: crc.littleEndian) { out.replaceSubrange(crcAt..<(crcAt + 4), with: $0) }
    return out
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
