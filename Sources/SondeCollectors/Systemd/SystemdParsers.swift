import SondeCore

/// Pure parsers for the cgroup v2 interface files the systemd collector reads for each unit
/// (`cpu.stat`, `io.stat`, `memory.current`, `memory.max`, `pids.current`), in the formats of the
/// kernel's Documentation/admin-guide/cgroup-v2.rst.
///
/// Each takes the file's text (the `String` overloads are for tests; the collector uses the byte
/// overloads on its read buffer) and returns a value, or throws a `ParseError` carrying `file`,
/// line and column. They do no I/O. Keys the kernel may add later are ignored, not rejected.
public enum SystemdParsers {
    /// `cpu.stat` of a cgroup. `usage_usec`, `user_usec` and `system_usec` are always there (the
    /// core part of the file, present even when the cpu controller is not enabled for the group);
    /// the throttling counters only when the cpu controller is enabled, and never in the root group.
    public struct CPUStat: Sendable, Equatable {
        public var usageMicroseconds: UInt64
        public var userMicroseconds: UInt64
        public var systemMicroseconds: UInt64
        public var periods: UInt64?
        public var throttledPeriods: UInt64?
        public var throttledMicroseconds: UInt64?

        public init(
            usageMicroseconds: UInt64, userMicroseconds: UInt64, systemMicroseconds: UInt64,
            periods: UInt64? = nil, throttledPeriods: UInt64? = nil, throttledMicroseconds: UInt64? = nil
        ) {
            self.usageMicroseconds = usageMicroseconds
            self.userMicroseconds = userMicroseconds
            self.systemMicroseconds = systemMicroseconds
            self.periods = periods
            self.throttledPeriods = throttledPeriods
            self.throttledMicroseconds = throttledMicroseconds
        }
    }

    /// One line of `io.stat`: `MAJ:MIN rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…`. The
    /// discard counters appeared in Linux 5.0, so they are optional; the kernel omits devices whose
    /// counters are all zero.
    public struct IOStat: Sendable, Equatable {
        /// `MAJ:MIN`, as the kernel prints it.
        public var device: String
        public var readBytes: UInt64
        public var writtenBytes: UInt64
        public var reads: UInt64
        public var writes: UInt64
        public var discardedBytes: UInt64?
        public var discards: UInt64?

        public init(
            device: String, readBytes: UInt64, writtenBytes: UInt64, reads: UInt64, writes: UInt64,
            discardedBytes: UInt64? = nil, discards: UInt64? = nil
        ) {
            self.device = device
            self.readBytes = readBytes
            self.writtenBytes = writtenBytes
            self.reads = reads
            self.writes = writes
            self.discardedBytes = discardedBytes
            self.discards = discards
        }
    }

    /// A single-value interface file: a number, or `max` for "no limit" (`memory.max`, `pids.max`).
    public enum SingleValue: Sendable, Equatable {
        case value(UInt64)
        case max

        /// The number; nil for `max`.
        public var number: UInt64? {
            if case .value(let value) = self { return value }
            return nil
        }
    }
}

// MARK: - cpu.stat

extension SystemdParsers {
    public static func parseCPUStat(_ text: String, file: String? = nil) throws -> CPUStat {
        try text.withHostProcBytes { try parseCPUStat(bytes: $0, file: file) }
    }

    static func parseCPUStat(bytes: UnsafeRawBufferPointer, file: String?) throws -> CPUStat {
        var usage: UInt64?
        var user: UInt64?
        var system: UInt64?
        var stat = CPUStat(usageMicroseconds: 0, userMicroseconds: 0, systemMicroseconds: 0)
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let key = line.nextToken() else { continue }
            let valueRange = try line.token("the value")
            let value = try line.unsigned(valueRange, "the value of \(line.text(key))")
            if let extra = line.nextToken() {
                throw line.error(at: extra.lowerBound, "expected \"key value\", found extra \(ByteText.quote(bytes[extra]))")
            }
            if line.token(key, is: "usage_usec") {
                usage = value
            } else if line.token(key, is: "user_usec") {
                user = value
            } else if line.token(key, is: "system_usec") {
                system = value
            } else if line.token(key, is: "nr_periods") {
                stat.periods = value
            } else if line.token(key, is: "nr_throttled") {
                stat.throttledPeriods = value
            } else if line.token(key, is: "throttled_usec") {
                stat.throttledMicroseconds = value
            }
            // nice_usec, nr_bursts, burst_usec, core_sched.force_idle_usec, …: not exported.
        }
        guard let usage else { throw text.errorAtEnd("no usage_usec line") }
        guard let user else { throw text.errorAtEnd("no user_usec line") }
        guard let system else { throw text.errorAtEnd("no system_usec line") }
        stat.usageMicroseconds = usage
        stat.userMicroseconds = user
        stat.systemMicroseconds = system
        return stat
    }
}

