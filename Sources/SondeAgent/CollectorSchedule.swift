import SondeCollectors

/// A collector with when to run it: its interval and how long a run may take.
public struct CollectorSchedule: Sendable {
    public var collector: any Collector
    public var interval: Duration
    public var timeout: Duration
    /// What the collector was built from, to tell on reload whether it changed.
    public var fingerprint: String

    public init(collector: any Collector, interval: Duration, timeout: Duration? = nil, fingerprint: String) {
        self.collector = collector
        self.interval = interval
        // By default a run may take most of its interval, never more than 30 s.
        self.timeout = timeout ?? min(interval * 9 / 10, .seconds(30))
        self.fingerprint = fingerprint
    }

    public var name: String { collector.name }

    /// The next instant on this collector's grid after `now`: wall clock rounded up to the interval,
    /// so samples of every collector with the same interval align and timestamps encode cheaply.
    public func nextInstant(after now: Int64) -> Int64 {
        let step = interval.inMilliseconds
        return (now / step + 1) * step
    }
}
