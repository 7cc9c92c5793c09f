import SondeCore

/// Per-tier figures of `sonde store stats`.
public struct TierStats: Sendable, Equatable {
    public var name: String
    public var series: Int
    public var samples: Int
    /// Everything the tier's live data occupies: chunk records, segment headers, indexes and
    /// trailers, the open chunks; the raw tier also carries the series index (every series starts there).
    public var bytesUsed: Int
    /// The tier's ring file; the raw tier also carries the series index, head log and snapshot slots,
    /// so the tiers' allocations add up to the whole budget.
    public var bytesAllocated: Int
    public var oldestMs: Int64?
    public var newestMs: Int64?

    public var bytesPerSample: Double { samples > 0 ? Double(bytesUsed) / Double(samples) : 0 }
}

public struct StoreStats: Sendable {
    public var budget: Int64
    public var seriesTotal: Int
    public var tiers: [TierStats]
    public var counters: StoreCounters
}

extension Store {
    /// Memory held by every open chunk of every tier: the boxed encoder state and its buffers
    /// (what the per-series memory figure excludes).
    public var openChunkMemoryBytes: Int {
        engine.withLock { engine in
            let boxBytes = 16 + MemoryLayout<HeadChunk>.size
            return engine.heads.reduce(0) { total, series in
                total + Tier.allCases.reduce(0) { sum, tier in
                    sum + (series[tier].open.map { boxBytes + $0.chunk.allocatedByteCount } ?? 0)
                }
            }
        }
    }

    public func stats() throws(SondeError) -> StoreStats {
        struct Captured: Sendable {
            var budget: Int64
            var seriesTotal: Int
            var counters: StoreCounters
            var extraAllocated: Int
            var indexUsed: Int
            var tiers: [(reader: RingReader, views: [RingFile.SegmentView], ringUsed: Int, ringSamples: Int, allocated: Int,
                         headRefs: Set<UInt32>, headSamples: Int, headBytes: Int, headOldest: Int64, headNewest: Int64)]
        }
        let captured: Captured = engine.withLock { engine in
            var tiers: [(reader: RingReader, views: [RingFile.SegmentView], ringUsed: Int, ringSamples: Int, allocated: Int,
                         headRefs: Set<UInt32>, headSamples: Int, headBytes: Int, headOldest: Int64, headNewest: Int64)] = []
            for tier in Tier.allCases {
                let ring = engine.rings[tier.rawValue]
                var refs = Set<UInt32>()
                var samples = 0, bytes = 0
                var oldest = Int64.max, newest = Int64.min
                for (index, heads) in engine.heads.enumerated() {
                    if let chunk = heads[tier].chunk, chunk.count > 0 {
                        refs.insert(UInt32(index))
                        samples += chunk.count
                        bytes += chunk.encodedByteCount
                        oldest = min(oldest, chunk.firstTimestamp)
                        newest = max(newest, chunk.lastTimestamp)
                    }
                    if tier != .raw, heads[rollup: tier].active {
                        refs.insert(UInt32(index))
                        samples += 1
                        bytes += 48
                        oldest = min(oldest, heads[rollup: tier].lastTimestamp)
                        newest = max(newest, heads[rollup: tier].lastTimestamp)
                    }
                }
                tiers.append((ring.reader, ring.views(overlapping: .min, .max), ring.usedBytes, ring.sampleCount,
                              ring.allocatedBytes, refs, samples, bytes, oldest, newest))
            }
            let layout = engine.layout
            return Captured(
                budget: layout.budget, seriesTotal: engine.labelsByRef.count, counters: engine.counters,
                extraAllocated: 2 * StoreLayout.metaFileBytes + layout.seriesIndexBytes + layout.headLogBytes + 2 * layout.snapshotSlotBytes,
                indexUsed: engine.seriesIndex.writeOffset, tiers: tiers)
        }
        var result: [TierStats] = []
        for (position, tier) in captured.tiers.enumerated() {
            var refs = tier.headRefs
            var oldest = tier.headOldest, newest = tier.headNewest
            for view in tier.views {
                oldest = min(oldest, view.info.minTimestamp)
                newest = max(newest, view.info.maxTimestamp)
                guard let index = try tier.reader.readIndex(view) else { continue }
                index.withUnsafeBytes { raw in
                    for entry in ChunkIndexEntry.decodeAll(raw) { refs.insert(entry.ref) }
                }
            }
            let isRaw = position == Tier.raw.rawValue
            result.append(TierStats(
                name: Tier.allCases[position].name,
                series: refs.count,
                samples: tier.ringSamples + tier.headSamples,
                bytesUsed: tier.ringUsed + tier.headBytes + (isRaw ? captured.indexUsed : 0),
                bytesAllocated: tier.allocated + (isRaw ? captured.extraAllocated : 0),
                oldestMs: oldest == .max ? nil : oldest,
                newestMs: newest == .min ? nil : newest))
        }
        return StoreStats(budget: captured.budget, seriesTotal: captured.seriesTotal, tiers: result, counters: captured.counters)
    }
}
