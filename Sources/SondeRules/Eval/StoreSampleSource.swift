import SondeCore
import SondeStore

/// The store as the evaluator's sample source. A range query's step picks the tier (a 24-hour
/// chart at a 1-minute step reads the 1-minute rollups, whose `last` column stands for the value);
/// instant evaluations, which rules make, read raw samples.
public struct StoreSampleSource: PromQLSampleSource {
    public let store: Store
    public let tier: Store.TierChoice

    public init(store: Store, tier: Store.TierChoice = .automatic) {
        self.store = store
        self.tier = tier
    }

    public func series(matching matchers: [LabelMatcher], start: Int64, end: Int64, step: Int64?) throws(SondeError) -> [PromQLSeries] {
        let choice: Store.TierChoice = step == nil && tier == .automatic ? .tier(.raw) : tier
        return try store.select(matchers, start: start, end: end, tier: choice, step: step).map {
            PromQLSeries(labels: $0.labels, timestamps: $0.timestamps, values: $0.values)
        }
    }
}
