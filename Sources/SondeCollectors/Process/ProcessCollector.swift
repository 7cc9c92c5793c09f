#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import SondeCore
import Synchronization

/// Reports CPU, memory, file descriptors, I/O, age, worker count and restarts of named process groups
/// (Gunicorn, PostgreSQL, nginx, the agent itself, or any configured set), read from procfs.
///
/// Each scan lists `procPath`, reads `/proc/PID/stat` of every process (parent PID and command name)
/// and, only for processes that pass the cheap rules, what the other rules need: `cmdline`, `exe`,
/// `status` (user) and `cgroup`. Those facts and the rules' verdict are cached per PID and start time
/// (a new command name, i.e. an `exec`, invalidates them) and re-read after the process's age, at
/// least 1 s and at most `refreshInterval` (spread by PID), so a young process that renames itself
/// (setproctitle) is re-examined soon and a settled one rarely; a uid change without `exec` is seen
/// within `refreshInterval`. Group members also cost `fd/`, `io` and (cached) `limits`.
///
/// Zombies (exited, not yet reaped) are not counted. Labels: `group` on every series, `mode` on
/// `sonde_process_cpu_seconds_total`. A group with no process still reports `sonde_process_count 0`,
/// `sonde_process_worker_count 0` and its counters, so "is it down" alerts work; its gauges (memory,
/// threads, fds, age, CPU percent) are absent then.
/// It does not look at threads individually, at processes outside groups, or at containers' PID
/// namespaces beyond what the procfs at `procPath` shows.
public final class ProcessCollector: Collector {
    public let name = "process"

    /// The groups to watch and the procfs to scan them in.
    public struct Settings: CollectorSettings {
        public var groups: [ProcessGroup]
        public var procPath: String

        public init(groups: [ProcessGroup], procPath: String = "/proc") {
            self.groups = groups
            self.procPath = procPath
        }

        /// `collectors.process`: its groups, or the embedded defaults when it names none.
        public init(_ config: ProcessCollectorConfig, procPath: String = "/proc") {
            let groups = config.groups.isEmpty ? ProcessGroup.defaults : config.groups.map(Self.group)
            self.init(groups: groups, procPath: procPath)
        }

        static func group(_ config: ProcessGroupConfig) -> ProcessGroup {
            var rules: [ProcessGroupRule] = []
            if let comm = config.comm { rules.append(ProcessGroupRule(.comm, comm)) }
            if let exe = config.exe { rules.append(ProcessGroupRule(.exe, exe)) }
            if let cmdline = config.cmdline { rules.append(ProcessGroupRule(.cmdline, cmdline)) }
            if let user = config.user { rules.append(ProcessGroupRule(.user, user)) }
            if let pidfile = config.pidfile { rules.append(ProcessGroupRule(.pidfile, pidfile)) }
            if let unit = config.systemdUnit { rules.append(ProcessGroupRule(.systemdUnit, unit)) }
            return ProcessGroup(name: config.name, rules: rules)
        }
    }

    public let groups: [ProcessGroup.Match]
    let procPath: String
    let etcPath: String
    let refreshInterval: Double
    let clock: any SondeClock
    let logger: Logger
    let ticksPerSecond: Double
    let pageSize: UInt64
    private let state: Mutex<ScanState>

    /// `procPath` is the procfs to scan (tests point it at a fixture tree); user names are looked up in
    /// `etcPath/passwd`. `refreshInterval` bounds how long cached process facts are trusted.
    public init(
        matches: [ProcessGroup.Match], procPath: String = "/proc", etcPath: String = "/etc",
        refreshInterval: Duration = .seconds(30), clock: any SondeClock = SystemClock(), logger: Logger = Logger(label: "sonde.collector.process")
    ) {
        self.groups = matches
        self.clock = clock
        self.procPath = procPath
        self.etcPath = etcPath
        let components = refreshInterval.components
        self.refreshInterval = max(1, Double(components.seconds) + Double(components.attoseconds) / 1e18)
        self.logger = logger
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        self.ticksPerSecond = ticks > 0 ? Double(ticks) : 100
        let page = sysconf(Int32(_SC_PAGESIZE))
        self.pageSize = page > 0 ? UInt64(page) : 4096
        self.state = Mutex(ScanState(groupCount: matches.count))
    }

