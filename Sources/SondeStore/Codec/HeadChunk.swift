/// Streaming encoder for an open ("head") chunk with 1...16 value columns sharing timestamps:
/// timestamps as delta-of-delta, values as Gorilla XOR, appended bit by bit.
///
/// Bit stream (MSB first), sample 0: each column's 64-bit value (the first timestamp is kept aside);
/// then per sample: the timestamp delta-of-delta as `0` (zero), `10`+14, `110`+17, `1110`+20 or `1111`+64
/// bits two's complement (Prometheus' buckets, widened to 64 bits so any Int64 step round-trips), then each
/// column's `GorillaXOR` code. Arithmetic wraps, so extreme timestamps never trap.
///
/// It does not check ordering (the store rejects out-of-order samples before appending), does not
/// bound its length (the store seals at `SealedChunk.maxSamples`), and does not pick cheaper encodings:
/// sealing re-encodes with `SealedChunk`, which does.
public struct HeadChunk: Sendable {
    static let version: UInt8 = 0

    public let columnCount: Int
    public private(set) var count: Int = 0
    /// Valid when count > 0.
    public private(set) var firstTimestamp: Int64 = 0
    /// Valid when count > 0.
    public private(set) var lastTimestamp: Int64 = 0
    private var lastDelta: Int64 = 0
    /// Column 0 kept out of the array so the single-column append touches no array storage but the bits.
    private var column0 = GorillaXOR()
    private var otherColumns: [GorillaXOR]
    private var writer: BitWriter

    /// `columnCount`: 1 for raw samples, 5 for rollups (min, max, sum, count, last); at most 16.
    public init(columnCount: Int) {
        precondition(columnCount >= 1 && columnCount <= SealedChunk.maxColumns, "head chunk column count out of range")
        self.columnCount = columnCount
        otherColumns = Array(repeating: GorillaXOR(), count: columnCount - 1)
        writer = BitWriter(reservingBytes: 256 * columnCount)
    }

    /// The last value of `column` (0-based). Valid when count > 0.
    public func lastValue(column: Int) -> Double {
        Double(bitPattern: column == 0 ? column0.previous : otherColumns[column - 1].previous)
    }

    /// Bytes held by the bit stream, for memory accounting.
    public var encodedByteCount: Int { writer.byteCount }

    /// Heap bytes this chunk holds (buffers at their capacity, with the array headers), for memory
    /// accounting; its inline size is `MemoryLayout<HeadChunk>.size`.
    public var allocatedByteCount: Int {
        let arrayHeader = 32
        let columns = otherColumns.isEmpty ? 0 : arrayHeader + otherColumns.capacity * MemoryLayout<GorillaXOR>.stride
        return arrayHeader + writer.bytes.capacity + columns
    }

    // MARK: Appending

    @inline(__always)
    private mutating func appendTimestamp(_ timestamp: Int64) {
        let delta = timestamp &- lastTimestamp
        let dod = delta &- lastDelta
        lastDelta = delta
        lastTimestamp = timestamp
        let u = UInt64(bitPattern: dod)
        if dod == 0 {
            writer.write(0, bits: 1)
        } else if dod >= -(1 << 13) && dod < (1 << 13) {
            writer.write((0b10 << 14) | (u & 0x3fff), bits: 16)
        } else if dod >= -(1 << 16) && dod < (1 << 16) {
            writer.write((0b110 << 17) | (u & 0x1_ffff), bits: 20)
        } else if dod >= -(1 << 19) && dod < (1 << 19) {
            writer.write((0b1110 << 20) | (u & 0xf_ffff), bits: 24)
        } else {
            writer.write(0b1111, bits: 4)
            writer.write(u, bits: 64)
        }
    }

    /// Appends one sample to a single-column chunk (the hot path for raw samples).
    public mutating func append(timestamp: Int64, value: Double) {
        precondition(columnCount == 1, "append(timestamp:value:) needs a single-column chunk")
        let bits = value.bitPattern
        if count == 0 {
            firstTimestamp = timestamp
            lastTimestamp = timestamp
            column0 = GorillaXOR(first: bits)
            writer.write(bits, bits: 64)
        } else {
            appendTimestamp(timestamp)
            column0.encode(bits, into: &writer)
        }
        count += 1
    }

