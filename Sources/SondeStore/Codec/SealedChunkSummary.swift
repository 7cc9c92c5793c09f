/// What a sealed chunk's header says about it: sample count, column count and time range, read without
/// decoding the body (for index building and query pruning).
///
/// It is not a validation of the body: a chunk whose summary reads fine can still fail to decode.
public struct SealedChunkSummary: Sendable, Equatable {
    public var count: Int
    public var columnCount: Int
    public var firstTimestamp: Int64
    public var lastTimestamp: Int64

    public init(count: Int, columnCount: Int, firstTimestamp: Int64, lastTimestamp: Int64) {
        self.count = count
        self.columnCount = columnCount
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
    }
}
