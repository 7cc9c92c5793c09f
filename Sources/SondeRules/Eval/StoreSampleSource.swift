import SondeCore
import SondeStore

/// The store as the evaluator's sample source.
///
/// With `.automatic`, the answer does not depend on the tier read: while the raw ring holds a
/// selection's window, its raw samples serve it, exactly as Prometheus would answer from them.
/// Only the part of the window the raw ring no longer holds is read from a rollup tier (the finest
/// that reaches back far enough, up to `maxRollup`), each rollup point standing for its bucket with
/// the value of its last sample, at that sample's time: counters' increases and rates stay right
/// to within the rollup's resolution. A range window over rollup points that holds fewer than two
/// takes the point before it too (the evaluator does), so `rate(x[1m])` over 1-minute rollups is
/// the rate across the bucket, not empty. A named tier (`--tier`, the API's `tier=`) reads only that tier.
public struct StoreSampleSource: PromQLSampleSource {
    public let store: Store
    public let tier: Store.TierChoice
    /// The coarsest rollup `.automatic` may read for what raw no longer holds (the API's
    /// `max_source_resolution`); `.raw` reads raw samples only.
    public let maxRollup: Tier

    public init(store: Store, tier: Store.TierChoice = .automatic, maxRollup: Tier = .hour) {
        self.store = store
        self.tier = tier
        self.maxRollup = maxRollup
    }

    public func series(matching matchers: [LabelMatcher], start: Int64, end: Int64, step: Int64?) throws(SondeError) -> [PromQLSeries] {
        guard tier == .automatic else {
            var series = try read(matchers, start: start, end: end, tier: tier)
            if tier != .tier(.raw) { for index in series.indices { series[index].rollupBefore = .max } }
            return series
        }
        let rawOldest = store.oldestTimestamp(.raw, before: start) ?? .max
        guard rawOldest > start, maxRollup != .raw else { return try read(matchers, start: start, end: end, tier: .tier(.raw)) }
        // The older part from the finest rollup reaching back to `start`, else the one reaching furthest.
        let rollups = Tier.allCases.filter { $0 != .raw && $0 <= maxRollup }
        let oldest = rollups.map { ($0, store.oldestTimestamp($0, before: start &+ $0.resolution) ?? .max) }
        guard let older = oldest.first(where: { $0.1 <= start &+ $0.0.resolution }) ?? oldest.min(by: { $0.1 < $1.1 }), older.1 != .max else {
            return try read(matchers, start: start, end: end, tier: .tier(.raw))
        }
        let recent = try read(matchers, start: max(start, rawOldest), end: end, tier: .tier(.raw))
        let history = try read(matchers, start: start, end: min(end, rawOldest - 1), tier: .tier(older.0))
        var byLabels: [Labels: Int] = [:]
        var result: [PromQLSeries] = []
        for var series in history {
            byLabels[series.labels] = result.count
            series.rollupBefore = .max
            result.append(series)
        }
        for series in recent {
            guard let index = byLabels[series.labels] else {
                result.append(series)
                continue
            }
            // Rollup points carry their last sample's time: keep those before the raw data starts.
            let first = series.timestamps.first ?? .max
            let keep = result[index].timestamps.firstIndex { $0 >= first } ?? result[index].timestamps.count
            result[index].timestamps = Array(result[index].timestamps[..<keep]) + series.timestamps
            result[index].values = Array(result[index].values[..<keep]) + series.values
            result[index].rollupBefore = first
        }
        return result
    }

    private func read(_ matchers: [LabelMatcher], start: Int64, end: Int64, tier: Store.TierChoice) throws(SondeError) -> [PromQLSeries] {
        guard start <= end else { return [] }
        return try store.select(matchers, start: start, end: end, tier: tier).map {
            PromQLSeries(labels: $0.labels, timestamps: $0.timestamps, values: $0.values)
        }
    }
}
