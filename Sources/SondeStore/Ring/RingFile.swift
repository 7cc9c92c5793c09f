import SondeCore

/// What the store knows about one segment slot of a ring.
struct SegmentInfo: Sendable {
    /// 0 when the slot holds no valid segment.
    var sequence: UInt64 = 0
    var sealed = false
    var minTimestamp = Int64.max
    var maxTimestamp = Int64.min
    var sampleCount = 0
    var chunkCount = 0
    /// End of the chunk records (sealed: also where the index record starts).
    var dataEnd = SegmentFormat.headerBytes
    var indexOffset = 0
    var indexLength = 0

    var isEmpty: Bool { sequence == 0 }

    /// Bytes of the segment holding live data: header, records, index and trailer (for the open
    /// segment, the index and trailer it will get when sealed).
    var usedBytes: Int {
        if isEmpty { return 0 }
        if sealed { return indexOffset + indexLength + SegmentFormat.trailerBytes }
        return dataEnd + RecordFraming.framedSize(bodyLength: chunkCount * SegmentFormat.indexEntryBytes) + SegmentFormat.trailerBytes
    }

    mutating func include(_ summary: SealedChunkSummary) {
        minTimestamp = min(minTimestamp, summary.firstTimestamp)
        maxTimestamp = max(maxTimestamp, summary.lastTimestamp)
        sampleCount += summary.count
        chunkCount += 1
    }
}

/// A chunk read back from a ring.
struct StoredChunk {
    var ref: UInt32
    var chunkSequence: UInt32
    var payload: [UInt8]   // the codec's bytes
}

/// One tier's ring file: a preallocated file cut into equal segments that are written in slot order;
/// when the last slot is full the writer wraps to the first and the oldest data goes.
///
/// Not thread-safe for writing: the store's lock guards the writer. Reads go through `SegmentView`s
/// taken under the lock and then `read(...)` without it; a segment overwritten meanwhile fails its
/// checksums and is skipped, which is what a query racing the ring's eviction should see.
final class RingFile {
    let tier: Tier
    let file: StoreFile
    let segmentBytes: Int
    let segmentCount: Int
    private(set) var segments: [SegmentInfo]
    /// Slot being written; nil until the first chunk after open lands.
    private(set) var current: Int?
    private var openEntries: [ChunkIndexEntry] = []
    /// Read-only opens: entries of segments that lost their trailer, found by scanning.
    private var unsealedEntries: [Int: [ChunkIndexEntry]] = [:]
    private var nextSequence: UInt64 = 1
    private(set) var wraps = 0
    private(set) var bytesWritten = 0

    /// What opening found wrong and dropped.
    struct RecoveryReport {
        var damagedRegions = 0
        var damagedBytes = 0
        var unreadableSegments = 0
        var resealedSegments = 0
        var rewrittenHeaders = 0
        var fileWasShort = false
    }

    /// Whether the segment in `slot` has a trailer or a first record valid under `sequence`.
    private func segmentChecksOut(slot: Int, sequence: UInt64) throws(SondeError) -> Bool {
        let base = slot * segmentBytes
        let trailer = try file.read(at: base + segmentBytes - SegmentFormat.trailerBytes, count: SegmentFormat.trailerBytes)
        if trailer.withUnsafeBytes({ SegmentFormat.decodeTrailer($0, sequence: sequence, segmentBytes: segmentBytes) }) != nil { return true }
        let start = try file.read(at: base, count: min(segmentBytes, 1 << 16))
        return start.withUnsafeBytes { RecordFraming.frame(in: $0, at: SegmentFormat.headerBytes, seed: sequence) != nil }
    }

    init(path: String, tier: Tier, ringBytes: Int, segmentBytes: Int, create: Bool, mode: StoreFile.Mode = .readWrite) throws(SondeError) {
        self.tier = tier
        self.segmentBytes = segmentBytes
        self.segmentCount = ringBytes / segmentBytes
        self.file = try StoreFile(path: path, mode: mode, create: create)
        self.segments = Array(repeating: SegmentInfo(), count: segmentCount)
    }

