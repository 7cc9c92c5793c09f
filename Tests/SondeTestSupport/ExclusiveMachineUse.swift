import Testing

/// For tests that drive real processes, sockets or servers (PostgreSQL, Gunicorn, logrotate, moto,
/// the `sonde` binary, a SIGKILLed writer) or that measure the machine: such a test runs alone among
/// the tests carrying this trait, while pure tests keep running in parallel beside it. On two cores,
/// several of them at once starve each other's timers and readiness waits.
///
/// All test targets run in one test process, so the one lock here serializes them across targets.
/// On a suite it applies to each of its tests (not to the suite as a whole, which would deadlock
/// against its own tests); add `.serialized` as well when the suite's tests share state.
public struct ExclusiveMachineUseTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// One scope per test case: the suite itself and a test function around its cases get none.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await MachineLock.shared.acquire()
        do {
            try await function()
        } catch {
            await MachineLock.shared.release()
            throw error
        }
        await MachineLock.shared.release()
    }
}

extension Trait where Self == ExclusiveMachineUseTrait {
    /// Runs the test alone among tests that drive real processes, sockets and servers.
    public static var exclusiveMachineUse: Self { ExclusiveMachineUseTrait() }
}

/// A first-come, first-served async lock: waiting suspends the task instead of blocking a thread,
/// so the waiting tests do not take the cooperative pool's few threads away from the running one.
actor MachineLock {
    static let shared = MachineLock()

    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Hands the lock to the longest waiter, or frees it.
    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
