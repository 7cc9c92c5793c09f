import SondeCollectors

/// A collector with when to run it: its interval and how long a run may take, and the settings it
/// was built from, which tell on reload whether it changed.
public struct CollectorSchedule: Sendable {
    public var collector: any Collector
    /// What `collector` was built from.
    public var settings: any CollectorSettings
    public var interval: Duration
    public var timeout: Duration

    /// By default a run may take most of its interval, never more than 30 s.
    public init(collector: any Collector, settings: any CollectorSettings, interval: Duration, timeout: Duration? = nil) {
        self.collector = collector
        self.settings = settings
        self.interval = interval
        self.timeout = timeout ?? min(interval * 9 / 10, .seconds(30))
    }

    public var name: String { collector.name }

    /// Whether `other` runs the same collector the same way: same name, settings, interval and
    /// timeout. A reload restarts a collector exactly when this is false.
    public func runsLike(_ other: CollectorSchedule) -> Bool {
        name == other.name && interval == other.interval && timeout == other.timeout && settings.isEqual(to: other.settings)
    }

    /// The next instant on this collector's grid after `now`: wall clock rounded up to the interval,
    /// so samples of every collector with the same interval align and timestamps encode cheaply.
    /// Both in milliseconds since the epoch.
    public func nextInstant(after now: Int64) -> Int64 {
        let step = interval.inMilliseconds
        return (now / step + 1) * step
    }
}
