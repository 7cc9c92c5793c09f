/// Why an appended sample or a new series was not stored.
public enum RejectReason: String, CaseIterable, Sendable, Error {
    /// Older than the last sample of its series and inside its open chunk.
    case outOfOrder = "out_of_order"
    /// Same timestamp as the last sample, same value: dropped, nothing lost.
    case duplicate = "duplicate"
    /// Same timestamp as the last sample, another value: the first one stays.
    case duplicateTimestamp = "duplicate_timestamp"
    /// A new series beyond `maxSeries`.
    case seriesLimit = "series_limit"
    /// A new series that no longer fits the series index's share of the budget.
    case seriesIndexFull = "series_index_full"
    /// A label set the store cannot hold (no metric name, too many labels, oversized).
    case invalidSeries = "invalid_series"
}

/// The store's own counters, written into the store as `sonde_store_*` series and shown by
/// `sonde store stats`.
public struct StoreCounters: Sendable, Equatable {
    public var samplesAppended = 0
    public var rejected: [RejectReason: Int] = [:]
    /// Samples older than their series' open chunk: stored in a new chunk that overlaps older ones.
    public var backfillChunks = 0
    public var bytesWritten = 0
    public var ringWraps: [Tier: Int] = [:]
    public var rollupPoints: [Tier: Int] = [:]
    public var chunksSealed: [Tier: Int] = [:]
    public var snapshots = 0
    /// What recovery (or a read) found damaged and dropped, by file kind.
    public var recoveryDropped: [String: Int] = [:]
    public var unreadableChunks = 0

    public init() {}
}
