import SondeCore

/// The store's state and every operation that changes it. Not thread-safe: `Store` wraps it in a
/// mutex and keeps queries' disk reads outside that lock.
final class StoreEngine {
    let directory: String
    let layout: StoreLayout
    var options: StoreOptions
    let readOnly: Bool

    let seriesIndex: SeriesIndexFile
    let rings: [RingFile]
    let headLog: HeadLog
    let snapshotFiles: [StoreFile]

    // Series: refs are dense, in creation order.
    var labelsByRef: [Labels] = []
    var refByLabels: [Labels: UInt32] = [:]
    var refsByName: [String: [UInt32]] = [:]
    var heads: [SeriesHeads] = []
    var pendingSeries: [(ref: UInt32, labels: Labels)] = []
    var pendingSeriesBytes = 0

    var counters = StoreCounters()
    var lastWriteError: String?
    var snapshotGeneration: UInt64 = 1
    var snapshotSlot = -1
    var lastSelfMetricsAt: Int64 = .min

    /// During head log replay: seals follow the log, and chunks already in a ring are not rewritten.
    var replaying = false
    var chunksAfterSnapshot: Set<ChunkIdentity> = []
    /// Read-only opens cannot write what replay seals; such chunks stay here for queries.
    var detachedChunks: [Tier: [(ref: UInt32, payload: [UInt8])]] = [:]

    private var scratchTimestamps: [Int64] = []
    private var scratchColumns: [[Double]] = []

    struct ChunkIdentity: Hashable {
        var tier: Tier
        var ref: UInt32
        var chunkSequence: UInt32
    }

    init(directory: String, layout: StoreLayout, options: StoreOptions, readOnly: Bool, create: Bool) throws(SondeError) {
        self.directory = directory
        self.layout = layout
        self.options = options
        self.readOnly = readOnly
        let path = { (name: String) in directory + "/" + name }
        let mode: StoreFile.Mode = readOnly ? .readOnly : .readWrite
        seriesIndex = try SeriesIndexFile(path: path(StoreFiles.seriesIndex), capacity: layout.seriesIndexBytes, create: create, mode: mode)
        headLog = try HeadLog(path: path(StoreFiles.headLog), capacity: layout.headLogBytes, create: create, mode: mode)
        var snapshots: [StoreFile] = []
        for slot in 0..<2 {
            let file = try StoreFile(path: path(StoreFiles.snapshot(slot)), mode: mode, create: create)
            if create { try file.preallocate(size: layout.snapshotSlotBytes) }
            snapshots.append(file)
        }
        snapshotFiles = snapshots
        var ringFiles: [RingFile] = []
        for tier in Tier.allCases {
            let ring = try RingFile(
                path: path(StoreFiles.ring(tier)), tier: tier,
                ringBytes: layout.ringBytes[tier.rawValue], segmentBytes: layout.segmentBytes[tier.rawValue], create: create, mode: mode)
            if create { try ring.file.preallocate(size: layout.ringBytes[tier.rawValue]) }
            ringFiles.append(ring)
        }
        rings = ringFiles
    }

    // MARK: series

    static let maxLabelPairs = 64
    static let maxSeriesBytes = 16 << 10

    /// The ref of a series, creating it when new; the reason (also counted) when it cannot be stored.
    func ref(for labels: Labels) -> Result<UInt32, RejectReason> {
        if let ref = refByLabels[labels] { return .success(ref) }
        var bytes = 0
        for pair in labels.pairs { bytes += pair.name.utf8.count + pair.value.utf8.count + 2 }
        guard !labels.metricName.isEmpty, labels.pairs.count <= StoreEngine.maxLabelPairs,
              bytes <= StoreEngine.maxSeriesBytes, !readOnly
        else {
            reject(.invalidSeries)
            return .failure(.invalidSeries)
        }
        guard labelsByRef.count < options.maxSeries else {
            reject(.seriesLimit)
            return .failure(.seriesLimit)
        }
        // Reserve the uncompressed size: an upper bound of what the batch will take.
        guard seriesIndex.hasRoom(for: pendingSeriesBytes + bytes + 16 + 64) else {
            reject(.seriesIndexFull)
            return .failure(.seriesIndexFull)
        }
        pendingSeriesBytes += bytes + 16
        let ref = UInt32(labelsByRef.count)
        addSeries(ref: ref, labels: labels)
        // A new series has nothing sealed yet.
        heads[Int(ref)].raw.olderSealedThrough = .min
        pendingSeries.append((ref, labels))
        return .success(ref)
    }