    /// Reads every segment header and trailer, scans segments that were not sealed, and puts the
    /// writer after the last valid record of the newest segment.
    /// With `repair` false (read-only opens) nothing is written: a segment that lost its trailer is
    /// indexed in memory only.
    func recover(repair: Bool, report: inout RecoveryReport) throws(SondeError) {
        let size = try file.size
        if size < segmentCount * segmentBytes {
            report.fileWasShort = size > 0
            if repair { try file.preallocate(size: segmentCount * segmentBytes) }
        }
        var newest: Int?
        var damagedHeaders: [Int] = []
        for slot in 0..<segmentCount {
            let base = slot * segmentBytes
            let headerBytes = try file.read(at: base, count: SegmentFormat.headerBytes)
            guard let header = headerBytes.withUnsafeBytes({ SegmentFormat.decodeHeader($0) }),
                  header.segmentBytes == segmentBytes, header.tier == UInt8(tier.rawValue)
            else {
                if headerBytes.contains(where: { $0 != 0 }) { damagedHeaders.append(slot) }
                continue
            }
            segments[slot].sequence = header.sequence
        }
        // A damaged header hides the segment's sequence, which seeds all its checksums. Segments are
        // written in slot order, so a neighbour's sequence ± 1 is the candidate; the one under which
        // the trailer or the first record checks out is right, and the header is written again.
        for slot in damagedHeaders {
            var candidates: [UInt64] = []
            let previous = segments[(slot + segmentCount - 1) % segmentCount].sequence
            let next = segments[(slot + 1) % segmentCount].sequence
            if previous > 0 { candidates.append(previous + 1) }
            if next > 1 { candidates.append(next - 1) }
            var found: UInt64?
            for candidate in candidates where found == nil {
                if try segmentChecksOut(slot: slot, sequence: candidate) { found = candidate }
            }
            guard let sequence = found else {
                report.unreadableSegments += 1
                continue
            }
            segments[slot].sequence = sequence
            report.rewrittenHeaders += 1
            if repair {
                let header = SegmentFormat.encode(SegmentFormat.Header(tier: UInt8(tier.rawValue), sequence: sequence, segmentBytes: segmentBytes))
                try file.write(header, at: slot * segmentBytes)
            }
        }
        for slot in 0..<segmentCount where segments[slot].sequence > 0 {
            let base = slot * segmentBytes
            let header = SegmentFormat.Header(tier: UInt8(tier.rawValue), sequence: segments[slot].sequence, segmentBytes: segmentBytes)
            var info = SegmentInfo(sequence: header.sequence)
            let trailerBytes = try file.read(at: base + segmentBytes - SegmentFormat.trailerBytes, count: SegmentFormat.trailerBytes)
            if let trailer = trailerBytes.withUnsafeBytes({
                SegmentFormat.decodeTrailer($0, sequence: header.sequence, segmentBytes: segmentBytes)
            }) {
                info.sealed = true
                info.minTimestamp = trailer.minTimestamp
                info.maxTimestamp = trailer.maxTimestamp
                info.sampleCount = trailer.sampleCount
                info.chunkCount = trailer.chunkCount
                info.dataEnd = trailer.dataEnd
                info.indexOffset = trailer.indexOffset
                info.indexLength = trailer.indexLength
            }
            segments[slot] = info
            if newest.map({ segments[$0].sequence < info.sequence }) ?? true { newest = slot }
            nextSequence = max(nextSequence, info.sequence + 1)
        }
        for slot in 0..<segmentCount where !segments[slot].isEmpty && !segments[slot].sealed {
            let entries = try scan(slot: slot, report: &report) { _, _ in }
            if slot == newest {
                current = slot
                openEntries = entries
            } else if !repair {
                unsealedEntries[slot] = entries
            } else {
                // An unsealed segment that is not the newest lost its trailer: seal it again.
                try seal(slot: slot, entries: entries)
                report.resealedSegments += 1
            }
        }
    }

