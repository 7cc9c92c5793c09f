extension Duration {
    /// Whole milliseconds, rounded toward zero: the store's unit for timestamps and the unit of
    /// the configuration's printed durations.
    public var inMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a floating-point number, as self-metrics report durations.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