    /// Appends one sample with `values.count == columnCount` values.
    public mutating func append(timestamp: Int64, values: UnsafeBufferPointer<Double>) {
        precondition(values.count == columnCount, "value count differs from the chunk's column count")
        if count == 0 {
            firstTimestamp = timestamp
            lastTimestamp = timestamp
            column0 = GorillaXOR(first: values[0].bitPattern)
            writer.write(values[0].bitPattern, bits: 64)
            for c in 1..<columnCount {
                otherColumns[c - 1] = GorillaXOR(first: values[c].bitPattern)
                writer.write(values[c].bitPattern, bits: 64)
            }
        } else {
            appendTimestamp(timestamp)
            column0.encode(values[0].bitPattern, into: &writer)
            for c in 1..<columnCount {
                otherColumns[c - 1].encode(values[c].bitPattern, into: &writer)
            }
        }
        count += 1
    }

    // MARK: Decoding

    /// State left after decoding a stream: what `append` needs to continue it.
    private struct StreamEnd {
        var lastTimestamp: Int64
        var lastDelta: Int64
        var column0: GorillaXOR
        var otherColumns: [GorillaXOR]
    }

    /// Decodes `count` samples; `columnOut` holds one pointer per column.
    private static func decodeStream(
        _ reader: inout BitReader, count: Int, columnCount: Int, first: Int64,
        timestamps: UnsafeMutablePointer<Int64>, columnOut: [UnsafeMutablePointer<Double>]
    ) -> StreamEnd {
        var end = StreamEnd(lastTimestamp: first, lastDelta: 0, column0: GorillaXOR(),
                            otherColumns: Array(repeating: GorillaXOR(), count: columnCount - 1))
        guard count > 0 else { return end }
        let out0 = columnOut[0]
        timestamps[0] = first
        end.column0 = GorillaXOR(first: reader.read(bits: 64))
        out0[0] = Double(bitPattern: end.column0.previous)
        for c in 1..<columnCount {
            end.otherColumns[c - 1] = GorillaXOR(first: reader.read(bits: 64))
            columnOut[c][0] = Double(bitPattern: end.otherColumns[c - 1].previous)
        }
        var t = first
        var delta: Int64 = 0
        var column0 = end.column0
        for i in 1..<count {
            let window = reader.peek()
            let ones = min((~window).leadingZeroBitCount, 4)
            var dod: Int64 = 0
            switch ones {
            case 0:
                reader.skip(1)
            case 1:
                dod = Int64(bitPattern: window &<< 2) &>> 50      // 14 bits after '10'
                reader.skip(16)
            case 2:
                dod = Int64(bitPattern: window &<< 3) &>> 47      // 17 bits after '110'
                reader.skip(20)
            case 3:
                dod = Int64(bitPattern: window &<< 4) &>> 44      // 20 bits after '1110'
                reader.skip(24)
            default:
                reader.skip(4)
                dod = Int64(bitPattern: reader.read(bits: 64))
            }
            delta &+= dod
            t &+= delta
            timestamps[i] = t
            out0[i] = Double(bitPattern: column0.decode(from: &reader))
            for c in 1..<columnCount {
                columnOut[c][i] = Double(bitPattern: end.otherColumns[c - 1].decode(from: &reader))
            }
        }
        end.column0 = column0
        end.lastTimestamp = t
        end.lastDelta = delta
        return end
    }

