import SondeCore

extension Store {
    /// Which tier a query reads.
    public enum TierChoice: Sendable, Equatable {
        /// Chosen from range and step (see `Store.chooseTier`).
        case automatic
        case tier(Tier)
    }

    /// Everything a query needs from the locked state, copied so the disk reads run unlocked.
    private struct ReadPlan: Sendable {
        struct Series: Sendable {
            var ref: UInt32
            var labels: Labels
            var head: HeadChunk?
            var pending: [Double]?    // the open rollup accumulator's point, columns of RollupColumn
            var pendingTimestamp: Int64
            /// The last sealed raw chunk, when it and the head hold all of [start, end] that this
            /// series has: then its ring is not read.
            var recent: RecentChunk?
            var needsRing = true
        }
        var tier: Tier
        var series: [Series]
        var views: [RingFile.SegmentView]
        var reader: RingReader
        var detached: [(ref: UInt32, payload: [UInt8])]
    }

    /// The oldest time `tier` holds data for; nil when it holds none.
    /// Open chunks are looked at only when the ring does not reach before `before`.
    public func oldestTimestamp(_ tier: Tier, before: Int64 = .min) -> Int64? {
        let oldest = engine.withLock { $0.oldest(tier, before: before) }
        return oldest == .max ? nil : oldest
    }

    /// The series matching every matcher, with their data in [start, end] from one tier.
    public func select(_ matchers: [LabelMatcher], start: Int64, end: Int64, tier choice: TierChoice = .tier(.raw), step: Int64? = nil) throws(SondeError) -> [SeriesData] {
        let plan: ReadPlan = engine.withLock { engine in
            let tier: Tier
            switch choice {
            case .tier(let chosen): tier = chosen
            case .automatic: tier = engine.chooseTier(start: start, end: end, step: step)
            }
            var series: [ReadPlan.Series] = []
            for ref in engine.matchingRefs(matchers) {
                let heads = engine.heads[Int(ref)]
                var entry = ReadPlan.Series(ref: ref, labels: engine.labelsByRef[Int(ref)], head: heads[tier].chunk, pending: nil, pendingTimestamp: 0)
                if tier != .raw, heads[rollup: tier].active {
                    entry.pending = heads[rollup: tier].columns
                    entry.pendingTimestamp = heads[rollup: tier].lastTimestamp
                }
                if tier == .raw && heads.raw.olderSealedThrough < start {
                    entry.needsRing = false
                    if let recent = heads.raw.recent, recent.lastTimestamp >= start, recent.firstTimestamp <= end { entry.recent = recent }
                }
                series.append(entry)
            }
            let ring = engine.rings[tier.rawValue]
            let ringNeeded = series.contains { $0.needsRing }
            return ReadPlan(
                tier: tier, series: series, views: ringNeeded ? ring.views(overlapping: start, end) : [],
                reader: ring.reader, detached: engine.detachedChunks[tier] ?? [])
        }
        return try read(plan, start: start, end: end)
    }

