/// An open chunk, boxed: a tier without one costs a pointer, not the encoder's state.
final class OpenChunk {
    var chunk: HeadChunk
    init(_ chunk: HeadChunk) { self.chunk = chunk }
}

/// The open chunk of one series in one tier, and what the next appended point is checked against.
struct TierHead {
    var open: OpenChunk?
    /// Sequence number of the open chunk (or of the next one when none is open). Chunks of a series
    /// and tier carry increasing numbers, which lets recovery tell whether a chunk reached its ring.
    var chunkSequence: UInt32 = 0
    /// Last accepted timestamp and value bits, kept after the chunk is sealed to spot duplicates.
    var lastTimestamp: Int64 = .min
    var lastBits: UInt64 = 0
    /// The raw tier's most recently sealed chunk, kept in memory too: rules and recent queries read
    /// the last minutes of a series, which then lie in this chunk and the open one, with no disk read.
    var recent: RecentChunk?
    /// Every sealed chunk of this series other than `recent` ends at or before this time; `.max`
    /// when unknown (a series read back from disk), which sends every read to the ring.
    var olderSealedThrough: Int64 = .max

    /// A copy of the open chunk (for readers and snapshots; writers go through `open`).
    var chunk: HeadChunk? { open?.chunk }
    var isEmpty: Bool { (open?.chunk.count ?? 0) == 0 }
}

/// A sealed chunk's encoded bytes and time span.
struct RecentChunk: Sendable {
    var payload: [UInt8]
    var firstTimestamp: Int64
    var lastTimestamp: Int64
}

/// The min, max, sum, count and last value of a series over one bucket of a rollup tier, built as
/// samples arrive. Its timestamp is that of the last sample in the bucket, so a rollup point is
/// also an exact raw sample (`last` at that time) and step-aligned reads agree across tiers.
///
/// Prometheus' staleness markers are not values and are left out.
struct RollupAccumulator {
    var lastTimestamp: Int64 = 0
    var minimum = 0.0
    var maximum = 0.0
    var sum = 0.0
    var count = 0.0
    var last = 0.0

    /// Whether it holds a bucket's samples (its bucket is that of `lastTimestamp`).
    var active: Bool { count > 0 }

    mutating func start(timestamp: Int64, value: Double) {
        lastTimestamp = timestamp
        minimum = value
        maximum = value
        sum = value
        count = 1
        last = value
    }

    mutating func add(timestamp: Int64, value: Double) {
        // Same semantics as Prometheus' min_over_time/max_over_time: a NaN is replaced by any number.
        if value < minimum || minimum.isNaN { minimum = value }
        if value > maximum || maximum.isNaN { maximum = value }
        sum += value
        count += 1
        if timestamp >= lastTimestamp {
            lastTimestamp = timestamp
            last = value
        }
    }

    var columns: [Double] { [minimum, maximum, sum, count, last] }

    mutating func clear() { count = 0 }

    static func bucket(of timestamp: Int64, resolution: Int64) -> Int64 {
        // Floor division, so negative timestamps land in the right bucket too.
        let quotient = timestamp / resolution
        return (timestamp % resolution < 0) ? quotient - 1 : quotient
    }
}

/// Everything a series holds in memory: an open chunk per tier and an accumulator per rollup tier.
struct SeriesHeads {
    var raw = TierHead()
    var minute = TierHead()
    var hour = TierHead()
    var minuteRollup = RollupAccumulator()
    var hourRollup = RollupAccumulator()

    // `_modify` yields the stored head in place: a get/set pair would copy the open chunk's
    // buffer on every mutation through the subscript.
    subscript(tier: Tier) -> TierHead {
        get {
            switch tier {
            case .raw: raw
            case .minute: minute
            case .hour: hour
            }
        }
        _modify {
            switch tier {
            case .raw: yield &raw
            case .minute: yield &minute
            case .hour: yield &hour
            }
        }
    }

    subscript(rollup tier: Tier) -> RollupAccumulator {
        get { tier == .minute ? minuteRollup : hourRollup }
        _modify {
            if tier == .minute { yield &minuteRollup } else { yield &hourRollup }
        }
    }

    var isEmpty: Bool {
        raw.isEmpty && minute.isEmpty && hour.isEmpty && !minuteRollup.active && !hourRollup.active
            && raw.chunkSequence == 0 && minute.chunkSequence == 0 && hour.chunkSequence == 0
    }
}
