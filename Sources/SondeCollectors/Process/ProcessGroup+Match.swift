import SondeCore

/// What the rules look at. The collector loads each fact on first use and caches it per process, so
/// a process failing a cheap rule (`comm`) is never asked for an expensive one (`user` reads status).
protocol ProcessFacts {
    var pid: Int32 { get }
    var comm: String { get }
    mutating func cmdline() -> String?
    mutating func exe() -> String?
    mutating func effectiveUID() -> UInt32?
    mutating func systemdUnit() -> String?
}

/// Per-scan inputs of the rules that do not come from the process itself.
struct ProcessMatchContext: Sendable {
    /// The agent's PID as seen in the scanned procfs.
    var selfPID: Int32?
    /// PID read from each `pidfile` rule's file this scan (absent when unreadable).
    var pidfilePIDs: [String: Int32] = [:]
    /// `/etc/passwd` names, loaded when a rule names a user.
    var userIDs: [String: UInt32] = [:]
}

extension ProcessGroup {
    /// A group with its rules validated and its patterns compiled; built once from configuration.
    public struct Match: Sendable {
        public let group: ProcessGroup
        let comm: [RegexPattern]
        let exe: [RegexPattern]
        let cmdline: [RegexPattern]
        let users: [UserSpec]
        let pidfiles: [String]
        let units: [String]
        let currentProcess: Bool

        enum UserSpec: Sendable, Hashable {
            case uid(UInt32)
            case name(String)
        }

        /// Compiles the rules. Throws `SondeError` `.invalidArgument` whose message starts with the rule's
        /// key, e.g. `cmdline: invalid regular expression "(": …` (the configuration layer prefixes the
        /// key path), for an invalid or empty pattern, an empty value, or a group without name or rules.
        public init(_ group: ProcessGroup) throws(SondeError) {
            guard !group.name.isEmpty else { throw SondeError(.invalidArgument, "name: a process group needs a name") }
            guard !group.rules.isEmpty else {
                throw SondeError(.invalidArgument, "match: process group \"\(group.name)\" has no rules (it would match every process)")
            }
            self.group = group
            var comm: [RegexPattern] = [], exe: [RegexPattern] = [], cmdline: [RegexPattern] = []
            var users: [UserSpec] = [], pidfiles: [String] = [], units: [String] = []
            var currentProcess = false
            for rule in group.rules {
                let key = rule.kind.rawValue
                if rule.kind != .currentProcess, rule.value.isEmpty {
                    throw SondeError(.invalidArgument, "\(key): empty value")
                }
                switch rule.kind {
                case .comm: comm.append(try RegexPattern(rule.value, anchoring: .wholeText, key: key))
                case .exe: exe.append(try RegexPattern(rule.value, anchoring: .wholeText, key: key))
                case .cmdline: cmdline.append(try RegexPattern(rule.value, anchoring: .anywhere, key: key))
                case .user: users.append(UInt32(rule.value).map(UserSpec.uid) ?? .name(rule.value))
                case .pidfile: pidfiles.append(rule.value)
                case .systemdUnit: units.append(rule.value.contains(".") ? rule.value : rule.value + ".service")
                case .currentProcess: currentProcess = true
                }
            }
            self.comm = comm
            self.exe = exe
            self.cmdline = cmdline
            self.users = users
            self.pidfiles = pidfiles
            self.units = units
            self.currentProcess = currentProcess
        }

        /// Whether some rule names a user that must be looked up in `/etc/passwd`.
        var needsUserNames: Bool { users.contains { if case .name = $0 { true } else { false } } }

        /// The rules whose inputs change from scan to scan (pidfile contents, the agent's PID). Cheap.
        func matchesPerScan(pid: Int32, context: ProcessMatchContext) -> Bool {
            if currentProcess, pid != context.selfPID { return false }
            for path in pidfiles where context.pidfilePIDs[path] != pid { return false }
            return true
        }

        /// The rules on the process's own facts, which the collector caches per process, cheapest first.
        func matchesProcess<Facts: ProcessFacts>(_ facts: inout Facts, context: ProcessMatchContext) -> Bool {
            for pattern in comm where !pattern.matches(facts.comm) { return false }
            if !cmdline.isEmpty {
                let text = facts.cmdline() ?? ""
                for pattern in cmdline where !pattern.matches(text) { return false }
            }
            if !exe.isEmpty {
                guard let path = facts.exe() else { return false }
                for pattern in exe where !pattern.matches(path) { return false }
            }
            if !units.isEmpty {
                guard let unit = facts.systemdUnit() else { return false }
                for wanted in units where wanted != unit { return false }
            }
            if !users.isEmpty {
                guard let uid = facts.effectiveUID() else { return false }
                for user in users {
                    switch user {
                    case .uid(let wanted): if uid != wanted { return false }
                    case .name(let name): if context.userIDs[name] != uid { return false }
                    }
                }
            }
            return true
        }

        func matches<Facts: ProcessFacts>(_ facts: inout Facts, context: ProcessMatchContext) -> Bool {
            matchesPerScan(pid: facts.pid, context: context) && matchesProcess(&facts, context: context)
        }
    }
}
