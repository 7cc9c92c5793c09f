import SondeCore
import SondeRules
import Testing

@Suite("Alert state machine")
struct AlertingRuleStateTests {
    static let labels = Labels([Label("alertname", "HighCPU"), Label("instance", "a")])
    static func result(_ value: Double = 1) -> AlertingRuleState.Result {
        AlertingRuleState.Result(labels: labels, annotations: ["summary": "cpu \(Int(value))"], value: value)
    }

    @Test("pending, then firing once true for `for`; a false evaluation resets pending")
    func holdDuration() {
        var state = AlertingRuleState(holdMilliseconds: 120_000, keepFiringForMilliseconds: 0)
        #expect(state.advance([Self.result()], at: 0).map(\.alert.state) == [.pending])
        #expect(state.advance([Self.result()], at: 60_000).isEmpty)
        #expect(state.advance([], at: 90_000).isEmpty)    // reset: pending alerts resolve silently
        #expect(state.activeAlerts.isEmpty)
        _ = state.advance([Self.result()], at: 120_000)
        #expect(state.advance([Self.result()], at: 180_000).isEmpty)
        let fired = state.advance([Self.result(2)], at: 240_000)
        #expect(fired.count == 1)
        guard case .firing(let alert) = fired.first else {
            Issue.record("expected firing, got \(fired)")
            return
        }
        #expect(alert.activeAt == 120_000)
        #expect(alert.firedAt == 240_000)
        #expect(alert.annotations["summary"] == "cpu 2")
        // Still true: no second firing transition.
        #expect(state.advance([Self.result(3)], at: 300_000).isEmpty)
        let resolved = state.advance([], at: 360_000)
        guard case .resolved(let gone) = resolved.first else {
            Issue.record("expected resolved, got \(resolved)")
            return
        }
        #expect(gone.resolvedAt == 360_000)
        #expect(state.activeAlerts.isEmpty)
        // Resolved alerts are kept for 15 minutes, then forgotten.
        #expect(state.allAlerts.count == 1)
        _ = state.advance([], at: 360_000 + AlertingRuleState.resolvedRetention + 1)
        #expect(state.allAlerts.isEmpty)
    }

    @Test("`for: 0` fires at the first true evaluation without a pending step")
    func immediate() {
        var state = AlertingRuleState(holdMilliseconds: 0, keepFiringForMilliseconds: 0)
        let transitions = state.advance([Self.result()], at: 0)
        #expect(transitions.count == 1)
        #expect(transitions.first?.alert.state == .firing)
    }

    @Test("keep_firing_for holds a firing alert after its expression went false")
    func keepFiringFor() {
        var state = AlertingRuleState(holdMilliseconds: 0, keepFiringForMilliseconds: 120_000)
        _ = state.advance([Self.result()], at: 0)
        #expect(state.advance([], at: 60_000).isEmpty)
        #expect(state.activeAlerts.first?.state == .firing)
        #expect(state.advance([], at: 120_000).isEmpty)
        // True again: the hold restarts from the next false evaluation.
        _ = state.advance([Self.result()], at: 150_000)
        #expect(state.advance([], at: 200_000).isEmpty)
        #expect(state.advance([], at: 300_000).isEmpty)
        #expect(state.advance([], at: 320_000).first.map { if case .resolved = $0 { true } else { false } } == true)
    }

    @Test("a restored firing alert that already announced itself is not announced again")
    func restoredAlertIsNotAnnouncedTwice() {
        let restored = ActiveAlert(
            labels: Self.labels, annotations: [:], state: .firing, value: 1, activeAt: 0, firedAt: 60_000, firingAnnounced: true)
        var state = AlertingRuleState(holdMilliseconds: 60_000, keepFiringForMilliseconds: 0, alerts: [restored])
        #expect(state.advance([Self.result()], at: 600_000).isEmpty)
        #expect(state.activeAlerts.first?.activeAt == 0)
        // It still resolves, and says so.
        #expect(state.advance([], at: 660_000).count == 1)
    }
}
