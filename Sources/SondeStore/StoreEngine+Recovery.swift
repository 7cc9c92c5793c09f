import SondeCore

/// What opening a store found and did, for the log and `sonde_store_recovery_dropped_total`.
public struct RecoveryReport: Sendable, Equatable {
    public var created = false
    public var series = 0
    public var replayedEntries = 0
    public var snapshotGeneration: UInt64 = 0
    /// Dropped or repaired things by kind (`ring_damaged_region`, `head_log_damaged_region`, …).
    public var dropped: [String: Int] = [:]

    public var droppedAnything: Bool { dropped.values.contains { $0 > 0 } }
}

extension StoreEngine {
    /// Rebuilds the in-memory state from the files: series index, ring segments (scanning the ones
    /// that were not sealed), the newest complete snapshot, then the head log replayed through the
    /// normal append path. Damaged records are dropped and counted, never fatal.
    func recover() throws(SondeError) -> RecoveryReport {
        var report = RecoveryReport()
        func drop(_ kind: String, _ count: Int) {
            guard count > 0 else { return }
            report.dropped[kind, default: 0] += count
        }

        var indexReport = SeriesIndexFile.LoadReport()
        var nextRef: UInt32 = 0
        var unnamed = 0
        try seriesIndex.load(repair: !readOnly, report: &indexReport) { ref, labels in
            // Refs are dense; a gap means a damaged batch. Later series keep their refs, so fill the
            // gap with placeholders that no query matches.
            guard ref >= nextRef, refByLabels[labels] == nil else { return }
            while nextRef < ref {
                addSeries(ref: nextRef, labels: Labels([]))
                nextRef += 1
                unnamed += 1
            }
            addSeries(ref: ref, labels: labels)
            nextRef = ref + 1
        }
        drop("series_index_damaged_region", indexReport.damagedRegions)
        drop("series_index_header_rewritten", indexReport.damagedHeader ? 1 : 0)
        drop("series_index_unreadable_batch", indexReport.unreadableBatches)
        drop("series_unnamed", unnamed)
        report.series = labelsByRef.count

        for ring in rings {
            var ringReport = RingFile.RecoveryReport()
            try ring.recover(repair: !readOnly, report: &ringReport)
            drop("ring_damaged_region", ringReport.damagedRegions)
            drop("ring_unreadable_segment", ringReport.unreadableSegments)
            drop("ring_resealed_segment", ringReport.resealedSegments)
            drop("ring_header_rewritten", ringReport.rewrittenHeaders)
            drop("ring_file_short", ringReport.fileWasShort ? 1 : 0)
        }

        if !readOnly {
            // A truncated head log or snapshot slot gets its reserved space back.
            if try headLog.file.size < layout.headLogBytes { try headLog.file.preallocate(size: layout.headLogBytes) }
            for slot in snapshotFiles where try slot.size < layout.snapshotSlotBytes {
                try slot.preallocate(size: layout.snapshotSlotBytes)
            }
        }
        var loaded: HeadSnapshot.Loaded?
        for slot in 0..<2 {
            guard let candidate = try HeadSnapshot.load(snapshotFiles[slot], slot: slot, fallbackGeneration: headLog.headerGeneration()) else { continue }
            if candidate.damagedHeader { drop("snapshot_header_damaged", 1) }
            if loaded.map({ $0.generation < candidate.generation }) ?? true { loaded = candidate }
        }
        if let loaded {
            snapshotGeneration = loaded.generation
            snapshotSlot = loaded.slot
            drop("snapshot_damaged_frame", loaded.damagedFrames)
            for (ref, seriesHeads) in loaded.series where Int(ref) < heads.count {
                heads[Int(ref)] = seriesHeads
            }
        }
        report.snapshotGeneration = snapshotGeneration

        var logReport = HeadLog.ReadReport()
        var entries: [HeadLog.Entry] = []
        let logGeneration = try headLog.read(expectedGeneration: snapshotGeneration, report: &logReport) { entries.append($0) }
        drop("head_log_header_damaged", logReport.damagedHeader ? 1 : 0)
        drop("head_log_damaged_region", logReport.damagedRegions)
        drop("head_log_unreadable_frame", logReport.unreadableFrames)
        if logGeneration < snapshotGeneration {
            // A crash between writing a snapshot and resetting the log: the snapshot covers it all.
            entries = []
        } else if logGeneration > snapshotGeneration {
            // The log continues a snapshot that is lost or damaged: its entries cannot be placed.
            drop("head_log_orphaned", max(entries.count, 1))
            entries = []
        }

        if !entries.isEmpty {
            let positions = loaded?.trailer.ringPositions ?? rings.map { _ in RingPosition(sequence: 0, offset: 0) }
            for ring in rings {
                for found in try ring.chunkIdentities(after: positions[ring.tier.rawValue]) {
                    chunksAfterSnapshot.insert(ChunkIdentity(tier: ring.tier, ref: found.ref, chunkSequence: found.chunkSequence))
                }
            }
            replaying = true
            for entry in entries { replay(entry) }
            replaying = false
            // A head whose chunk is already in its ring was sealed after the log's last durable
            // frame (the seal entry was lost with the tail): the ring has the whole chunk.
            for index in heads.indices {
                for tier in Tier.allCases {
                    let identity = ChunkIdentity(tier: tier, ref: UInt32(index), chunkSequence: heads[index][tier].chunkSequence)
                    guard chunksAfterSnapshot.contains(identity) else { continue }
                    heads[index][tier].open = nil
                    heads[index][tier].chunkSequence &+= 1
                }
            }
            chunksAfterSnapshot = []
            report.replayedEntries = entries.count
        }
        // Nothing in the raw ring is newer than its newest segment: reads of a series that start after
        // that skip the ring (until then, every read goes to it), and what is sealed from now on is
        // tracked exactly. A per-series bound would need the snapshot to carry one.
        let ringNewest = rings[Tier.raw.rawValue].segments.filter { $0.chunkCount > 0 }.map(\.maxTimestamp).max() ?? .min
        for index in heads.indices {
            heads[index].raw.recent = nil
            heads[index].raw.olderSealedThrough = ringNewest
        }
        // Replay re-counted what the previous run already counted.
        counters = StoreCounters()
        for (kind, count) in report.dropped { counters.recoveryDropped[kind, default: 0] += count }
        return report
    }

    private func replay(_ entry: HeadLog.Entry) {
        switch entry {
        case .sample(let ref, let timestamp, let value):
            guard Int(ref) < heads.count else { return }
            append(ref: ref, timestamp: timestamp, value: value)
        case .seal(let tier, let ref):
            guard Int(ref) < heads.count else { return }
            seal(tier, ref, &heads[Int(ref)][tier])
        case .rollupFlush(let tier, let ref):
            guard Int(ref) < heads.count, tier != .raw else { return }
            emitRollup(tier, &heads[Int(ref)], ref: ref)
        }
    }
}
