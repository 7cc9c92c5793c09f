import SondeCore

/// The data of one series over a time range, as read from one tier.
public struct SeriesData: Sendable {
    public var labels: Labels
    public var tier: Tier
    public var timestamps: [Int64]
    /// One column for raw samples; for rollups the columns of `RollupColumn` (min, max, sum, count,
    /// last), each point stamped with the time of the last sample in its bucket.
    public var columns: [[Double]]

    /// Raw values, or the `last` column of rollups: the series' value at each timestamp.
    public var values: [Double] { tier == .raw ? columns[0] : columns[RollupColumn.last.rawValue] }
}

/// Merges the pieces of one series (sealed chunks in write order, then the open chunk) into one
/// time-ordered sequence. Pieces overlap only after backfills or crash recovery; then a timestamp
/// present twice keeps the later-written point, and rollup points of the same bucket combine.
enum SeriesMerge {
    struct Piece {
        var timestamps: [Int64]
        var columns: [[Double]]
    }

    static func merge(_ pieces: [Piece], tier: Tier, start: Int64, end: Int64) -> (timestamps: [Int64], columns: [[Double]]) {
        let columnCount = tier.columnCount
        var ordered = pieces.enumerated().filter { !$0.element.timestamps.isEmpty }
        ordered.sort { lhs, rhs in
            let a = lhs.element.timestamps[0], b = rhs.element.timestamps[0]
            return a != b ? a < b : lhs.offset < rhs.offset
        }
        var overlapping = false
        for index in ordered.indices.dropFirst() where ordered[index].element.timestamps[0] <= (ordered[index - 1].element.timestamps.last ?? .min) {
            overlapping = true
        }
        var timestamps: [Int64] = []
        var columns = Array(repeating: [Double](), count: columnCount)
        if !overlapping {
            for (_, piece) in ordered {
                let from = SortedSearch.firstIndex(in: piece.timestamps, atOrAfter: start)
                let to = SortedSearch.firstIndex(in: piece.timestamps, after: end)
                guard from < to else { continue }
                timestamps.append(contentsOf: piece.timestamps[from..<to])
                for column in 0..<columnCount { columns[column].append(contentsOf: piece.columns[column][from..<to]) }
            }
            return (timestamps, columns)
        }
        // General case: every point with its piece's write order; later writes win on equal timestamps.
        var points: [(timestamp: Int64, order: Int, piece: Int, index: Int)] = []
        for (position, (order, piece)) in ordered.enumerated() {
            for (index, timestamp) in piece.timestamps.enumerated() where timestamp >= start && timestamp <= end {
                points.append((timestamp, order, position, index))
            }
        }
        points.sort { $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : $0.order < $1.order }
        for (position, point) in points.enumerated() {
            if position + 1 < points.count && points[position + 1].timestamp == point.timestamp { continue }
            let piece = ordered[point.piece].element
            timestamps.append(point.timestamp)
            for column in 0..<columnCount { columns[column].append(piece.columns[column][point.index]) }
        }
        if tier != .raw { combineBuckets(&timestamps, &columns, resolution: tier.resolution) }
        return (timestamps, columns)
    }

    /// Adjacent rollup points in the same bucket (partial points from a backfill) become one.
    private static func combineBuckets(_ timestamps: inout [Int64], _ columns: inout [[Double]], resolution: Int64) {
        var write = 0
        for read in timestamps.indices {
            if write > 0 && RollupAccumulator.bucket(of: timestamps[write - 1], resolution: resolution)
                == RollupAccumulator.bucket(of: timestamps[read], resolution: resolution) {
                let target = write - 1
                columns[RollupColumn.min.rawValue][target] = Swift.min(columns[RollupColumn.min.rawValue][target], columns[RollupColumn.min.rawValue][read])
                columns[RollupColumn.max.rawValue][target] = Swift.max(columns[RollupColumn.max.rawValue][target], columns[RollupColumn.max.rawValue][read])
                columns[RollupColumn.sum.rawValue][target] += columns[RollupColumn.sum.rawValue][read]
                columns[RollupColumn.count.rawValue][target] += columns[RollupColumn.count.rawValue][read]
                columns[RollupColumn.last.rawValue][target] = columns[RollupColumn.last.rawValue][read]
                timestamps[target] = timestamps[read]
                continue
            }
            timestamps[write] = timestamps[read]
            for column in columns.indices { columns[column][write] = columns[column][read] }
            write += 1
        }
        timestamps.removeLast(timestamps.count - write)
        for column in columns.indices { columns[column].removeLast(columns[column].count - write) }
    }
}
