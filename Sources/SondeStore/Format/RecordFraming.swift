/// The frame around every record the store writes into its files:
///
///     kind: UInt8 | body length: varint | body | crc32: UInt32 LE
///
/// The CRC covers kind, length and body and is seeded with the container's generation (see
/// `Checksum`). A reader that meets a bad frame resynchronises by searching forward for the next
/// frame that checks out, so one flipped bit loses only the record it hits.
enum RecordFraming {
    /// Kinds are chosen with high bits set so that zeroed or text-like garbage rarely looks like a frame.
    enum Kind: UInt8, CaseIterable {
        case chunk = 0xC7
        case segmentIndex = 0xC9
        case seriesBatch = 0xD1
        case headLogBatch = 0xD5
        case snapshotSeries = 0xDB
        case snapshotEnd = 0xDD
    }

    static let maxBodyLength = 1 << 26

    static func append(kind: Kind, body: UnsafeRawBufferPointer, seed: UInt64, to out: inout [UInt8]) {
        let start = out.count
        out.append(kind.rawValue)
        var length = ByteWriter(capacity: 5)
        length.writeVarint(body.count)
        out.append(contentsOf: length.bytes)
        out.append(contentsOf: body)
        let crc = out.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[start...]), seed: seed) }
        withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
    }

    static func append(kind: Kind, body: [UInt8], seed: UInt64, to out: inout [UInt8]) {
        body.withUnsafeBytes { append(kind: kind, body: $0, seed: seed, to: &out) }
    }

    static func framedSize(bodyLength: Int) -> Int {
        var length = ByteWriter(capacity: 5)
        length.writeVarint(bodyLength)
        return 1 + length.count + bodyLength + 4
    }

    struct Frame {
        var kind: Kind
        /// Offset of the frame's first byte.
        var start: Int
        /// Range of the body within the buffer that was parsed.
        var body: Range<Int>
        /// Offset just past the frame.
        var end: Int
    }

    /// The frame starting at `offset`, or nil when the bytes there are not a valid frame for `seed`.
    static func frame(in buffer: UnsafeRawBufferPointer, at offset: Int, seed: UInt64) -> Frame? {
        guard offset >= 0, offset < buffer.count, let kind = Kind(rawValue: buffer[offset]) else { return nil }
        var reader = ByteReader(buffer, offset: offset + 1)
        guard let length = try? reader.readCount(limit: maxBodyLength) else { return nil }
        let bodyStart = reader.offset
        guard buffer.count - bodyStart >= length + 4 else { return nil }
        let bodyEnd = bodyStart + length
        let stored = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: bodyEnd, as: UInt32.self))
        let computed = Checksum.crc32(UnsafeRawBufferPointer(rebasing: buffer[offset..<bodyEnd]), seed: seed)
        guard stored == computed else { return nil }
        return Frame(kind: kind, start: offset, body: bodyStart..<bodyEnd, end: bodyEnd + 4)
    }

    /// What a scan of a region found.
    enum ScanEvent {
        case frame(Frame)
        /// Bytes that were not a valid frame but were followed by one: damage, not free space.
        case damaged(Range<Int>)
    }

    /// Walks the valid frames of `buffer[start...]` in order. Invalid bytes followed by a valid frame
    /// are reported as damage; invalid bytes with no valid frame after them are the unwritten (or torn)
    /// tail and are not reported. Returns the offset just past the last valid frame.
    @discardableResult
    static func scan(
        _ buffer: UnsafeRawBufferPointer, from start: Int, seed: UInt64,
        _ body: (ScanEvent) throws -> Void
    ) rethrows -> Int {
        var offset = start
        var validEnd = start
        while offset < buffer.count {
            if let frame = frame(in: buffer, at: offset, seed: seed) {
                try body(.frame(frame))
                offset = frame.end
                validEnd = offset
                continue
            }
            // Resynchronise: look for the next offset where a valid frame starts. Preallocated files
            // are mostly zeros past the data, so zero words are skipped eight bytes at a time.
            var probe = offset + 1
            var found: Frame?
            while probe < buffer.count {
                if probe + 8 <= buffer.count && buffer.loadUnaligned(fromByteOffset: probe, as: UInt64.self) == 0 {
                    probe += 8
                    continue
                }
                if Kind(rawValue: buffer[probe]) != nil, let next = frame(in: buffer, at: probe, seed: seed) {
                    found = next
                    break
                }
                probe += 1
            }
            guard let next = found else { break }
            try body(.damaged(offset..<probe))
            try body(.frame(next))
            offset = next.end
            validEnd = offset
        }
        return validEnd
    }
}
