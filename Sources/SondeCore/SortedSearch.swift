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

extension SortedSearch {
    /// `firstIndex(in:atOrAfter:)`, searching outward from `hint`, an index near the answer. A
    /// range query's windows move forward a few samples a step: starting from the previous step's
    /// index reads a few neighbours instead of halving a day of samples (cache misses, each).
    @inlinable
    public static func firstIndex(in timestamps: [Int64], atOrAfter time: Int64, near hint: Int) -> Int {
        firstIndex(in: timestamps, near: hint) { $0 < time }
    }

    /// `firstIndex(in:after:)`, searching outward from `hint`.
    @inlinable
    public static func firstIndex(in timestamps: [Int64], after time: Int64, near hint: Int) -> Int {
        firstIndex(in: timestamps, near: hint) { $0 <= time }
    }

    /// The first index whose timestamp is not `before` (which holds for a prefix of the array):
    /// a galloping search from `hint`, widening by doubling, then halving within the bracket.
    @inlinable
    static func firstIndex(in timestamps: [Int64], near hint: Int, before: (Int64) -> Bool) -> Int {
        let count = timestamps.count
        let start = min(max(hint, 0), count)
        var low: Int, high: Int
        if start < count && before(timestamps[start]) {
            // The answer lies after `start`.
            low = start + 1
            var probe = low, stride = 1
            while probe < count && before(timestamps[probe]) {
                low = probe + 1
                probe += stride
                stride *= 2
            }
            high = min(probe, count)
        } else {
            // The answer is `start` or before it.
            high = start
            var probe = start - 1, stride = 1
            while probe >= 0 && !before(timestamps[probe]) {
                high = probe
                probe -= stride
                stride *= 2
            }
            low = max(probe + 1, 0)
        }
        while low < high {
            let middle = low + (high - low) / 2
            if before(timestamps[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
