import SondeCore

/// The read side of a ring, safe to use without the store's lock: it only does positioned reads
/// and checks every record against the segment sequence it expects.
struct RingReader: Sendable {
    let tier: Tier
    let file: StoreFile
    let segmentBytes: Int

    /// The segment's chunk index, sorted by series; nil when damaged or overwritten meanwhile.
    func readIndex(_ view: RingFile.SegmentView) throws(SondeError) -> [UInt8]? {
        if let entries = view.openEntries { return ChunkIndexEntry.encode(entries.sorted()) }
        let bytes = try file.read(at: view.slot * segmentBytes + view.info.indexOffset, count: view.info.indexLength)
        return bytes.withUnsafeBytes { raw -> [UInt8]? in
            guard let frame = RecordFraming.frame(in: raw, at: 0, seed: view.info.sequence), frame.kind == .segmentIndex else { return nil }
            return Array(raw[frame.body])
        }
    }

    /// One chunk record; nil when its checksum fails (damage, or the slot was reused meanwhile).
    func readChunk(_ view: RingFile.SegmentView, _ entry: ChunkIndexEntry) throws(SondeError) -> StoredChunk? {
        guard Int(entry.offset) + Int(entry.length) <= segmentBytes else { return nil }
        let bytes = try file.read(at: view.slot * segmentBytes + Int(entry.offset), count: Int(entry.length))
        return bytes.withUnsafeBytes { raw -> StoredChunk? in
            guard let frame = RecordFraming.frame(in: raw, at: 0, seed: view.info.sequence), frame.kind == .chunk,
                  let record = SegmentFormat.decodeChunkBody(UnsafeRawBufferPointer(rebasing: raw[frame.body]))
            else { return nil }
            return StoredChunk(ref: record.ref, chunkSequence: record.chunkSequence, payload: Array(record.payload))
        }
    }
}