    /// Chunks written at or after `position`: what reached the ring since a snapshot.
    func chunkIdentities(after position: RingPosition) throws(SondeError) -> [(ref: UInt32, chunkSequence: UInt32)] {
        var found: [(ref: UInt32, chunkSequence: UInt32)] = []
        var ignored = RecoveryReport()
        for slot in 0..<segmentCount where segments[slot].sequence >= position.sequence {
            let from = segments[slot].sequence == position.sequence ? position.offset : 0
            _ = try scan(slot: slot, report: &ignored, updateInfo: false) { offset, record in
                if offset >= from { found.append((record.ref, record.chunkSequence)) }
            }
        }
        return found
    }

    private func scan(
        slot: Int, report: inout RecoveryReport, updateInfo: Bool = true,
        onChunk: (Int, SegmentFormat.ChunkRecord) -> Void
    ) throws(SondeError) -> [ChunkIndexEntry] {
        let base = slot * segmentBytes
        let bytes = try file.read(at: base, count: segmentBytes - SegmentFormat.trailerBytes)
        var info = segments[slot]
        var entries: [ChunkIndexEntry] = []
        let end = bytes.withUnsafeBytes { raw in
            RecordFraming.scan(raw, from: SegmentFormat.headerBytes, seed: info.sequence) { event in
                switch event {
                case .damaged(let range):
                    report.damagedRegions += 1
                    report.damagedBytes += range.count
                case .frame(let frame):
                    guard frame.kind == .chunk,
                          let record = SegmentFormat.decodeChunkBody(UnsafeRawBufferPointer(rebasing: raw[frame.body])),
                          let summary = try? SealedChunk.summary(record.payload)
                    else { return }
                    info.include(summary)
                    let start = frame.start
                    let entry = ChunkIndexEntry(ref: record.ref, offset: UInt32(start), length: UInt32(frame.end - start))
                    entries.append(entry)
                    onChunk(start, record)
                }
            }
        }
        info.dataEnd = end
        if updateInfo { segments[slot] = info }
        return entries
    }

    // MARK: writing

    /// Appends a sealed chunk, sealing the current segment and moving on (wrapping) when it is full.
    func append(ref: UInt32, chunkSequence: UInt32, payload: [UInt8], summary: SealedChunkSummary) throws(SondeError) {
        var framed: [UInt8] = []
        let body = SegmentFormat.chunkBody(ref: ref, chunkSequence: chunkSequence, payload: payload)
        let capacity = segmentBytes - SegmentFormat.headerBytes - SegmentFormat.trailerBytes
        let needed = RecordFraming.framedSize(bodyLength: body.count)
        guard needed + RecordFraming.framedSize(bodyLength: SegmentFormat.indexEntryBytes) <= capacity else {
            throw SondeError(.limit, "chunk of \(needed) bytes does not fit a \(segmentBytes)-byte segment of tier \(tier)")
        }
        if let slot = current {
            let indexSize = RecordFraming.framedSize(bodyLength: (openEntries.count + 1) * SegmentFormat.indexEntryBytes)
            if segments[slot].dataEnd + needed + indexSize > segmentBytes - SegmentFormat.trailerBytes {
                try seal(slot: slot, entries: openEntries)
                try startSegment(slot: (slot + 1) % segmentCount)
            }
        } else {
            let newest = segments.indices.max { segments[$0].sequence < segments[$1].sequence }
            let slot = newest.map { segments[$0].isEmpty ? 0 : ($0 + 1) % segmentCount } ?? 0
            try startSegment(slot: slot)
        }
        guard let slot = current else { return }
        let sequence = segments[slot].sequence
        body.withUnsafeBytes { RecordFraming.append(kind: .chunk, body: $0, seed: sequence, to: &framed) }
        let offset = segments[slot].dataEnd
        try file.write(framed, at: slot * segmentBytes + offset)
        bytesWritten += framed.count
        segments[slot].dataEnd += framed.count
        segments[slot].include(summary)
        openEntries.append(ChunkIndexEntry(ref: ref, offset: UInt32(offset), length: UInt32(framed.count)))
    }