    func addSeries(ref: UInt32, labels: Labels) {
        labelsByRef.append(labels)
        refByLabels[labels] = ref
        refsByName[labels.metricName, default: []].append(ref)
        heads.append(SeriesHeads())
    }

    func reject(_ reason: RejectReason) {
        counters.rejected[reason, default: 0] += 1
    }

    // MARK: appending

    /// Appends one raw sample; returns why it was not stored, or nil.
    @discardableResult
    func append(ref: UInt32, timestamp: Int64, value: Double) -> RejectReason? {
        let index = Int(ref)
        guard index < heads.count else {
            reject(.invalidSeries)
            return .invalidSeries
        }
        // One exclusive access to the series' heads for the whole append: no copies of the open
        // chunks, no per-field access checks. Nothing below touches `heads` itself.
        return heads.withUnsafeMutableBufferPointer { buffer in
            append(&buffer[index], ref: ref, timestamp: timestamp, value: value)
        }
    }

    /// Appends a batch under one access to the heads.
    func append(refs: [UInt32], timestamps: [Int64], values: [Double]) {
        let count = heads.count
        heads.withUnsafeMutableBufferPointer { buffer in
            for position in refs.indices {
                let index = Int(refs[position])
                guard index < count else {
                    reject(.invalidSeries)
                    continue
                }
                _ = append(&buffer[index], ref: refs[position], timestamp: timestamps[position], value: values[position])
            }
        }
    }

    private func append(_ series: inout SeriesHeads, ref: UInt32, timestamp: Int64, value: Double) -> RejectReason? {
        let bits = value.bitPattern
        if let reason = admit(.raw, ref, &series.raw, timestamp: timestamp, bits: bits) {
            reject(reason)
            return reason
        }
        if series.raw.open == nil { series.raw.open = OpenChunk(HeadChunk(columnCount: 1)) }
        series.raw.open?.chunk.append(timestamp: timestamp, value: value)
        series.raw.lastTimestamp = timestamp
        series.raw.lastBits = bits
        if options.headLogEnabled && !replaying { headLog.logSample(ref: ref, timestamp: timestamp, value: value) }
        counters.samplesAppended += 1
        if !StaleMarker.isStale(value) {
            feedRollup(.minute, &series, ref: ref, timestamp: timestamp, value: value)
            feedRollup(.hour, &series, ref: ref, timestamp: timestamp, value: value)
        }
        return nil
    }

    /// Decides whether a point may join the head, sealing the head first when it is full or when the
    /// point is older than everything open (a backfill, which then starts a chunk of its own).
    private func admit(_ tier: Tier, _ ref: UInt32, _ head: inout TierHead, timestamp: Int64, bits: UInt64) -> RejectReason? {
        if head.lastTimestamp != .min && timestamp <= head.lastTimestamp {
            if timestamp == head.lastTimestamp { return bits == head.lastBits ? .duplicate : .duplicateTimestamp }
            if let open = head.open, open.chunk.count > 0, timestamp >= open.chunk.firstTimestamp { return .outOfOrder }
            seal(tier, ref, &head)
            counters.backfillChunks += 1
        } else if !replaying, let open = head.open {
            let limit = tier == .raw ? options.maxSamplesPerChunk : options.maxPointsPerRollupChunk
            if open.chunk.count >= min(limit, SealedChunk.maxSamples) || open.chunk.encodedByteCount >= options.maxOpenChunkBytes {
                seal(tier, ref, &head)
            }
        }
        return nil
    }

    private func feedRollup(_ tier: Tier, _ series: inout SeriesHeads, ref: UInt32, timestamp: Int64, value: Double) {
        let accumulator = series[rollup: tier]
        if accumulator.active {
            let bucket = RollupAccumulator.bucket(of: timestamp, resolution: tier.resolution)
            if bucket == RollupAccumulator.bucket(of: accumulator.lastTimestamp, resolution: tier.resolution) {
                series[rollup: tier].add(timestamp: timestamp, value: value)
                return
            }
            emitRollup(tier, &series, ref: ref)
        }
        series[rollup: tier].start(timestamp: timestamp, value: value)
    }

