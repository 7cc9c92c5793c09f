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
        let comm: [ProcessPattern]
        let exe: [ProcessPattern]
        let cmdline: [ProcessPattern]
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
            var comm: [ProcessPattern] = [], exe: [ProcessPattern] = [], cmdline: [ProcessPattern] = []
            var users: [UserSpec] = [], pidfiles: [String] = [], units: [String] = []
            var currentProcess = false
            for rule in group.rules {
                let key = rule.kind.rawValue
                if rule.kind != .currentProcess, rule.value.isEmpty {
                    throw SondeError(.invalidArgument, "\(key): empty value")
                }
                switch rule.kind {
                case .comm: comm.append(try ProcessPattern(rule.value, whole: true, key: key))
                case .exe: exe.append(try ProcessPattern(rule.value, whole: true, key: key))
                case .cmdline: cmdline.append(try ProcessPattern(rule.value, whole: false, key: key))
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

/// A compiled pattern: literal alternatives (`nginx`, `gunicorn: master|bin/gunicorn`) are compared as
/// bytes, anything else goes to Swift's `Regex`.
///
/// `Regex<AnyRegexOutput>` is not `Sendable` (it holds a lazily built program), but this wrapper never
/// mutates or exposes it after `init`, matches once in `init` so the program exists before sharing, and
/// matching one `Regex` from several threads is safe; hence `@unchecked Sendable`, as `LabelMatcher`'s
/// pattern in SondeCore.
final class ProcessPattern: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>?
    private let literals: [[UInt8]]
    /// Whole-value match (comm, exe) rather than search (cmdline).
    private let whole: Bool

    init(_ pattern: String, whole: Bool, key: String) throws(SondeError) {
        self.whole = whole
        if let literals = ProcessPattern.literalAlternatives(pattern) {
            self.literals = literals
            self.regex = nil
            return
        }
        do {
            let regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
            _ = try? regex.firstMatch(in: "")
            self.regex = regex
            self.literals = []
        } catch {
            throw SondeError(.invalidArgument, "\(key): invalid regular expression \"\(Labels.escape(pattern))\": \(error)")
        }
    }

    func matches(_ text: String) -> Bool {
        if let regex {
            if whole { return ((try? regex.wholeMatch(in: text)) ?? nil) != nil }
            return ((try? regex.firstMatch(in: text)) ?? nil) != nil
        }
        let bytes = Array(text.utf8)
        for literal in literals {
            if whole ? bytes == literal : ProcessPattern.contains(bytes, literal) { return true }
        }
        return false
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        var start = 0
        while start <= haystack.count - needle.count {
            if haystack[start] == first {
                var index = 1
                while index < needle.count, haystack[start + index] == needle[index] { index += 1 }
                if index == needle.count { return true }
            }
            start += 1
        }
        return false
    }

    /// `abc` → ["abc"], `a|b c` → ["a", "b c"]; nil when the pattern has a regex metacharacter or an
    /// empty alternative.
    static func literalAlternatives(_ pattern: String) -> [[UInt8]]? {
        for byte in pattern.utf8 {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "."), UInt8(ascii: "?"),
                UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
                UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"):
                return nil
            default:
                continue
            }
        }
        let parts = pattern.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false).map(Array.init)
        return parts.contains(where: \.isEmpty) ? nil : parts
    }
}
