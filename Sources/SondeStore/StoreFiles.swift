/// The names of the files in a store directory; one place, so tools and tests agree.
enum StoreFiles {
    static let meta = "store.meta"
    static let metaBackup = "store.meta.bak"
    static let seriesIndex = "series.index"
    static let headLog = "head.log"
    static let lock = "LOCK"
    static func snapshot(_ slot: Int) -> String { "head.snapshot.\(slot)" }
    static func ring(_ tier: Tier) -> String { "\(tier.name).ring" }
}
