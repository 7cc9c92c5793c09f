import SondeCore

/// The read side of a ring, safe to use without the store's lock: it only does positioned reads
/// and checks every record against the segment sequence it expects.
struct RingReader: Sendable {
    let tier: Tier
    let file: StoreFile
    let segmentBytes: Int

    /// The segment's chunk index, sorted by series. When the index record is damaged the segment's
    /// records are scanned instead, so a bad index loses nothing but time. Nil when the segment was
    /// overwritten meanwhile.
    func readIndex(_ view: RingFile.SegmentView) throws(SondeError) -> [UInt8]? {
        if let entries = view.openEntries { return ChunkIndexEntry.encode(entries.sorted()) }
        let bytes = try file.read(at: view.slot * segmentBytes + view.info.indexOffset, count: view.info.indexLength)
        let index = bytes.withUnsafeBytes { raw -> [UInt8]? in
            guard let frame = RecordFraming.frame(in: raw, at: 0, seed: view.info.sequence), frame.kind == .segmentIndex else { return nil }
            return Array(raw[frame.body])
        }
        if let index { return index }
        let segment = try file.read(at: view.slot * segmentBytes, count: view.info.dataEnd)
        var entries: [ChunkIndexEntry] = []
        _ = segment.withUnsafeBytes { raw in
            RecordFraming.scan(raw, from: SegmentFormat.headerBytes, seed: view.info.sequence) { event in
                guard case .frame(let frame) = event, frame.kind == .chunk,
                      let record = SegmentFormat.decodeChunkBody(UnsafeRawBufferPointer(rebasing: raw[frame.body]))
                else { return }
                entries.append(ChunkIndexEntry(ref: record.ref, offset: UInt32(frame.start), length: UInt32(frame.end - frame.start)))
            }
        }
        return entries.isEmpty ? nil : ChunkIndexEntry.encode(entries.sorted())
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
