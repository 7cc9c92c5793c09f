/// Validation of metric and label names with Prometheus' classic (pre-UTF-8) rules:
/// a metric name matches `[a-zA-Z_:][a-zA-Z0-9_:]*`, a label name `[a-zA-Z_][a-zA-Z0-9_]*`.
///
/// It does not reject reserved names (those starting with `__`); whether a caller may set one is
/// the caller's decision.
public enum MetricNames {
    /// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    public static func isValidMetricName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isValidMetricName(UnsafeRawBufferPointer($0)) }
    }

    /// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
    public static func isValidLabelName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { isValidLabelName(UnsafeRawBufferPointer($0)) }
    }

    /// Byte version of `isValidMetricName(_:)` for hot paths.
    public static func isValidMetricName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, isMetricNameStart(first) else { return false }
        for byte in bytes.dropFirst() where !isMetricNameContinuation(byte) { return false }
        return true
    }

    /// Byte version of `isValidLabelName(_:)` for hot paths.
    public static func isValidLabelName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, isLabelNameStart(first) else { return false }
        for byte in bytes.dropFirst() where !isLabelNameContinuation(byte) { return false }
        return true
    }

    /// `[a-zA-Z_:]`
    @inlinable @inline(__always)
    public static func isMetricNameStart(_ byte: UInt8) -> Bool {
        isLabelNameStart(byte) || byte == UInt8(ascii: ":")
    }

    /// `[a-zA-Z0-9_:]`
    @inlinable @inline(__always)
    public static func isMetricNameContinuation(_ byte: UInt8) -> Bool {
        isLabelNameContinuation(byte) || byte == UInt8(ascii: ":")
    }

    /// `[a-zA-Z_]`
    @inlinable @inline(__always)
    public static func isLabelNameStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte == UInt8(ascii: "_")
    }

    /// `[a-zA-Z0-9_]`
    @inlinable @inline(__always)
    public static func isLabelNameContinuation(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10 || byte == UInt8(ascii: "_")
    }
}
