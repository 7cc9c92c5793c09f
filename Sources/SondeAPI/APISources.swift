import SondeCore
import SondeNotify
import SondeRules
import SondeStore

/// What the API reads: the store, the rules' and notifications' state, the agent's status board,
/// and what it says about itself. The agent fills it in; tests make one around a store of their own.
public struct APISources: Sendable {
    public var store: Store
    /// The rule groups as their last rounds left them.
    public var ruleGroups: @Sendable () -> [RuleGroupSnapshot]
    /// Alertmanager's side; nil without `notify:` (the Alertmanager routes then answer from the silences alone).
    public var notify: NotifyService?
    public var silences: SilenceFile
    public var board: AgentStatusBoard
    public var startedAt: Int64
    public var clock: any SondeClock

    public init(
        store: Store, ruleGroups: @escaping @Sendable () -> [RuleGroupSnapshot] = { [] }, notify: NotifyService? = nil, silences: SilenceFile,
        board: AgentStatusBoard = AgentStatusBoard(), clock: any SondeClock
    ) {
        self.store = store
        self.ruleGroups = ruleGroups
        self.notify = notify
        self.silences = silences
        self.board = board
        self.startedAt = clock.wallMilliseconds
        self.clock = clock
    }
}

/// The version this build reports (`/api/v1/status/buildinfo`, `sonde_build_info`).
public enum SondeBuild {
    public static let version = "0.14.0"
    /// The Prometheus version whose API and language sonde follows; Grafana reads it to pick features.
    public static let prometheusVersion = "2.42.0"
}
