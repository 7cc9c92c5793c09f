import SondeCore

extension HostParsers {
    /// Tick counters of one `cpu` line of `/proc/stat` (USER_HZ ticks; columns a kernel does not print
    /// are 0). `guest` and `guestNice` are already included in `user` and `nice`.
    public struct CPUTimes: Sendable, Equatable {
        public var user: UInt64 = 0
        public var nice: UInt64 = 0
        public var system: UInt64 = 0
        public var idle: UInt64 = 0
        public var iowait: UInt64 = 0
        public var irq: UInt64 = 0
        public var softirq: UInt64 = 0
        public var steal: UInt64 = 0
        public var guest: UInt64 = 0
        public var guestNice: UInt64 = 0

        public init() {}

        public init(
            user: UInt64, nice: UInt64, system: UInt64, idle: UInt64, iowait: UInt64 = 0, irq: UInt64 = 0,
            softirq: UInt64 = 0, steal: UInt64 = 0, guest: UInt64 = 0, guestNice: UInt64 = 0
        ) {
            self.user = user
            self.nice = nice
            self.system = system
            self.idle = idle
            self.iowait = iowait
            self.irq = irq
            self.softirq = softirq
            self.steal = steal
            self.guest = guest
            self.guestNice = guestNice
        }

        /// All time accounted (guest excluded: it is already counted in user and nice).
        public var total: UInt64 { user &+ nice &+ system &+ idle &+ iowait &+ irq &+ softirq &+ steal }

        /// Time the CPUs did no work: idle plus waiting for I/O.
        public var idleTotal: UInt64 { idle &+ iowait }

        /// Sets column `index` (0 = user) of a `cpu` line; columns past guest_nice are ignored.
        mutating func set(column index: Int, _ value: UInt64) {
            switch index {
            case 0: user = value
            case 1: nice = value
            case 2: system = value
            case 3: idle = value
            case 4: iowait = value
            case 5: irq = value
            case 6: softirq = value
            case 7: steal = value
            case 8: guest = value
            case 9: guestNice = value
            default: break
            }
        }

        /// The busy share of the time between `previous` and `self`, in percent; nil when no time passed
        /// or a counter went backwards (CPU hot-unplug, counter reset).
        public func utilizationPercent(since previous: CPUTimes) -> Double? {
            let total = self.total
            let previousTotal = previous.total
            let idle = idleTotal
            let previousIdle = previous.idleTotal
            guard total > previousTotal, idle >= previousIdle else { return nil }
            let totalDelta = Double(total - previousTotal)
            let idleDelta = Double(idle - previousIdle)
            return min(100, max(0, 100 * (1 - idleDelta / totalDelta)))
        }
    }

    /// The parts of `/proc/stat` sonde exports.
    public struct ProcStat: Sendable, Equatable {
        public struct CPU: Sendable, Equatable {
            public var index: Int
            public var times: CPUTimes
            public init(index: Int, times: CPUTimes) {
                self.index = index
                self.times = times
            }
        }

        /// The aggregate `cpu` line (sum over all CPUs).
        public var total = CPUTimes()
        /// The `cpuN` lines, in file order (offline CPUs are absent).
        public var cpus: [CPU] = []
        /// First value of `intr`: interrupts serviced since boot.
        public var interrupts: UInt64?
        public var contextSwitches: UInt64?
        /// Unix time of boot, in seconds.
        public var bootTime: UInt64?
        /// `processes`: forks since boot.
        public var forks: UInt64?
        public var procsRunning: UInt64?
        public var procsBlocked: UInt64?

        public init() {}
    }
}

extension HostParsers {
    public static func parseStat(_ text: String, file: String? = nil) throws -> ProcStat {
        try text.withHostProcBytes { try parseStat(bytes: $0, file: file) }
    }

    static func parseStat(bytes: UnsafeRawBufferPointer, file: String?) throws -> ProcStat {
        var stat = ProcStat()
        var sawTotal = false
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let key = line.nextToken() else { continue }
            let keyLength = key.count
            if keyLength >= 3, bytes[key.lowerBound] == UInt8(ascii: "c"), bytes[key.lowerBound + 1] == UInt8(ascii: "p"),
                bytes[key.lowerBound + 2] == UInt8(ascii: "u")
            {
                let times = try parseCPUColumns(&line)
                if keyLength == 3 {
                    stat.total = times
                    sawTotal = true
                } else {
                    let digits = (key.lowerBound + 3)..<key.upperBound
                    guard let index = HostProcLine.parseUnsigned(bytes, digits), index <= UInt64(Int32.max) else {
                        throw line.error(at: key.lowerBound, "expected a cpu line name like \"cpu0\", found \(ByteText.quote(bytes[key]))")
                    }
                    stat.cpus.append(ProcStat.CPU(index: Int(index), times: times))
                }
            } else if line.token(key, is: "intr") {
                stat.interrupts = try line.unsigned("the interrupt count")
            } else if line.token(key, is: "ctxt") {
                stat.contextSwitches = try line.unsigned("the context switch count")
            } else if line.token(key, is: "btime") {
                stat.bootTime = try line.unsigned("the boot time")
            } else if line.token(key, is: "processes") {
                stat.forks = try line.unsigned("the fork count")
            } else if line.token(key, is: "procs_running") {
                stat.procsRunning = try line.unsigned("the running process count")
            } else if line.token(key, is: "procs_blocked") {
                stat.procsBlocked = try line.unsigned("the blocked process count")
            }
            // page, swap, softirq and any future lines are not exported.
        }
        guard sawTotal else { throw text.errorAtEnd("no aggregate \"cpu\" line") }
        return stat
    }

    private static let cpuColumnNames = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"]

    private static func parseCPUColumns(_ line: inout HostProcLine) throws -> CPUTimes {
        var times = CPUTimes()
        var column = 0
        while let token = line.nextToken() {
            let name = column < cpuColumnNames.count ? cpuColumnNames[column] : "column \(column + 1)"
            let value = try line.unsigned(token, "the \(name) ticks")
            times.set(column: column, value)
            column += 1
        }
        // user nice system idle exist on every kernel since 2.4; fewer means a cut line.
        guard column >= 4 else {
            throw line.error(at: line.end, "cpu line has \(column) values, expected at least 4")
        }
        return times
    }
}
