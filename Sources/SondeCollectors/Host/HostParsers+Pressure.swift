import SondeCore

extension HostParsers {
    /// One line of a `/proc/pressure/*` file: `some avg10=1.83 avg60=1.03 avg300=5.52 total=768035092`.
    public struct PressureRecord: Sendable, Equatable {
        /// Percent of wall time stalled over the last 10, 60 and 300 seconds.
        public var avg10: Double
        public var avg60: Double
        public var avg300: Double
        /// Stall time since boot, in microseconds.
        public var totalMicroseconds: UInt64

        public init(avg10: Double, avg60: Double, avg300: Double, totalMicroseconds: UInt64) {
            self.avg10 = avg10
            self.avg60 = avg60
            self.avg300 = avg300
            self.totalMicroseconds = totalMicroseconds
        }

        public var totalSeconds: Double { Double(totalMicroseconds) / 1_000_000 }
    }

    /// A PSI file: `some` (at least one task stalled) and `full` (all non-idle tasks stalled). The cpu
    /// file had no `full` line before Linux 5.13; the irq file has only `full`.
    public struct PressureStats: Sendable, Equatable {
        public var some: PressureRecord?
        public var full: PressureRecord?

        public init(some: PressureRecord? = nil, full: PressureRecord? = nil) {
            self.some = some
            self.full = full
        }
    }
}

extension HostParsers {
    public static func parsePressure(_ text: String, file: String? = nil) throws -> PressureStats {
        try text.withHostProcBytes { try parsePressure(bytes: $0, file: file) }
    }

    static func parsePressure(bytes: UnsafeRawBufferPointer, file: String?) throws -> PressureStats {
        var stats = PressureStats()
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let kind = line.nextToken() else { continue }
            let isSome = line.token(kind, is: "some")
            guard isSome || line.token(kind, is: "full") else {
                throw line.error(at: kind.lowerBound, "expected \"some\" or \"full\", found \(ByteText.quote(bytes[kind]))")
            }
            var avg10: Double?
            var avg60: Double?
            var avg300: Double?
            var total: UInt64?
            while let pair = line.nextToken() {
                guard let equals = bytes[pair].firstIndex(of: UInt8(ascii: "=")) else {
                    throw line.error(at: pair.lowerBound, "expected key=value, found \(ByteText.quote(bytes[pair]))")
                }
                let key = pair.lowerBound..<equals
                let value = (equals + 1)..<pair.upperBound
                if line.token(key, is: "avg10") {
                    avg10 = try line.decimal(value, "avg10")
                } else if line.token(key, is: "avg60") {
                    avg60 = try line.decimal(value, "avg60")
                } else if line.token(key, is: "avg300") {
                    avg300 = try line.decimal(value, "avg300")
                } else if line.token(key, is: "total") {
                    total = try line.unsigned(value, "total")
                }
            }
            guard let avg10, let avg60, let avg300, let total else {
                throw line.error(at: line.end, "pressure line lacks one of avg10, avg60, avg300, total")
            }
            let record = PressureRecord(avg10: avg10, avg60: avg60, avg300: avg300, totalMicroseconds: total)
            if isSome { stats.some = record } else { stats.full = record }
        }
        guard stats.some != nil || stats.full != nil else { throw text.errorAtEnd("no \"some\" or \"full\" line") }
        return stats
    }
}