    private func read(_ plan: ReadPlan, start: Int64, end: Int64) throws(SondeError) -> [SeriesData] {
        var pieces: [UInt32: [SeriesMerge.Piece]] = [:]
        var unreadable = 0
        func decode(_ payload: [UInt8], into list: inout [SeriesMerge.Piece]) {
            var timestamps: [Int64] = []
            var columns: [[Double]] = []
            let ok = payload.withUnsafeBytes { raw in
                (try? SealedChunk.decode(raw, timestamps: &timestamps, columns: &columns)) != nil
            }
            guard ok, columns.count == plan.tier.columnCount else {
                unreadable += 1
                return
            }
            list.append(SeriesMerge.Piece(timestamps: timestamps, columns: columns))
        }
        func decode(_ payload: [UInt8], for ref: UInt32) {
            decode(payload, into: &pieces[ref, default: []])
        }
        let wanted = Set(plan.series.map(\.ref))
        let fromRing = plan.series.filter(\.needsRing)
        for view in plan.views {
            guard let index = try plan.reader.readIndex(view) else {
                unreadable += 1
                continue
            }
            let lookups = index.withUnsafeBytes { raw in
                fromRing.map { (ref: $0.ref, entries: ChunkIndexEntry.lookup(ref: $0.ref, in: raw)) }
            }
            for (ref, entries) in lookups {
                for entry in entries {
                    guard let chunk = try plan.reader.readChunk(view, entry), chunk.ref == ref else {
                        unreadable += 1
                        continue
                    }
                    // Skip chunks wholly outside the range without decoding their bodies.
                    if let summary = chunk.payload.withUnsafeBytes({ try? SealedChunk.summary($0) }),
                       summary.lastTimestamp < start || summary.firstTimestamp > end {
                        continue
                    }
                    decode(chunk.payload, for: ref)
                }
            }
        }
        for detached in plan.detached where wanted.contains(detached.ref) { decode(detached.payload, for: detached.ref) }
        if unreadable > 0 {
            engine.withLock { $0.counters.unreadableChunks += unreadable }
        }

        var results: [SeriesData] = []
        for series in plan.series {
            var seriesPieces = pieces[series.ref] ?? []
            if let recent = series.recent { decode(recent.payload, into: &seriesPieces) }
            if let head = series.head, head.count > 0 {
                var timestamps: [Int64] = []
                var columns: [[Double]] = []
                head.decode(timestamps: &timestamps, columns: &columns)
                seriesPieces.append(SeriesMerge.Piece(timestamps: timestamps, columns: columns))
            }
            if let pending = series.pending {
                seriesPieces.append(SeriesMerge.Piece(timestamps: [series.pendingTimestamp], columns: pending.map { [$0] }))
            }
            let merged = SeriesMerge.merge(seriesPieces, tier: plan.tier, start: start, end: end)
            guard !merged.timestamps.isEmpty else { continue }
            results.append(SeriesData(labels: series.labels, tier: plan.tier, timestamps: merged.timestamps, columns: merged.columns))
        }
        return results
    }
}

extension StoreEngine {
    func matchingRefs(_ matchers: [LabelMatcher]) -> [UInt32] {
        let candidates: [UInt32]
        if let name = matchers.first(where: { $0.name == Labels.metricNameLabel && $0.op == .equal }) {
            candidates = refsByName[name.value] ?? []
        } else {
            candidates = (0..<UInt32(labelsByRef.count)).map { $0 }
        }
        return candidates.filter { ref in
            let labels = labelsByRef[Int(ref)]
            guard !labels.pairs.isEmpty else { return false }
            return matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
        }
    }

    /// The oldest time `tier` holds data for, in its ring or (when the ring does not reach before
    /// `before`) in the open chunks; `.max` when it holds none.
    func oldest(_ tier: Tier, before: Int64 = .min) -> Int64 {
        var oldest = rings[tier.rawValue].segments.filter { $0.chunkCount > 0 }.map(\.minTimestamp).min() ?? .max
        if oldest > before {
            // Data not yet sealed counts too (a young store has all its rollups open).
            for series in heads {
                if let chunk = series[tier].chunk, chunk.count > 0 { oldest = min(oldest, chunk.firstTimestamp) }
            }
        }
        return oldest
    }

    /// The coarsest tier whose resolution is no coarser than the step and that still holds data from
    /// the range's start; without a step, raw. When no tier reaches back far enough, the one that
    /// reaches back furthest.
    func chooseTier(start: Int64, end: Int64, step: Int64?) -> Tier {
        guard let step, step > 0 else { return .raw }
        let candidates = Tier.allCases.filter { $0.resolution <= step }
        func oldest(_ tier: Tier) -> Int64 { self.oldest(tier, before: start &+ tier.resolution) }
        // A rollup point carries the time of its bucket's last sample, so a tier covers `start` when
        // its oldest point lies within one bucket of it.
        if let covering = candidates.reversed().first(where: { oldest($0) <= start &+ $0.resolution }) { return covering }
        return candidates.min { oldest($0) < oldest($1) } ?? .raw
    }
}
