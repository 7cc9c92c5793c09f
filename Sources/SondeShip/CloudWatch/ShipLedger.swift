#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SondeAWS
import SondeCore

/// What this month's shipping costs, on disk (`DATA/ship/cloudwatch-month.json`) so a restart does
/// not forget it: the distinct metrics CloudWatch has taken a datum for (namespace, name and
/// dimensions, as it bills them, kept as 64-bit hashes) and the requests sent, since the UTC month
/// began. A new month starts the ledger over, as CloudWatch's bill does.
public struct ShipLedger: Sendable, Equatable, Codable {
    /// The first instant of the month, milliseconds since the epoch.
    public var month: Int64
    public var requests: Int
    public var metrics: Set<UInt64>

    public init(month: Int64, requests: Int = 0, metrics: Set<UInt64> = []) {
        self.month = month
        self.requests = requests
        self.metrics = metrics
    }

    /// The ledger of the month containing `now`: this one, or an empty one when the month has turned.
    public func current(at now: Int64) -> ShipLedger {
        let bounds = CivilDate.monthBounds(containing: now)
        return bounds.start == month ? self : ShipLedger(month: bounds.start)
    }

    /// Counts one accepted request and its datums' metrics; true when a metric was new.
    public mutating func record(namespace: String, _ datums: [CloudWatchClient.Datum]) -> Bool {
        requests += 1
        var added = false
        for datum in datums { added = metrics.insert(Self.key(namespace: namespace, datum)).inserted || added }
        return added
    }

    /// The month's estimated bill: its distinct metrics at the published prices (as if each were
    /// billed the whole month, which a metric that keeps receiving data is), and its requests so
    /// far carried to the month's end at the rate since it began.
    public func estimatedMonthlyCost(now: Int64) -> Double {
        let bounds = CivilDate.monthBounds(containing: month)
        let elapsed = max(60_000, min(now, bounds.end) - bounds.start)
        let projectedRequests = Double(requests) * Double(bounds.end - bounds.start) / Double(elapsed)
        return CloudWatchPricing.metricsCost(metrics.count) + CloudWatchPricing.requestsCost(Int(projectedRequests.rounded()))
    }

    static func key(namespace: String, _ datum: CloudWatchClient.Datum) -> UInt64 {
        var hash = FNV1a()
        hash.add(namespace)
        hash.add(0)
        hash.add(datum.metricName)
        for dimension in datum.dimensions {
            hash.add(0)
            hash.add(dimension.name)
            hash.add(0)
            hash.add(dimension.value)
        }
        return hash.value
    }

    /// The ledger on file; nil when there is none or it is unreadable (the caller starts afresh:
    /// the estimate is then low until the month's metrics have been seen again).
    public static func load(_ path: String) -> ShipLedger? {
        guard let bytes = try? TextFile.readBytes(path) else { return nil }
        return try? JSONDecoder().decode(ShipLedger.self, from: Data(bytes))
    }

    public func save(_ path: String) throws(SondeError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(self)
        } catch {
            throw SondeError(.io, "cannot encode the ship ledger: \(error)")
        }
        try AtomicFile.replace(path, with: Array(data))
    }
}