    /// Compiles `groups` (see `ProcessGroup.Match.init`); also rejects two groups with the same name.
    public convenience init(
        groups: [ProcessGroup], procPath: String = "/proc", etcPath: String = "/etc",
        refreshInterval: Duration = .seconds(30), clock: any SondeClock = SystemClock(), logger: Logger = Logger(label: "sonde.collector.process")
    ) throws(SondeError) {
        var matches: [ProcessGroup.Match] = []
        var names: Set<String> = []
        for group in groups {
            guard names.insert(group.name).inserted else {
                throw SondeError(.invalidArgument, "name: process group \"\(group.name)\" is defined twice")
            }
            matches.append(try ProcessGroup.Match(group))
        }
        self.init(matches: matches, procPath: procPath, etcPath: etcPath, refreshInterval: refreshInterval, clock: clock, logger: logger)
    }

    /// Compiles the groups of `settings` (see `init(groups:)`).
    public convenience init(settings: Settings, clock: any SondeClock = SystemClock(), logger: Logger = Logger(label: "sonde.collector.process")) throws(SondeError) {
        try self.init(groups: settings.groups, procPath: settings.procPath, clock: clock, logger: logger)
    }

    public func collect(into batch: inout MetricBatch) async throws {
        let reports = try state.withLock { state throws -> [GroupReport] in try scan(&state) }
        for (match, report) in zip(groups, reports) {
            let group = [("group", match.group.name)]
            let snapshot = report.snapshot
            batch.add("sonde_process_count", Double(snapshot.count), group)
            batch.add("sonde_process_worker_count", Double(snapshot.workers), group)
            batch.add("sonde_process_cpu_seconds_total", snapshot.userSeconds, group + [("mode", "user")])
            batch.add("sonde_process_cpu_seconds_total", snapshot.systemSeconds, group + [("mode", "system")])
            batch.add("sonde_process_restarts_total", Double(snapshot.restarts), group)
            if let read = snapshot.readBytes { batch.add("sonde_process_read_bytes_total", Double(read), group) }
            if let written = snapshot.writtenBytes {
                batch.add("sonde_process_written_bytes_total", Double(written), group)
            }
            guard snapshot.count > 0 else { continue }
            batch.add("sonde_process_threads", Double(snapshot.threads), group)
            batch.add("sonde_process_resident_memory_bytes", Double(snapshot.residentBytes), group)
            batch.add("sonde_process_virtual_memory_bytes", Double(snapshot.virtualBytes), group)
            if let percent = snapshot.cpuPercent { batch.add("sonde_process_cpu_percent", percent, group) }
            if let fds = snapshot.openFDs { batch.add("sonde_process_open_fds", Double(fds), group) }
            if let ratio = snapshot.fdLimitRatio { batch.add("sonde_process_fd_limit_ratio", ratio, group) }
            if let age = report.oldestAgeSeconds { batch.add("sonde_process_oldest_age_seconds", age, group) }
        }
    }

    // MARK: - Scanning

    struct GroupReport {
        var snapshot: ProcessGroupSnapshot
        var oldestAgeSeconds: Double?
    }

    struct ScanState: ~Copyable {
        var cache: [Int32: CachedProcess] = [:]
        var trackers: [ProcessGroupTracker]
        var bootTime: Double?
        var onProcfs: Bool?

        init(groupCount: Int) {
            trackers = Array(repeating: ProcessGroupTracker(), count: groupCount)
        }
    }

    /// Per-scan scratch space: one read buffer and one path buffer for every file of the scan.
    struct Scratch {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var paths: ProcPathBuilder
        var onProcfs: Bool
    }

    func scan(_ state: inout ScanState) throws -> [GroupReport] {
        let monotonic = clock.monotonicSeconds
        let now = clock.wallSeconds
        guard let pids = ProcFS.listPIDs(procPath) else {
            throw SondeError(.io, "cannot list \(procPath): \(String(cString: strerror(errno)))")
        }
        if state.bootTime == nil {
            state.bootTime = ProcFS.readText(procPath + "/stat").flatMap { try? parseBootTime($0) }.map(Double.init)
            if state.bootTime == nil { logger.debug("no btime in \(procPath)/stat; process ages are not reported") }
        }
        if state.onProcfs == nil { state.onProcfs = ProcFS.isProcfs(procPath) }
        var scratch = Scratch(paths: ProcPathBuilder(root: procPath), onProcfs: state.onProcfs ?? false)
        let context = makeContext()

        var stats: [Int32: ProcStat] = [:]
        stats.reserveCapacity(pids.count)
        var matched = [[Int32]](repeating: [], count: groups.count)
        for (index, pid) in pids.enumerated() {
            if index & 63 == 0 { try Task.checkCancellation() }
            let length = scratch.paths.withPath(pid, "stat") { ProcFS.readFile($0, into: &scratch.buffer) } ?? nil
            guard let length,
                let stat = try? scratch.buffer.withUnsafeBytes({ raw throws(SondeError) in
                    try parseProcStat(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<length]))
                })
            else { continue }  // exited since the listing
            // A zombie has exited: its command line is gone and it must not keep a group up.
            if stat.state == UInt8(ascii: "Z") || stat.state == UInt8(ascii: "X") { continue }
            stats[pid] = stat

