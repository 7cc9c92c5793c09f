/// Byte layout of a ring segment:
///
///     header (64 B) | chunk records … | index record | free space | trailer (64 B)
///
/// The header names the segment's sequence number: segments are written in slot order around the
/// ring, and the sequence tells which lap a segment belongs to. Every record's checksum is seeded with
/// that number, so records of an earlier lap left in the free space never pass for live ones.
/// When a segment is full the writer appends an index record (chunk locations sorted by series) and
/// the trailer (where the index is, time range, counts), so a sealed segment opens without a scan.
enum SegmentFormat {
    static let headerBytes = 64
    static let trailerBytes = 64
    static let headerMagic: [UInt8] = Array("SNDSEG".utf8) + [0, 1]
    static let trailerMagic: [UInt8] = Array("SNDTRL".utf8) + [0, 1]
    static let indexEntryBytes = 12

    struct Header: Equatable {
        var tier: UInt8
        var sequence: UInt64
        var segmentBytes: Int
    }

    static func encode(_ header: Header) -> [UInt8] {
        var out = ByteWriter(capacity: headerBytes)
        out.writeBytes(headerMagic)
        out.writeUInt8(header.tier)
        out.writeBytes([UInt8](repeating: 0, count: 7))
        out.writeUInt64(header.sequence)
        out.writeUInt32(UInt32(header.segmentBytes))
        out.writeBytes([UInt8](repeating: 0, count: 60 - out.count))
        let crc = out.bytes.withUnsafeBytes { Checksum.crc32($0, seed: 0) }
        out.writeUInt32(crc)
        return out.bytes
    }

    static func decodeHeader(_ bytes: UnsafeRawBufferPointer) -> Header? {
        guard bytes.count >= headerBytes, Array(bytes[0..<8]) == headerMagic else { return nil }
        var reader = ByteReader(bytes, offset: 60)
        guard let stored = try? reader.readUInt32(),
              stored == Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[0..<60]), seed: 0)
        else { return nil }
        reader = ByteReader(bytes, offset: 16)
        guard let sequence = try? reader.readUInt64(), let size = try? reader.readUInt32(), sequence > 0 else { return nil }
        return Header(tier: bytes[8], sequence: sequence, segmentBytes: Int(size))
    }

    struct Trailer: Equatable {
        var sequence: UInt64
        var indexOffset: Int
        var indexLength: Int
        var minTimestamp: Int64
        var maxTimestamp: Int64
        var sampleCount: Int
        var chunkCount: Int
        var dataEnd: Int
    }

    static func encode(_ trailer: Trailer) -> [UInt8] {
        var out = ByteWriter(capacity: trailerBytes)
        out.writeBytes(trailerMagic)
        out.writeUInt64(trailer.sequence)
        out.writeUInt32(UInt32(trailer.indexOffset))
        out.writeUInt32(UInt32(trailer.indexLength))
        out.writeInt64(trailer.minTimestamp)
        out.writeInt64(trailer.maxTimestamp)
        out.writeUInt64(UInt64(trailer.sampleCount))
        out.writeUInt32(UInt32(trailer.chunkCount))
        out.writeUInt32(UInt32(trailer.dataEnd))
        out.writeBytes([UInt8](repeating: 0, count: 60 - out.count))
        let crc = out.bytes.withUnsafeBytes { Checksum.crc32($0, seed: trailer.sequence) }
        out.writeUInt32(crc)
        return out.bytes
    }

    static func decodeTrailer(_ bytes: UnsafeRawBufferPointer, sequence: UInt64, segmentBytes: Int) -> Trailer? {
        guard bytes.count >= trailerBytes, Array(bytes[0..<8]) == trailerMagic else { return nil }
        var reader = ByteReader(bytes, offset: 60)
        guard let stored = try? reader.readUInt32(),
              stored == Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[0..<60]), seed: sequence)
        else { return nil }
        reader = ByteReader(bytes, offset: 8)
        do {
            let trailer = Trailer(
                sequence: try reader.readUInt64(),
                indexOffset: Int(try reader.readUInt32()),
                indexLength: Int(try reader.readUInt32()),
                minTimestamp: try reader.readInt64(),
                maxTimestamp: try reader.readInt64(),
                sampleCount: Int(truncatingIfNeeded: try reader.readUInt64()),
                chunkCount: Int(try reader.readUInt32()),
                dataEnd: Int(try reader.readUInt32())
            )
            guard trailer.sequence == sequence, trailer.sampleCount >= 0,
                  trailer.minTimestamp <= trailer.maxTimestamp,
                  trailer.indexOffset >= headerBytes,
                  trailer.indexOffset + trailer.indexLength <= segmentBytes - trailerBytes,
                  trailer.dataEnd <= trailer.indexOffset
            else { return nil }
            return trailer
        } catch {
            return nil
        }
    }

    /// Body of a chunk record: which series, which of its chunks (per series and tier, increasing),
    /// then the codec's self-describing payload.
    static func chunkBody(ref: UInt32, chunkSequence: UInt32, payload: [UInt8]) -> [UInt8] {
        var body = ByteWriter(capacity: payload.count + 10)
        body.writeVarint(UInt64(ref))
        body.writeVarint(UInt64(chunkSequence))
        body.writeBytes(payload)
        return body.bytes
    }

    struct ChunkRecord {
        var ref: UInt32
        var chunkSequence: UInt32
        var payload: UnsafeRawBufferPointer
    }

    static func decodeChunkBody(_ body: UnsafeRawBufferPointer) -> ChunkRecord? {
        var reader = ByteReader(body)
        guard let ref = try? reader.readCount(limit: Int(UInt32.max)),
              let sequence = try? reader.readCount(limit: Int(UInt32.max))
        else { return nil }
        return ChunkRecord(
            ref: UInt32(ref), chunkSequence: UInt32(sequence),
            payload: UnsafeRawBufferPointer(rebasing: body[reader.offset...]))
    }
}

