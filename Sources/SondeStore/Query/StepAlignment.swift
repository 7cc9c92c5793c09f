/// Turns raw samples into values at step-aligned instants, as Prometheus evaluates a range query of
/// a plain selector: at each instant the latest sample no older than the lookback window, unless
/// that sample is a staleness marker.
public enum StepAlignment {
    /// Prometheus' default lookback delta.
    public static let defaultLookback: Int64 = 5 * 60 * 1000

    public static func align(
        timestamps: [Int64], values: [Double], start: Int64, end: Int64, step: Int64, lookback: Int64 = defaultLookback
    ) -> (timestamps: [Int64], values: [Double]) {
        precondition(step > 0, "step must be positive")
        var outTimestamps: [Int64] = []
        var outValues: [Double] = []
        var index = 0
        var instant = start
        while instant <= end {
            while index < timestamps.count && timestamps[index] <= instant { index += 1 }
            if index > 0 {
                let sample = index - 1
                if timestamps[sample] > instant - lookback && !isStale(values[sample]) {
                    outTimestamps.append(instant)
                    outValues.append(values[sample])
                }
            }
            let (next, overflow) = instant.addingReportingOverflow(step)
            if overflow { break }
            instant = next
        }
        return (outTimestamps, outValues)
    }

    static func isStale(_ value: Double) -> Bool { value.bitPattern == 0x7ff0_0000_0000_0002 }
}