            var entry: CachedProcess
            var changed = false
            if let cached = state.cache[pid], cached.startTime == stat.startTime, cached.comm == stat.comm,
                cached.refreshAt > monotonic {
                entry = cached
            } else {
                var age = refreshInterval
                if let bootTime = state.bootTime {
                    age = now - (bootTime + Double(stat.startTime) / ticksPerSecond)
                }
                // Trust the facts for as long as the process has lived (a young one may still rename
                // itself), spread over 50–100 % by PID so settled processes do not all expire at once.
                let spread = 0.5 + Double(pid % 101) / 200
                entry = CachedProcess(
                    startTime: stat.startTime, comm: stat.comm,
                    refreshAt: monotonic + min(refreshInterval, max(1, age)) * spread, groupCount: groups.count)
                changed = true
            }
            for (groupIndex, match) in groups.enumerated() where match.matchesPerScan(pid: pid, context: context) {
                let verdict: Bool
                if let cached = entry.verdicts[groupIndex] {
                    verdict = cached
                } else {
                    var facts = CachedFacts(pid: pid, base: procPath + "/" + String(pid) + "/", entry: entry)
                    verdict = match.matchesProcess(&facts, context: context)
                    entry = facts.entry
                    entry.verdicts[groupIndex] = verdict
                    changed = true
                }
                if verdict { matched[groupIndex].append(pid) }
            }
            if changed { state.cache[pid] = entry }
        }
        if state.cache.count > stats.count {
            state.cache = state.cache.filter { stats[$0.key] != nil }
        }

        var children: [Int32: [Int32]] = [:]
        if matched.contains(where: { !$0.isEmpty }) {
            for (pid, stat) in stats { children[stat.ppid, default: []].append(pid) }
        }
        var samples: [Int32: ProcessSample] = [:]
        var reports: [GroupReport] = []
        reports.reserveCapacity(groups.count)
        for groupIndex in groups.indices {
            let (rootPIDs, memberPIDs) = Self.tree(matched: matched[groupIndex], stats: stats, children: children)
            var members: [ProcessSample] = []
            members.reserveCapacity(memberPIDs.count)
            for pid in memberPIDs {
                if let known = samples[pid] {
                    members.append(known)
                } else if let stat = stats[pid] {
                    let sample = self.sample(stat, &state, &scratch)
                    samples[pid] = sample
                    members.append(sample)
                }
            }
            var roots: Set<ProcessKey> = []
            for pid in rootPIDs { if let stat = stats[pid] { roots.insert(ProcessKey(pid: pid, startTime: stat.startTime)) } }
            let snapshot = state.trackers[groupIndex].observe(
                members: members, roots: roots, monotonicSeconds: monotonic, ticksPerSecond: ticksPerSecond)
            var age: Double?
            if let bootTime = state.bootTime, let oldest = snapshot.oldestStartTicks {
                age = max(0, now - (bootTime + Double(oldest) / ticksPerSecond))
            }
            reports.append(GroupReport(snapshot: snapshot, oldestAgeSeconds: age))
        }
        logger.trace("process scan", metadata: ["process.count": "\(stats.count)"])
        return reports
    }

    /// The roots (matching processes with no matching ancestor) and every member (roots and all their
    /// descendants, each once).
    static func tree(
        matched: [Int32], stats: [Int32: ProcStat], children: [Int32: [Int32]]
    ) -> (roots: [Int32], members: [Int32]) {
        guard !matched.isEmpty else { return ([], []) }
        let matchedSet = Set(matched)
        var roots: [Int32] = []
        for pid in matched {
            var ancestor = stats[pid]?.ppid
            var depth = 0
            var isRoot = true
            while let parent = ancestor, parent > 0, depth < 4096 {
                if matchedSet.contains(parent) {
                    isRoot = false
                    break
                }
                ancestor = stats[parent]?.ppid
                depth += 1
            }
            if isRoot { roots.append(pid) }
        }
        var members: [Int32] = []
        var visited: Set<Int32> = []
        var stack = roots
        while let pid = stack.popLast() {
            guard visited.insert(pid).inserted else { continue }
            members.append(pid)
            if let kids = children[pid] { stack.append(contentsOf: kids) }
        }
        return (roots, members)
    }

    private func sample(_ stat: ProcStat, _ state: inout ScanState, _ scratch: inout Scratch) -> ProcessSample {
        let pid = stat.pid
        var io: ProcIO?
        if let length = scratch.paths.withPath(pid, "io", { ProcFS.readFile($0, into: &scratch.buffer) }) ?? nil {
            io = try? parseIO(String(decoding: scratch.buffer[0..<length], as: UTF8.self))
        }
        var fdLimit: UInt64?
        if let entry = state.cache[pid], case .known(let limit) = entry.fdLimit {
            fdLimit = limit
        } else {
            fdLimit = ProcFS.readText(procPath + "/" + String(pid) + "/limits").flatMap { try? parseLimits($0) }?.openFiles?.soft
            state.cache[pid]?.fdLimit = .known(fdLimit)
        }
        let onProcfs = scratch.onProcfs
        let fds = scratch.paths.withPath(pid, "fd") { ProcFS.countDescriptors($0, onProcfs: onProcfs) } ?? nil
        return ProcessSample(
            key: ProcessKey(pid: pid, startTime: stat.startTime), utime: stat.utime, stime: stat.stime,
            threads: stat.threads, residentBytes: stat.residentPages &* pageSize,
            virtualBytes: stat.virtualMemoryBytes, openFDs: fds, fdLimit: fdLimit,
            readBytes: io?.readBytes, writtenBytes: io?.writtenBytes)
    }

    private func makeContext() -> ProcessMatchContext {
        var context = ProcessMatchContext()
        if groups.contains(where: \.currentProcess) {
            context.selfPID = ProcFS.readLink(procPath + "/self").flatMap { Int32($0) }
        }
        for path in Set(groups.flatMap(\.pidfiles)) {
            if let text = ProcFS.readText(path),
                let pid = Int32(text.split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" }).first ?? "") {
                context.pidfilePIDs[path] = pid
            }
        }
        if groups.contains(where: \.needsUserNames) {
            context.userIDs = ProcFS.readText(etcPath + "/passwd").map(parsePasswd) ?? [:]
        }
        return context
    }
}