    /// Moves a rollup accumulator's point into the tier's head.
    func emitRollup(_ tier: Tier, _ series: inout SeriesHeads, ref: UInt32) {
        let accumulator = series[rollup: tier]
        guard accumulator.active else { return }
        series[rollup: tier].clear()
        let bits = accumulator.last.bitPattern
        if let reason = admit(tier, ref, &series[tier], timestamp: accumulator.lastTimestamp, bits: bits) {
            // A backfill into a bucket that already has a later point: counted, the raw tier keeps it.
            if reason != .duplicate { reject(reason) }
            return
        }
        if series[tier].open == nil { series[tier].open = OpenChunk(HeadChunk(columnCount: tier.columnCount)) }
        let columns = accumulator.columns
        columns.withUnsafeBufferPointer { values in
            series[tier].open?.chunk.append(timestamp: accumulator.lastTimestamp, values: values)
        }
        series[tier].lastTimestamp = accumulator.lastTimestamp
        series[tier].lastBits = bits
        counters.rollupPoints[tier, default: 0] += 1
    }

    /// Seals a head: re-encodes it in the best sealed encoding and appends it to the tier's ring.
    func seal(_ tier: Tier, _ ref: UInt32, _ head: inout TierHead) {
        guard let chunk = head.open?.chunk, chunk.count > 0 else { return }
        if options.headLogEnabled && !replaying { headLog.logSeal(tier: tier, ref: ref) }
        scratchTimestamps.removeAll(keepingCapacity: true)
        for index in scratchColumns.indices { scratchColumns[index].removeAll(keepingCapacity: true) }
        chunk.decode(timestamps: &scratchTimestamps, columns: &scratchColumns)
        var payload: [UInt8] = []
        payload.reserveCapacity(chunk.encodedByteCount + 32)
        SealedChunk.encode(timestamps: scratchTimestamps, columns: Array(scratchColumns.prefix(chunk.columnCount)), into: &payload)
        let summary = SealedChunkSummary(
            count: scratchTimestamps.count, columnCount: chunk.columnCount,
            firstTimestamp: scratchTimestamps.first ?? 0, lastTimestamp: scratchTimestamps.last ?? 0)
        let identity = ChunkIdentity(tier: tier, ref: ref, chunkSequence: head.chunkSequence)
        if readOnly {
            detachedChunks[tier, default: []].append((ref, payload))
        } else if !(replaying && chunksAfterSnapshot.contains(identity)) {
            let before = rings[tier.rawValue].bytesWritten
            do {
                try rings[tier.rawValue].append(ref: ref, chunkSequence: head.chunkSequence, payload: payload, summary: summary)
            } catch {
                counters.recoveryDropped["write_error", default: 0] += 1
                lastWriteError = error.description
            }
            counters.bytesWritten += rings[tier.rawValue].bytesWritten - before
        }
        if tier == .raw {
            head.olderSealedThrough = max(head.olderSealedThrough, head.recent?.lastTimestamp ?? .min)
            head.recent = RecentChunk(payload: payload, firstTimestamp: summary.firstTimestamp, lastTimestamp: summary.lastTimestamp)
        }
        head.open = nil
        head.chunkSequence &+= 1
        counters.chunksSealed[tier, default: 0] += 1
    }

    /// Seals every open chunk and emits every rollup accumulator (the end of a bulk import).
    func sealAll() {
        for index in heads.indices {
            let ref = UInt32(index)
            for tier in Tier.rollups where heads[index][rollup: tier].active {
                if options.headLogEnabled && !replaying { headLog.logRollupFlush(tier: tier, ref: ref) }
                emitRollup(tier, &heads[index], ref: ref)
            }
            for tier in Tier.allCases { seal(tier, ref, &heads[index][tier]) }
        }
    }

    func sealRawHeads() {
        for index in heads.indices { seal(.raw, UInt32(index), &heads[index].raw) }
    }

    // MARK: flushing

    /// Makes everything appended so far durable (series index, then head log) and snapshots when
    /// the head log fills up.
    func flush(now: Int64) throws(SondeError) {
        guard !readOnly else { return }
        if now >= lastSelfMetricsAt &+ options.selfMetricsIntervalMilliseconds {
            lastSelfMetricsAt = now
            writeSelfMetrics(at: now)
        }
        try writePendingSeries()
        guard options.headLogEnabled else { return }
        if headLog.hasPending, try !headLog.flush() {
            try snapshot()
            return
        }
        if headLog.usedBytes > headLog.capacity / 4 * 3 { try snapshot() }
    }

    func writePendingSeries() throws(SondeError) {
        guard !pendingSeries.isEmpty else { return }
        let before = seriesIndex.writeOffset
        guard try seriesIndex.append(pendingSeries) else {
            throw SondeError(.limit, "series index full: \(pendingSeries.count) new series could not be written")
        }
        try seriesIndex.sync()
        counters.bytesWritten += seriesIndex.writeOffset - before
        pendingSeries.removeAll()
        pendingSeriesBytes = 0
    }