    private func startSegment(slot: Int) throws(SondeError) {
        if !segments[slot].isEmpty { wraps += 1 }
        let sequence = nextSequence
        nextSequence += 1
        let header = SegmentFormat.encode(SegmentFormat.Header(tier: UInt8(tier.rawValue), sequence: sequence, segmentBytes: segmentBytes))
        // The old trailer must not survive into the new lap: it is seeded with the old sequence and
        // would fail anyway, but clearing it keeps `verify` output clean.
        try file.write([UInt8](repeating: 0, count: SegmentFormat.trailerBytes), at: (slot + 1) * segmentBytes - SegmentFormat.trailerBytes)
        try file.write(header, at: slot * segmentBytes)
        bytesWritten += header.count
        segments[slot] = SegmentInfo(sequence: sequence)
        current = slot
        openEntries = []
    }

    private func seal(slot: Int, entries: [ChunkIndexEntry]) throws(SondeError) {
        var info = segments[slot]
        let body = ChunkIndexEntry.encode(entries.sorted())
        var framed: [UInt8] = []
        RecordFraming.append(kind: .segmentIndex, body: body, seed: info.sequence, to: &framed)
        info.indexOffset = info.dataEnd
        info.indexLength = framed.count
        info.sealed = true
        let trailer = SegmentFormat.Trailer(
            sequence: info.sequence, indexOffset: info.indexOffset, indexLength: info.indexLength,
            minTimestamp: info.minTimestamp, maxTimestamp: info.maxTimestamp,
            sampleCount: info.sampleCount, chunkCount: info.chunkCount, dataEnd: info.dataEnd)
        try file.write(framed, at: slot * segmentBytes + info.indexOffset)
        try file.write(SegmentFormat.encode(trailer), at: (slot + 1) * segmentBytes - SegmentFormat.trailerBytes)
        bytesWritten += framed.count + SegmentFormat.trailerBytes
        segments[slot] = info
        if current == slot { current = nil; openEntries = [] }
    }

    func sync() throws(SondeError) { try file.sync() }

    /// Where the writer stands: chunks written after this position are newer.
    var position: RingPosition {
        guard let slot = current else {
            let newest = segments.map(\.sequence).max() ?? 0
            return RingPosition(sequence: newest + 1, offset: 0)
        }
        return RingPosition(sequence: segments[slot].sequence, offset: segments[slot].dataEnd)
    }

    // MARK: reading

    /// A segment as a reader sees it at one moment.
    struct SegmentView: Sendable {
        var slot: Int
        var info: SegmentInfo
        /// For the open segment, its chunk entries so far (the on-disk index does not exist yet).
        var openEntries: [ChunkIndexEntry]?
    }

    /// Segments overlapping [start, end], oldest first.
    func views(overlapping start: Int64, _ end: Int64) -> [SegmentView] {
        var views: [SegmentView] = []
        for (slot, info) in segments.enumerated() where !info.isEmpty && info.chunkCount > 0 {
            guard info.maxTimestamp >= start, info.minTimestamp <= end else { continue }
            views.append(SegmentView(slot: slot, info: info, openEntries: slot == current ? openEntries : unsealedEntries[slot]))
        }
        return views.sorted { $0.info.sequence < $1.info.sequence }
    }

    var reader: RingReader { RingReader(tier: tier, file: file, segmentBytes: segmentBytes) }

    /// Bytes held by live data in this ring.
    var usedBytes: Int { segments.reduce(0) { $0 + $1.usedBytes } }
    var sampleCount: Int { segments.reduce(0) { $0 + $1.sampleCount } }
    var allocatedBytes: Int { segmentCount * segmentBytes }
}

/// A point in a ring's write history: chunks at a later (sequence, offset) were written after it.
struct RingPosition: Sendable, Equatable {
    var sequence: UInt64
    var offset: Int
}
