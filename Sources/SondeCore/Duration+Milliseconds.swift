extension Duration {
    /// The duration in whole milliseconds, rounded toward zero: the unit the configuration writes and
    /// prints durations in, and the unit of sample timestamps.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
