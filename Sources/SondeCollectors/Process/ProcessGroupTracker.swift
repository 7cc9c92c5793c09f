/// A process as the tracker knows it: PID plus start time, so a reused PID is a different process.
struct ProcessKey: Hashable, Sendable {
    var pid: Int32
    var startTime: UInt64
}

/// One member of a group in one scan.
struct ProcessSample: Sendable, Equatable {
    var key: ProcessKey
    var utime: UInt64
    var stime: UInt64
    var threads: Int
    var residentBytes: UInt64
    var virtualBytes: UInt64
    /// nil when `/proc/PID/fd` is unreadable.
    var openFDs: Int?
    /// Soft `RLIMIT_NOFILE`; nil when unlimited or unreadable.
    var fdLimit: UInt64?
    /// nil when `/proc/PID/io` is unreadable.
    var readBytes: UInt64?
    var writtenBytes: UInt64?
}

/// What a group reports after one scan.
struct ProcessGroupSnapshot: Sendable, Equatable {
    var count = 0
    var workers = 0
    var threads = 0
    var userSeconds = 0.0
    var systemSeconds = 0.0
    var cpuPercent: Double?
    var residentBytes: UInt64 = 0
    var virtualBytes: UInt64 = 0
    var openFDs: Int?
    var fdLimitRatio: Double?
    var readBytes: UInt64?
    var writtenBytes: UInt64?
    var oldestStartTicks: UInt64?
    var restarts: UInt64 = 0
}

/// The state one group carries between scans, as a pure state machine: scans in, snapshots out.
///
/// Counters are kept monotonic although the processes behind them come and go: each scan adds, per
/// process, what grew since the previous scan (everything, for a process not seen before), so what an
/// exited process had used stays in the total. Restarts count root processes replaced by new ones,
/// compared with the last scan that had any root, so "down for a while, then back" is one restart.
struct ProcessGroupTracker: Sendable {
    private struct Previous: Sendable {
        var utime: UInt64
        var stime: UInt64
        var readBytes: UInt64?
        var writtenBytes: UInt64?
    }

    private var previous: [ProcessKey: Previous] = [:]
    private(set) var userTicks: UInt64 = 0
    private(set) var systemTicks: UInt64 = 0
    private var readBytes: UInt64?
    private var writtenBytes: UInt64?
    private var knownRoots: Set<ProcessKey> = []
    private(set) var restarts: UInt64 = 0
    private var lastScan: (seconds: Double, ticks: UInt64)?

    /// Folds one scan in. `monotonicSeconds` is when it was taken; `ticksPerSecond` converts ticks.
    mutating func observe(
        members: [ProcessSample], roots: Set<ProcessKey>, monotonicSeconds: Double, ticksPerSecond: Double
    ) -> ProcessGroupSnapshot {
        var next: [ProcessKey: Previous] = [:]
        next.reserveCapacity(members.count)
        var snapshot = ProcessGroupSnapshot()
        var maxRatio: Double?
        for member in members {
            let before = previous[member.key]
            userTicks &+= growth(before?.utime, member.utime)
            systemTicks &+= growth(before?.stime, member.stime)
            var remembered = Previous(utime: max(member.utime, before?.utime ?? 0), stime: max(member.stime, before?.stime ?? 0))
            if let read = member.readBytes {
                readBytes = (readBytes ?? 0) &+ growth(before?.readBytes, read)
                remembered.readBytes = max(read, before?.readBytes ?? 0)
            } else {
                remembered.readBytes = before?.readBytes
            }
            if let written = member.writtenBytes {
                writtenBytes = (writtenBytes ?? 0) &+ growth(before?.writtenBytes, written)
                remembered.writtenBytes = max(written, before?.writtenBytes ?? 0)
            } else {
                remembered.writtenBytes = before?.writtenBytes
            }
            next[member.key] = remembered

            snapshot.count += 1
            snapshot.threads += member.threads
            snapshot.residentBytes &+= member.residentBytes
            snapshot.virtualBytes &+= member.virtualBytes
            if let fds = member.openFDs {
                snapshot.openFDs = (snapshot.openFDs ?? 0) + fds
                if let limit = member.fdLimit, limit > 0 {
                    maxRatio = max(maxRatio ?? 0, Double(fds) / Double(limit))
                }
            }
            snapshot.oldestStartTicks = min(snapshot.oldestStartTicks ?? .max, member.key.startTime)
        }
        previous = next

        if !roots.isEmpty {
            let gone = knownRoots.subtracting(roots).count
            let new = roots.subtracting(knownRoots).count
            if !knownRoots.isEmpty { restarts += UInt64(min(gone, new)) }
            knownRoots = roots
        }

        let ticks = userTicks &+ systemTicks
        if let last = lastScan, monotonicSeconds > last.seconds, ticksPerSecond > 0 {
            snapshot.cpuPercent = Double(ticks - last.ticks) / ticksPerSecond / (monotonicSeconds - last.seconds) * 100
        }
        lastScan = (monotonicSeconds, ticks)

        snapshot.workers = max(0, members.count - roots.count)
        snapshot.userSeconds = ticksPerSecond > 0 ? Double(userTicks) / ticksPerSecond : 0
        snapshot.systemSeconds = ticksPerSecond > 0 ? Double(systemTicks) / ticksPerSecond : 0
        snapshot.fdLimitRatio = maxRatio
        snapshot.readBytes = readBytes
        snapshot.writtenBytes = writtenBytes
        snapshot.restarts = restarts
        return snapshot
    }

    private func growth(_ before: UInt64?, _ now: UInt64) -> UInt64 {
        guard let before else { return now }
        return now > before ? now - before : 0
    }
}
