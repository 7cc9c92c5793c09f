import SondeTestSupport
import Synchronization
import Testing

/// Tests carrying `.exclusiveMachineUse` never overlap, even in a suite that runs in parallel.
@Suite("Test support: exclusive machine use", .exclusiveMachineUse)
struct ExclusiveMachineUseTests {
    static let inside = Atomic<Int>(0)

    @Test("one test at a time holds the machine", arguments: 0..<6)
    func oneAtATime(_ index: Int) async throws {
        let before = Self.inside.add(1, ordering: .sequentiallyConsistent).newValue
        try await Task.sleep(for: .milliseconds(30))
        let after = Self.inside.subtract(1, ordering: .sequentiallyConsistent).oldValue
        #expect(before == 1 && after == 1, "test \(index) shared the machine")
    }
}
