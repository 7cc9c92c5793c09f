import SondeCore

extension HostParsers {
    /// One line of `/proc/meminfo`: `MemTotal:  24684084 kB`.
    public struct MeminfoEntry: Sendable, Equatable {
        /// The field as the kernel spells it: `Active(anon)`, `HugePages_Total`.
        public var field: String
        /// Bytes when the line has a `kB` unit, else the bare count (HugePages_*).
        public var value: UInt64
        /// Whether the line carried a unit (so `value` is bytes).
        public var isBytes: Bool

        public init(field: String, value: UInt64, isBytes: Bool) {
            self.field = field
            self.value = value
            self.isBytes = isBytes
        }

        /// node_exporter's name: `node_memory_<Field>_bytes`, `(` → `_`, `)` dropped, no `_bytes`
        /// suffix for unitless fields: `node_memory_Active_anon_bytes`, `node_memory_HugePages_Total`.
        public var metricName: String {
            var name = "node_memory_"
            for scalar in field.unicodeScalars {
                switch scalar {
                case "(": name.unicodeScalars.append("_")
                case ")": break
                default: name.unicodeScalars.append(scalar)
                }
            }
            if isBytes { name += "_bytes" }
            return name
        }
    }

    /// `/proc/meminfo`, in file order.
    public struct Meminfo: Sendable, Equatable {
        public var entries: [MeminfoEntry]

        public init(entries: [MeminfoEntry]) { self.entries = entries }

        public subscript(field: String) -> UInt64? {
            entries.first { $0.field == field }?.value
        }

        /// 100 × (1 − MemAvailable / MemTotal); nil on kernels without MemAvailable (before 3.14).
        public var usedPercent: Double? {
            guard let total = self["MemTotal"], total > 0, let available = self["MemAvailable"] else { return nil }
            return 100 * (1 - Double(min(available, total)) / Double(total))
        }
    }

    /// `/proc/loadavg`: the 1, 5 and 15 minute load averages (the run queue and last pid are not kept).
    public struct Loadavg: Sendable, Equatable {
        public var load1: Double
        public var load5: Double
        public var load15: Double

        public init(load1: Double, load5: Double, load15: Double) {
            self.load1 = load1
            self.load5 = load5
            self.load15 = load15
        }
    }

    /// `/proc/uptime`: seconds since boot, and idle seconds summed over CPUs.
    public struct Uptime: Sendable, Equatable {
        public var uptime: Double
        public var idle: Double

        public init(uptime: Double, idle: Double) {
            self.uptime = uptime
            self.idle = idle
        }
    }

    /// `/proc/sys/fs/file-nr`: allocated file handles, allocated-but-unused (always 0 since 2.6), maximum.
    public struct FileNr: Sendable, Equatable {
        public var allocated: UInt64
        public var unused: UInt64
        public var maximum: UInt64

        public init(allocated: UInt64, unused: UInt64, maximum: UInt64) {
            self.allocated = allocated
            self.unused = unused
            self.maximum = maximum
        }
    }
}

extension HostParsers {
    public static func parseMeminfo(_ text: String, file: String? = nil) throws -> Meminfo {
        try text.withHostProcBytes { try parseMeminfo(bytes: $0, file: file) }
    }

    static func parseMeminfo(bytes: UnsafeRawBufferPointer, file: String?) throws -> Meminfo {
        var entries: [MeminfoEntry] = []
        entries.reserveCapacity(64)
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let name = line.nextToken() else { continue }
            guard name.count > 1, bytes[name.upperBound - 1] == UInt8(ascii: ":") else {
                throw line.error(at: name.lowerBound, "expected \"Field:\", found \(ByteText.quote(bytes[name]))")
            }
            let fieldRange = name.lowerBound..<(name.upperBound - 1)
            let valueToken = try line.token("the value of \(String(decoding: bytes[fieldRange], as: UTF8.self))")
            var value = try line.unsigned(valueToken, "the value of \(line.text(fieldRange))")
            var isBytes = false
            if let unit = line.nextToken() {
                guard line.token(unit, is: "kB") else {
                    throw line.error(at: unit.lowerBound, "expected the unit \"kB\", found \(ByteText.quote(bytes[unit]))")
                }
                let (scaled, overflow) = value.multipliedReportingOverflow(by: 1024)
                guard !overflow else {
                    throw line.error(at: fieldRange.upperBound + 1, "value of \(line.text(fieldRange)) overflows in bytes")
                }
                value = scaled
                isBytes = true
            }
            entries.append(MeminfoEntry(field: line.text(fieldRange), value: value, isBytes: isBytes))
        }
        guard !entries.isEmpty else { throw text.errorAtEnd("no meminfo lines") }
        return Meminfo(entries: entries)
    }

    public static func parseLoadavg(_ text: String, file: String? = nil) throws -> Loadavg {
        try text.withHostProcBytes { try parseLoadavg(bytes: $0, file: file) }
    }

    static func parseLoadavg(bytes: UnsafeRawBufferPointer, file: String?) throws -> Loadavg {
        var text = HostProcText(bytes, file: file)
        guard var line = text.nextLine() else { throw text.errorAtEnd("empty file") }
        return Loadavg(
            load1: try line.decimal("the 1 minute load"),
            load5: try line.decimal("the 5 minute load"),
            load15: try line.decimal("the 15 minute load")
        )
    }

    public static func parseUptime(_ text: String, file: String? = nil) throws -> Uptime {
        try text.withHostProcBytes { try parseUptime(bytes: $0, file: file) }
    }

    static func parseUptime(bytes: UnsafeRawBufferPointer, file: String?) throws -> Uptime {
        var text = HostProcText(bytes, file: file)
        guard var line = text.nextLine() else { throw text.errorAtEnd("empty file") }
        return Uptime(uptime: try line.decimal("the uptime"), idle: try line.decimal("the idle time"))
    }

    public static func parseFileNr(_ text: String, file: String? = nil) throws -> FileNr {
        try text.withHostProcBytes { try parseFileNr(bytes: $0, file: file) }
    }

    static func parseFileNr(bytes: UnsafeRawBufferPointer, file: String?) throws -> FileNr {
        var text = HostProcText(bytes, file: file)
        guard var line = text.nextLine() else { throw text.errorAtEnd("empty file") }
        return FileNr(
            allocated: try line.unsigned("the allocated handle count"),
            unused: try line.unsigned("the unused handle count"),
            maximum: try line.unsigned("the maximum handle count")
        )
    }
}