    /// Writes every head and accumulator into the other snapshot slot and starts a new head log
    /// generation. Rings are synced first: chunks sealed before the snapshot are in no log any more.
    func snapshot() throws(SondeError) {
        guard !readOnly else { return }
        try writePendingSeries()
        func size(_ frames: [(RecordFraming.Kind, [UInt8])]) -> Int {
            frames.reduce(HeadSnapshot.headerBytes) { $0 + RecordFraming.framedSize(bodyLength: $1.1.count) }
        }
        var frames = snapshotFrames()
        if size(frames) > layout.snapshotSlotBytes {
            sealRawHeads()
            frames = snapshotFrames()
        }
        if size(frames) > layout.snapshotSlotBytes {
            sealAll()
            frames = snapshotFrames()
        }
        guard size(frames) <= layout.snapshotSlotBytes else {
            throw SondeError(.limit, "head snapshot of \(size(frames)) bytes exceeds its slot of \(layout.snapshotSlotBytes) bytes")
        }
        for ring in rings { try ring.sync() }
        let generation = snapshotGeneration + 1
        let slot = snapshotSlot == 0 ? 1 : 0
        // Frames are seeded with the generation, so records of an older snapshot never pass for these.
        var framed: [UInt8] = []
        framed.reserveCapacity(size(frames))
        for (kind, frameBody) in frames {
            RecordFraming.append(kind: kind, body: frameBody, seed: generation, to: &framed)
        }
        let header = HeadSnapshot.encodeHeader(generation: generation, length: HeadSnapshot.headerBytes + framed.count)
        try snapshotFiles[slot].write(header + framed, at: 0)
        try snapshotFiles[slot].sync()
        try headLog.reset(generation: generation)
        counters.bytesWritten += header.count + framed.count + HeadLog.headerBytes
        snapshotGeneration = generation
        snapshotSlot = slot
        counters.snapshots += 1
    }

    private func snapshotFrames() -> [(RecordFraming.Kind, [UInt8])] {
        var frames: [(RecordFraming.Kind, [UInt8])] = []
        for index in heads.indices where !heads[index].isEmpty {
            var body = ByteWriter()
            HeadSnapshot.encodeSeries(ref: UInt32(index), heads: heads[index], into: &body)
            frames.append((.snapshotSeries, body.bytes))
        }
        let trailer = HeadSnapshot.Trailer(ringPositions: rings.map(\.position), seriesCount: frames.count)
        frames.append((.snapshotEnd, HeadSnapshot.encodeTrailer(trailer)))
        return frames
    }

    // MARK: self-metrics

    private func writeSelfMetrics(at now: Int64) {
        var points: [(Labels, Double)] = [
            (Labels(name: "sonde_store_samples_appended_total"), Double(counters.samplesAppended)),
            (Labels(name: "sonde_store_bytes_written_total"), Double(counters.bytesWritten)),
            (Labels(name: "sonde_store_backfill_chunks_total"), Double(counters.backfillChunks)),
            (Labels(name: "sonde_store_snapshots_total"), Double(counters.snapshots)),
            (Labels(name: "sonde_store_series"), Double(labelsByRef.count)),
            (Labels(name: "sonde_store_unreadable_chunks_total"), Double(counters.unreadableChunks)),
        ]
        for reason in RejectReason.allCases {
            points.append((Labels(name: "sonde_store_samples_rejected_total", ["reason": reason.rawValue]), Double(counters.rejected[reason] ?? 0)))
        }
        for tier in Tier.allCases {
            points.append((Labels(name: "sonde_store_ring_wraps_total", ["tier": tier.name]), Double(rings[tier.rawValue].wraps)))
            points.append((Labels(name: "sonde_store_chunks_sealed_total", ["tier": tier.name]), Double(counters.chunksSealed[tier] ?? 0)))
            points.append((Labels(name: "sonde_store_ring_used_bytes", ["tier": tier.name]), Double(rings[tier.rawValue].usedBytes)))
        }
        for tier in Tier.rollups {
            points.append((Labels(name: "sonde_store_rollups_total", ["tier": tier.name]), Double(counters.rollupPoints[tier] ?? 0)))
        }
        for (kind, count) in counters.recoveryDropped.sorted(by: { $0.key < $1.key }) {
            points.append((Labels(name: "sonde_store_recovery_dropped_total", ["kind": kind]), Double(count)))
        }
        for (labels, value) in points {
            guard case .success(let ref) = ref(for: labels) else { continue }
            let rejected = counters.rejected
            append(ref: ref, timestamp: now, value: value)
            // The store's own bookkeeping samples do not count as user rejections.
            counters.rejected = rejected
        }
    }
}
