import SondeCore
import Synchronization

/// A clock that moves only when a test advances it, so tests of timing (the scheduler, rule
/// groups, waits and timeouts) run without sleeping and can run in parallel.
///
/// Wall and monotonic readings move together. A `sleep` registers a sleeper that resumes once the
/// clock has been advanced to or past its deadline, or throws `CancellationError` when its task is
/// cancelled. It does not drive the code under test by itself: a test advances it, then waits for
/// what it expects (`advance(by:until:)` does both in small steps).
public final class TestClock: SondeClock, Sendable {
    private struct Sleeper {
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var wall: Duration
        var monotonic: Duration = .zero
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        /// Sleepers cancelled before they were registered.
        var cancelledEarly: Set<Int> = []
    }

    private let state: Mutex<State>

    /// - Parameter wallMilliseconds: where the wall clock starts, in milliseconds since the epoch.
    public init(wallMilliseconds: Int64 = 1_800_000_000_000) {
        state = Mutex(State(wall: .milliseconds(wallMilliseconds)))
    }

    public var wall: Duration { state.withLock { $0.wall } }

    public var monotonic: Duration { state.withLock { $0.monotonic } }

    /// How many sleeps are waiting now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(for duration: Duration) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelledEarly.remove(id) != nil { return .failure(CancellationError()) }
                    if duration <= .zero { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: state.monotonic + duration, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelledEarly.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves both readings forward by `duration` and resumes every sleeper whose deadline is reached.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.wall += duration
            state.monotonic += duration
            let now = state.monotonic
            let ready = state.sleepers.filter { $0.value.deadline <= now }
            for id in ready.keys { state.sleepers.removeValue(forKey: id) }
            return ready.sorted { $0.value.deadline < $1.value.deadline }.map(\.value)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Advances the clock by `step` at a time, giving the code under test a moment of real time
    /// after each step, until `condition` holds; returns false if it still does not hold after
    /// `maxSteps` steps. Waiting on an outcome, not on a count of timers, keeps a test independent
    /// of how many sleeps the code makes on the way.
    @discardableResult
    public func advance(by step: Duration, until condition: () throws -> Bool, maxSteps: Int = 10_000) async rethrows -> Bool {
        for _ in 0..<maxSteps {
            if try condition() { return true }
            // Let the woken tasks run (on other threads too) before the clock moves again.
            try? await Task.sleep(for: .milliseconds(1))
            advance(by: step)
        }
        return try condition()
    }

    /// Waits (in real time, up to `seconds`) until at least `count` sleeps are waiting.
    @discardableResult
    public func waitForSleepers(atLeast count: Int, seconds: Double = 20) async -> Bool {
        let attempts = Int(seconds * 1000)
        for _ in 0..<attempts {
            if sleeperCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return sleeperCount >= count
    }
}
