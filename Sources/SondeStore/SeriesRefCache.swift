import SondeCore

/// Remembers the store's reference of each label set a writer has used, so that appending a known
/// series costs a dictionary lookup instead of the store's series lookup.
public struct SeriesRefCache: Sendable {
    private var refs: [Labels: SeriesRef] = [:]

    public init() {}

    /// The series' reference, created in the store if new; nil when the store rejects it (a limit,
    /// counted by the store).
    public mutating func ref(for labels: Labels, in store: Store) -> SeriesRef? {
        if let known = refs[labels] { return known }
        guard let created = store.seriesRef(labels) else { return nil }
        refs[labels] = created
        return created
    }
}
