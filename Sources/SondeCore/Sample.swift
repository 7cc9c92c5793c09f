/// One observation: a timestamp in milliseconds since the Unix epoch and a float64 value.
/// Values are kept bit for bit, NaN payloads included (Prometheus' staleness marker is one).
public struct Sample: Sendable, Equatable {
    public var timestamp: Int64
    public var value: Double

    public init(timestamp: Int64, value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    /// Bitwise equality, so NaN payloads and -0.0 compare as they are stored.
    public static func == (lhs: Sample, rhs: Sample) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

/// Prometheus' staleness marker: a NaN with this exact payload means "the series ended here".
public enum StaleMarker {
    public static let bitPattern: UInt64 = 0x7ff0_0000_0000_0002
    public static var value: Double { Double(bitPattern: bitPattern) }
    public static func isStale(_ value: Double) -> Bool { value.bitPattern == bitPattern }
}