    /// Appends all samples (in order) to the given arrays; `columns.count == columnCount` afterwards
    /// (extra arrays are dropped, missing ones added).
    public func decode(timestamps: inout [Int64], columns: inout [[Double]]) {
        if columns.count > columnCount { columns.removeLast(columns.count - columnCount) }
        while columns.count < columnCount { columns.append([]) }
        guard count > 0 else { return }
        let stream = writer.finished()
        let n = count
        let tsStart = timestamps.count
        timestamps.append(contentsOf: repeatElement(0, count: n))
        // Decode into scratch columns, then append: keeps the pointer juggling to one place.
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: n * columnCount)
        defer { scratch.deallocate() }
        let pointers = (0..<columnCount).map { scratch + $0 * n }
        let first = firstTimestamp
        let columnCount = columnCount
        stream.withUnsafeBytes { bytes in
            var reader = BitReader(bytes)
            timestamps.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                _ = HeadChunk.decodeStream(&reader, count: n, columnCount: columnCount, first: first,
                                           timestamps: base + tsStart, columnOut: pointers)
            }
        }
        for c in 0..<columnCount {
            columns[c].append(contentsOf: UnsafeBufferPointer(start: pointers[c], count: n))
        }
    }

    // MARK: Snapshots

    /// Compact self-describing bytes for crash-recovery snapshots: one byte `version << 4 |
    /// (columnCount - 1)`, varint count, and when count > 0: zigzag varint first timestamp, varint bit
    /// count, then the bit stream.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(writer.byteCount + 24)
        out.append(HeadChunk.version << 4 | UInt8(columnCount - 1))
        Varint.write(UInt64(count), into: &out)
        guard count > 0 else { return out }
        Varint.write(Varint.zigzag(firstTimestamp), into: &out)
        Varint.write(UInt64(writer.bitCount), into: &out)
        writer.finish(into: &out)
        return out
    }

    /// Restores a chunk from `serialized()` bytes, validating all of it: the stream must decode to
    /// exactly the stated number of samples using exactly the stated bits.
    public init(serialized bytes: UnsafeRawBufferPointer) throws(CodecError) {
        guard bytes.count >= 2 else { throw CodecError("head snapshot: truncated") }
        let layout = bytes[0]
        guard layout >> 4 == HeadChunk.version else {
            throw CodecError("head snapshot: unknown format version \(layout >> 4)")
        }
        let columnCount = Int(layout & 0x0f) + 1
        var offset = 1
        let count = try Varint.read(bytes, &offset, what: "head sample count")
        self.init(columnCount: columnCount)
        guard count > 0 else {
            guard offset == bytes.count else { throw CodecError("head snapshot: trailing bytes") }
            return
        }
        let first = Varint.unzigzag(try Varint.read(bytes, &offset, what: "head first timestamp"))
        let bitCount = try Varint.read(bytes, &offset, what: "head bit count")
        let streamBytes = bytes.count - offset
        guard bitCount <= UInt64(streamBytes) * 8, (Int(bitCount) + 7) / 8 == streamBytes else {
            throw CodecError("head snapshot: bit count \(bitCount) disagrees with \(streamBytes) stream bytes")
        }
        // Sample 0 takes 64 bits per column and every later one at least 1 + columnCount bits; checking
        // this first bounds the allocation below by the input size.
        let bits = Int(bitCount)
        guard bits >= 64 * columnCount, count - 1 <= UInt64((bits - 64 * columnCount) / (1 + columnCount)) else {
            throw CodecError("head snapshot: \(count) samples cannot fit in \(bitCount) bits")
        }
        let n = Int(count)
        let stream = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let timestamps = UnsafeMutablePointer<Int64>.allocate(capacity: n)
        defer { timestamps.deallocate() }
        let values = UnsafeMutablePointer<Double>.allocate(capacity: n * columnCount)
        defer { values.deallocate() }
        var reader = BitReader(stream)
        let end = HeadChunk.decodeStream(&reader, count: n, columnCount: columnCount, first: first,
                                         timestamps: timestamps, columnOut: (0..<columnCount).map { values + $0 * n })
        guard reader.position == bits else {
            throw CodecError("head snapshot: stream used \(reader.position) of \(bits) bits")
        }
        self.count = n
        firstTimestamp = first
        lastTimestamp = end.lastTimestamp
        lastDelta = end.lastDelta
        column0 = end.column0
        otherColumns = end.otherColumns
        writer = BitWriter(resuming: stream, bitCount: bits)
    }
}
