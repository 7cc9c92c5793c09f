/// A resolution level of the store. Raw keeps every sample; the rollup tiers keep, per series and
/// per bucket of their resolution, the minimum, maximum, sum, count and last value, so a year of
/// hourly data costs little next to an hour of 1 s data.
public enum Tier: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case raw = 0
    case minute = 1
    case hour = 2

    /// Bucket width in milliseconds; 0 for raw.
    public var resolution: Int64 {
        switch self {
        case .raw: 0
        case .minute: 60_000
        case .hour: 3_600_000
        }
    }

    public var name: String {
        switch self {
        case .raw: "raw"
        case .minute: "1m"
        case .hour: "1h"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let tier = Tier.allCases.first(where: { $0.name == name }) else { return nil }
        self = tier
    }

    /// Value columns per point: one for raw samples, five for rollups.
    var columnCount: Int { self == .raw ? 1 : RollupColumn.allCases.count }

    public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.rawValue < rhs.rawValue }

    static let rollups: [Tier] = [.minute, .hour]
}

/// The columns of a rollup point, in stored order.
public enum RollupColumn: Int, CaseIterable, Sendable {
    case min = 0, max, sum, count, last
}
