/// What systemd says about one unit, read over D-Bus from `org.freedesktop.systemd1.Unit` and, for
/// services, `org.freedesktop.systemd1.Service`.
///
/// Optional fields are nil when systemd does not have the property (old versions: `NRestarts`
/// appeared in systemd 235) or when the unit is not of a type that has it.
public struct SystemdUnitStatus: Sendable, Equatable {
    /// `LoadState`: loaded, not-found, bad-setting, error, masked.
    public var loadState: String
    /// `ActiveState`: active, reloading, inactive, failed, activating, deactivating (and, in newer
    /// systemd, maintenance, refreshing).
    public var activeState: String
    /// `SubState`: type-specific (running, exited, dead, auto-restart, …).
    public var subState: String
    /// `ControlGroup`, relative to the cgroup v2 root (`/system.slice/nginx.service`); empty when the
    /// unit has no cgroup now (inactive); nil when not asked (unit types without a cgroup, not-found).
    public var controlGroup: String?
    /// The `org.freedesktop.systemd1.Service` properties; nil for other unit types.
    public var service: SystemdServiceStatus?

    public init(
        loadState: String, activeState: String, subState: String, controlGroup: String? = nil,
        service: SystemdServiceStatus? = nil
    ) {
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.controlGroup = controlGroup
        self.service = service
    }
}

/// The `org.freedesktop.systemd1.Service` properties the collector exports.
public struct SystemdServiceStatus: Sendable, Equatable {
    /// `NRestarts` (u): automatic restarts since the unit was last started by hand.
    public var restarts: UInt32?
    /// `Result` (s): success, exit-code, signal, core-dump, timeout, watchdog, start-limit-hit, …
    public var result: String?
    /// `ExecMainStatus` (i): exit code (or signal number) of the last main process exit.
    public var execMainStatus: Int32?
    /// `MainPID` (u): 0 when no main process runs.
    public var mainPID: UInt32?

    public init(restarts: UInt32? = nil, result: String? = nil, execMainStatus: Int32? = nil, mainPID: UInt32? = nil) {
        self.restarts = restarts
        self.result = result
        self.execMainStatus = execMainStatus
        self.mainPID = mainPID
    }
}

/// A failed bus operation. `connectionLost` makes the collector drop the connection and reopen it;
/// `callFailed` is about one unit and leaves the connection alone.
public struct SystemdBusError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No system bus, no systemd on it, or the connection broke (dbus restarted, a call timed out).
        case connectionLost
        /// One call failed with the connection intact (access denied, say).
        case callFailed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Opens connections to systemd's manager on the system bus. The default is `SDBusProvider`
/// (libsystemd's sd-bus); tests pass a fake.
public protocol SystemdBusProvider: Sendable {
    /// A connected bus with systemd on it, or `SystemdBusError` (`connectionLost`) when there is none.
    func open() throws(SystemdBusError) -> any SystemdBusConnection
}

/// One open connection. The collector uses it from one task at a time, under its lock, so
/// implementations need not be thread-safe themselves.
public protocol SystemdBusConnection: AnyObject, Sendable {
    /// The manager's `Version` property, for the log line when the collector connects.
    var systemdVersion: String { get }
    /// The properties of `unit` (a full name such as `nginx.service`). A unit that does not exist is
    /// not an error: systemd answers with `LoadState` "not-found".
    func unitStatus(_ unit: String) throws(SystemdBusError) -> SystemdUnitStatus
}

/// When to try the system bus: right away the first time and after a lost connection, then at most
/// once per `recheckInterval` while it stays unavailable (a host that starts sonde before dbus).
/// A pure state machine; the collector feeds it the instants.
struct SystemdBusSchedule: Sendable {
    static let recheckInterval: Duration = .seconds(300)

    private(set) var lastFailedOpen: ContinuousClock.Instant?
    /// Whether this spell of unavailability has been logged; later failures log at debug level only.
    private(set) var reportedUnavailable = false

    /// Whether a collection at `now` without a connection should try to open one.
    func shouldOpen(at now: ContinuousClock.Instant) -> Bool {
        guard let lastFailedOpen else { return true }
        return lastFailedOpen.duration(to: now) >= Self.recheckInterval
    }

    /// Records a failed open; true for the first failure since start or since the last successful
    /// open (the one worth an info line).
    mutating func openFailed(at now: ContinuousClock.Instant) -> Bool {
        lastFailedOpen = now
        defer { reportedUnavailable = true }
        return !reportedUnavailable
    }

    /// Records a successful open; a later loss of the connection is retried at once, and the next
    /// unavailability is logged again.
    mutating func opened() {
        lastFailedOpen = nil
        reportedUnavailable = false
    }

    /// Records a lost connection: the next collection reopens at once; if that fails, the normal
    /// recheck interval applies.
    mutating func connectionLost() {
        lastFailedOpen = nil
    }
}
