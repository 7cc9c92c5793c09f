/// What a collector is built from, as a value: its part of the configuration and where it reads
/// (paths, the data directory). On reload the agent builds the settings again from the new
/// configuration and restarts a collector exactly when they differ from the ones it runs with.
///
/// Each collector's `Settings` conforms; the conformance is all a new collector needs to be
/// compared on reload. Settings must not hold live resources (a socket, a connection): those
/// belong to the collector.
public protocol CollectorSettings: Sendable, Equatable {}

extension CollectorSettings {
    /// Whether `other` is settings of the same type with equal values. Settings of different
    /// collectors are never equal.
    public func isEqual(to other: any CollectorSettings) -> Bool {
        (other as? Self) == self
    }
}
