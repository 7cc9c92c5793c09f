import SondeCore

/// One condition a process must meet to belong to a process group.
///
/// The `kind`'s raw value is the configuration key (`match: {cmdline: '…'}`). Regular expressions use
/// Swift's `Regex` syntax (a superset of RE2's common subset). `comm` and `exe` name a thing, so their
/// patterns must match the whole value (`nginx` is exact, `postgres|postmaster` either); `cmdline` is
/// text, so its pattern is searched for anywhere in it (as `pgrep -f` does; anchor with `^`/`$`).
public struct ProcessGroupRule: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The command name (`/proc/PID/comm`, at most 15 bytes), exact or a whole-value regex.
        case comm
        /// The executable's path (`readlink /proc/PID/exe`, with a ` (deleted)` suffix removed after an
        /// upgrade replaced the binary), a whole-value regex. Unreadable without privileges for other
        /// users' processes: such a process does not match.
        case exe
        /// The arguments joined by spaces, a regex searched anywhere.
        case cmdline
        /// The effective user: a name (looked up in `/etc/passwd` under the configured root) or a UID.
        case user
        /// The process whose PID is written in this file (read every scan).
        case pidfile
        /// The systemd service from `/proc/PID/cgroup`, e.g. `myapp.service` (`myapp` means the same).
        case systemdUnit = "systemd_unit"
        /// The agent's own process (`/proc/self`); the value is ignored.
        case currentProcess = "self"
    }

    public var kind: Kind
    public var value: String

    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    public static func comm(_ pattern: String) -> Self { Self(.comm, pattern) }
    public static func exe(_ pattern: String) -> Self { Self(.exe, pattern) }
    public static func cmdline(_ pattern: String) -> Self { Self(.cmdline, pattern) }
    public static func user(_ nameOrUID: String) -> Self { Self(.user, nameOrUID) }
    public static func uid(_ uid: UInt32) -> Self { Self(.user, String(uid)) }
    public static func pidfile(_ path: String) -> Self { Self(.pidfile, path) }
    public static func systemdUnit(_ unit: String) -> Self { Self(.systemdUnit, unit) }
    public static let currentProcess = Self(.currentProcess, "")

    public var description: String {
        kind == .currentProcess ? "self" : "\(kind.rawValue)=\"\(Labels.escape(value))\""
    }
}

/// A named set of processes reported together under the label `group`.
///
/// A process matches when ALL the rules match. The group is every matching process that has no
/// matching ancestor (the roots: a Gunicorn master, the postmaster, the nginx master) plus all
/// descendants of the roots by parent PID (the workers), whether or not those match; each process is
/// counted once.
public struct ProcessGroup: Sendable, Hashable {
    public var name: String
    public var rules: [ProcessGroupRule]

    public init(name: String, rules: [ProcessGroupRule]) {
        self.name = name
        self.rules = rules
    }

    /// Gunicorn: the master as renamed by setproctitle (`gunicorn: master [app]`) or, without
    /// setproctitle, an interpreter running `…/bin/gunicorn` or `-m gunicorn`.
    public static let gunicorn = ProcessGroup(name: "gunicorn", rules: [
        .cmdline(#"^gunicorn: master( |$)|^\S*python[0-9.]*( -[^m \x00]\S*)* (\S*bin/gunicorn|-m gunicorn)( |$)|^\S*bin/gunicorn( |$)"#),
    ])
    /// PostgreSQL: the postmaster, with every backend and auxiliary process as its workers.
    public static let postgres = ProcessGroup(name: "postgres", rules: [.comm("postgres|postmaster")])
    /// nginx: the master and its workers.
    public static let nginx = ProcessGroup(name: "nginx", rules: [.comm("nginx")])
    /// The agent itself.
    public static let sonde = ProcessGroup(name: "sonde", rules: [.currentProcess])

    /// The groups reported when the configuration names none.
    public static let defaults: [ProcessGroup] = [gunicorn, postgres, nginx, sonde]
}