// MARK: - io.stat

extension SystemdParsers {
    public static func parseIOStat(_ text: String, file: String? = nil) throws -> [IOStat] {
        try text.withHostProcBytes { try parseIOStat(bytes: $0, file: file) }
    }

    static func parseIOStat(bytes: UnsafeRawBufferPointer, file: String?) throws -> [IOStat] {
        var devices: [IOStat] = []
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let device = line.nextToken() else { continue }
            guard isDeviceNumber(bytes, device) else {
                throw line.error(at: device.lowerBound, "expected a device as MAJ:MIN, found \(ByteText.quote(bytes[device]))")
            }
            var rbytes: UInt64?
            var wbytes: UInt64?
            var rios: UInt64?
            var wios: UInt64?
            var dbytes: UInt64?
            var dios: UInt64?
            while let pair = line.nextToken() {
                guard let equals = bytes[pair].firstIndex(of: UInt8(ascii: "=")) else {
                    throw line.error(at: pair.lowerBound, "expected key=value, found \(ByteText.quote(bytes[pair]))")
                }
                let key = pair.lowerBound..<equals
                let valueRange = (equals + 1)..<pair.upperBound
                func value() throws -> UInt64 { try line.unsigned(valueRange, line.text(key)) }
                if line.token(key, is: "rbytes") {
                    rbytes = try value()
                } else if line.token(key, is: "wbytes") {
                    wbytes = try value()
                } else if line.token(key, is: "rios") {
                    rios = try value()
                } else if line.token(key, is: "wios") {
                    wios = try value()
                } else if line.token(key, is: "dbytes") {
                    dbytes = try value()
                } else if line.token(key, is: "dios") {
                    dios = try value()
                }
                // Other keys (io.latency's use_delay= and delay_nsec=, io.cost's cost.*=) are ignored.
            }
            func require(_ value: UInt64?, _ key: String) throws -> UInt64 {
                guard let value else { throw line.error(at: line.end, "device \(line.text(device)) has no \(key)= counter") }
                return value
            }
            devices.append(
                IOStat(
                    device: line.text(device),
                    readBytes: try require(rbytes, "rbytes"), writtenBytes: try require(wbytes, "wbytes"),
                    reads: try require(rios, "rios"), writes: try require(wios, "wios"),
                    discardedBytes: dbytes, discards: dios
                )
            )
        }
        return devices
    }

    /// `[0-9]+:[0-9]+`.
    private static func isDeviceNumber(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard let colon = bytes[range].firstIndex(of: UInt8(ascii: ":")) else { return false }
        return HostProcLine.parseUnsigned(bytes, range.lowerBound..<colon) != nil
            && HostProcLine.parseUnsigned(bytes, (colon + 1)..<range.upperBound) != nil
    }
}

// MARK: - single values

extension SystemdParsers {
    public static func parseSingleValue(_ text: String, file: String? = nil) throws -> SingleValue {
        try text.withHostProcBytes { try parseSingleValue(bytes: $0, file: file) }
    }

    /// One line holding a number or `max`, with its newline.
    static func parseSingleValue(bytes: UnsafeRawBufferPointer, file: String?) throws -> SingleValue {
        var text = HostProcText(bytes, file: file)
        guard var line = text.nextLine(), let token = line.nextToken() else {
            throw text.errorAtEnd("empty file, expected a number or \"max\"")
        }
        if let extra = line.nextToken() {
            throw line.error(at: extra.lowerBound, "expected one value, found extra \(ByteText.quote(bytes[extra]))")
        }
        while var next = text.nextLine() {
            if let extra = next.nextToken() {
                throw next.error(at: extra.lowerBound, "expected one value, found another line")
            }
        }
        if line.token(token, is: "max") { return .max }
        guard let value = HostProcLine.parseUnsigned(bytes, token) else {
            throw line.error(at: token.lowerBound, "expected a number or \"max\", found \(ByteText.quote(bytes[token]))")
        }
        return .value(value)
    }
}
