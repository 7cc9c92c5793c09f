import SondeCore

/// What each receiver integration was last told about each group: Alertmanager's notification
/// log (`nflog`). It decides whether a flush is news: a new firing alert is, a newly resolved one
/// is when the integration sends resolved notifications, and otherwise only `repeat_interval`
/// brings the same news again. Kept in the data directory, so a restart does not re-announce.
public struct NotificationLog: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Codable {
        public var firing: Set<UInt64>
        public var resolved: Set<UInt64>
        /// Milliseconds since the epoch.
        public var timestamp: Int64
    }

    /// Keyed by `NotificationLog.key(receiver:integration:groupKey:)`.
    public private(set) var entries: [String: Entry] = [:]

    public init(entries: [String: Entry] = [:]) { self.entries = entries }

    /// One integration of one receiver (`ops/webhook/0`) and one group.
    public static func key(receiver: String, integration: String, groupKey: String) -> String {
        receiver + "/" + integration + "\u{0}" + groupKey
    }

    /// Alertmanager's `DedupStage.needsUpdate`.
    public func needsUpdate(
        key: String, firing: Set<UInt64>, resolved: Set<UInt64>, sendResolved: Bool, repeatInterval: Duration, now: Int64
    ) -> Bool {
        guard let entry = entries[key] else { return !firing.isEmpty }  // nothing said yet: only firing news
        if !firing.isSubset(of: entry.firing) { return true }
        // All resolved: said regardless of send_resolved, so the receiver's record is cleared, but
        // only when it had heard of firing alerts.
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved, !resolved.isSubset(of: entry.resolved) { return true }
        return entry.timestamp <= now - repeatInterval.inMilliseconds
    }

    /// Records what was handed to delivery.
    public mutating func record(key: String, firing: Set<UInt64>, resolved: Set<UInt64>, now: Int64) {
        entries[key] = Entry(firing: firing, resolved: resolved, timestamp: now)
    }

    /// Drops entries not renewed for `retention` (Alertmanager keeps its log 120 h).
    public mutating func prune(olderThan retention: Duration, now: Int64) {
        entries = entries.filter { $0.value.timestamp > now - retention.inMilliseconds }
    }
}
