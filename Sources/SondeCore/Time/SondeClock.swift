#if canImport(Glibc)
import Glibc
#endif

/// Where sonde reads the time: the wall clock for what carries a date (sample timestamps, the
/// collection grid, rule evaluation times, expiry of credentials) and the monotonic clock for what
/// measures a length of time (durations, timeouts, waits, backoffs).
///
/// Every part that needs time takes a clock instead of asking the system, so the agent runs on
/// `SystemClock` and a test on a clock it advances by hand: a test of the scheduler, of rule timing
/// or of a rotation wait then runs without sleeping. The two readings of one clock move together;
/// `sleep` waits on the monotonic reading, so a wall-clock step (NTP, a manual `date`) never
/// stretches or cuts a wait.
public protocol SondeClock: Sendable {
    /// The wall clock: the time since the Unix epoch.
    var wall: Duration { get }
    /// The monotonic clock: the time since an arbitrary origin, never going back.
    var monotonic: Duration { get }
    /// Waits for `duration` on the monotonic clock; throws `CancellationError` when the task is
    /// cancelled first.
    func sleep(for duration: Duration) async throws
}

extension SondeClock {
    /// The wall clock in milliseconds since the epoch, the store's unit of time.
    public var wallMilliseconds: Int64 { wall.inMilliseconds }

    /// The wall clock in seconds since the epoch.
    public var wallSeconds: Double { wall.inSeconds }

    /// The monotonic clock in seconds, for rates and durations.
    public var monotonicSeconds: Double { monotonic.inSeconds }

    /// Waits until the wall clock reads `milliseconds` (since the epoch), measured from now: a wait
    /// for the next instant of a grid. Returns at once when that time has passed.
    public func sleep(untilWallMilliseconds milliseconds: Int64) async throws {
        let delay = milliseconds - wallMilliseconds
        if delay > 0 {
            try await sleep(for: .milliseconds(delay))
        } else {
            try Task.checkCancellation()
        }
    }
}

/// The system's clocks: `CLOCK_REALTIME` and `CLOCK_MONOTONIC`.
public struct SystemClock: SondeClock {
    public init() {}

    public var wall: Duration { Self.read(CLOCK_REALTIME) }

    public var monotonic: Duration { Self.read(CLOCK_MONOTONIC) }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    private static func read(_ clock: clockid_t) -> Duration {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return .seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
    }
}