/// A fact not read yet, or read (nil when unreadable).
enum LazyFact<Value: Sendable>: Sendable {
    case unknown
    case known(Value?)
}

/// What the collector remembers about one process between scans.
struct CachedProcess: Sendable {
    var startTime: UInt64
    var comm: String
    var refreshAt: Double
    var cmdline: LazyFact<String> = .unknown
    var exe: LazyFact<String> = .unknown
    var uid: LazyFact<UInt32> = .unknown
    var unit: LazyFact<String> = .unknown
    var fdLimit: LazyFact<UInt64> = .unknown
    /// Per group, the verdict of the rules on the process's own facts.
    var verdicts: [Bool?]

    init(startTime: UInt64, comm: String, refreshAt: Double, groupCount: Int) {
        self.startTime = startTime
        self.comm = comm
        self.refreshAt = refreshAt
        self.verdicts = Array(repeating: nil, count: groupCount)
    }
}

/// Loads a process's facts on demand from `/proc/PID/…` into its cache entry.
struct CachedFacts: ProcessFacts {
    let pid: Int32
    let base: String
    var entry: CachedProcess

    var comm: String { entry.comm }

    mutating func cmdline() -> String? {
        if case .known(let value) = entry.cmdline { return value }
        var buffer: [UInt8] = []
        let value = ProcFS.readFile(base + "cmdline", into: &buffer).map { parseCmdline(buffer[0..<$0]) }
        entry.cmdline = .known(value)
        return value
    }

    mutating func exe() -> String? {
        if case .known(let value) = entry.exe { return value }
        var value = ProcFS.readLink(base + "exe")
        if let path = value, path.hasSuffix(" (deleted)") { value = String(path.dropLast(10)) }
        entry.exe = .known(value)
        return value
    }

    mutating func effectiveUID() -> UInt32? {
        if case .known(let value) = entry.uid { return value }
        var buffer: [UInt8] = []
        let value = ProcFS.readFile(base + "status", into: &buffer).flatMap { parseStatusEffectiveUID(buffer[0..<$0]) }
        entry.uid = .known(value)
        return value
    }

    mutating func systemdUnit() -> String? {
        if case .known(let value) = entry.unit { return value }
        let value = ProcFS.readText(base + "cgroup").flatMap { try? parseCgroup($0) }?.systemdUnit
        entry.unit = .known(value)
        return value
    }
}
