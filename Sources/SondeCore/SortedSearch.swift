/// Binary searches over ascending timestamps (the store's reads, the evaluator's windows).
public enum SortedSearch {
    /// The index of the first timestamp ≥ `time` (or `count`).
    @inlinable
    public static func firstIndex<C: RandomAccessCollection>(in timestamps: C, atOrAfter time: Int64) -> C.Index where C.Element == Int64 {
        var low = timestamps.startIndex, high = timestamps.endIndex
        while low < high {
            let middle = timestamps.index(low, offsetBy: timestamps.distance(from: low, to: high) / 2)
            if timestamps[middle] < time { low = timestamps.index(after: middle) } else { high = middle }
        }
        return low
    }

    /// The index of the first timestamp > `time` (or `count`).
    @inlinable
    public static func firstIndex<C: RandomAccessCollection>(in timestamps: C, after time: Int64) -> C.Index where C.Element == Int64 {
        var low = timestamps.startIndex, high = timestamps.endIndex
        while low < high {
            let middle = timestamps.index(low, offsetBy: timestamps.distance(from: low, to: high) / 2)
            if timestamps[middle] <= time { low = timestamps.index(after: middle) } else { high = middle }
        }
        return low
    }
}