/// Where one chunk lies in a segment, as listed in the segment's index.
struct ChunkIndexEntry: Sendable, Equatable, Comparable {
    var ref: UInt32
    var offset: UInt32
    var length: UInt32

    static func < (lhs: ChunkIndexEntry, rhs: ChunkIndexEntry) -> Bool {
        lhs.ref != rhs.ref ? lhs.ref < rhs.ref : lhs.offset < rhs.offset
    }

    static func encode(_ entries: [ChunkIndexEntry]) -> [UInt8] {
        var out = ByteWriter(capacity: entries.count * SegmentFormat.indexEntryBytes)
        for entry in entries {
            out.writeUInt32(entry.ref)
            out.writeUInt32(entry.offset)
            out.writeUInt32(entry.length)
        }
        return out.bytes
    }

    /// Entries for `ref` in an encoded, sorted index body (binary search, no full decode).
    static func lookup(ref: UInt32, in body: UnsafeRawBufferPointer) -> [ChunkIndexEntry] {
        let count = body.count / SegmentFormat.indexEntryBytes
        func entry(_ index: Int) -> ChunkIndexEntry {
            let base = index * SegmentFormat.indexEntryBytes
            return ChunkIndexEntry(
                ref: UInt32(littleEndian: body.loadUnaligned(fromByteOffset: base, as: UInt32.self)),
                offset: UInt32(littleEndian: body.loadUnaligned(fromByteOffset: base + 4, as: UInt32.self)),
                length: UInt32(littleEndian: body.loadUnaligned(fromByteOffset: base + 8, as: UInt32.self)))
        }
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if entry(middle).ref < ref { low = middle + 1 } else { high = middle }
        }
        var found: [ChunkIndexEntry] = []
        var index = low
        while index < count {
            let candidate = entry(index)
            guard candidate.ref == ref else { break }
            found.append(candidate)
            index += 1
        }
        return found
    }

    static func decodeAll(_ body: UnsafeRawBufferPointer) -> [ChunkIndexEntry] {
        var entries: [ChunkIndexEntry] = []
        let count = body.count / SegmentFormat.indexEntryBytes
        entries.reserveCapacity(count)
        var reader = ByteReader(body)
        for _ in 0..<count {
            guard let ref = try? reader.readUInt32(), let offset = try? reader.readUInt32(),
                  let length = try? reader.readUInt32() else { break }
            entries.append(ChunkIndexEntry(ref: ref, offset: offset, length: length))
        }
        return entries
    }
}
