/// Encoding of a sealed (immutable) chunk of 1...65 535 samples with 1...16 value columns sharing
/// timestamps. Per column, and for the timestamps, it picks the smallest of the available encodings by
/// exact bit cost, so regular collection grids, constant gauges and integer counters cost almost nothing.
///
/// Layout: a byte-aligned header, then one bit stream (MSB first, zero-padded to a byte):
/// - varint count; one byte `version << 4 | (columnCount - 1)` (version 0);
///   zigzag varint first timestamp; varint `last - first` (as UInt64, wrapping);
/// - timestamps (count >= 2): `IntegerPacker` stream of count-1 residuals: first
///   `delta1 - (last - first) / (count - 1)`, then delta-of-deltas; a regular grid is 4 bits in all;
/// - each column: 2 bits kind, then
///   - 0 Gorilla XOR: 64-bit first value, then `GorillaXOR` codes;
///   - 1/2 decimal with delta / delta-of-delta residuals: 4 bits scale k, 6-bit width b, b bits of
///     zigzag(n0), then (count >= 2) an `IntegerPacker` stream; values are `Double(n) / 10^k`;
///   - 3 constant: the 64-bit value.
///
/// Decoding validates everything (header ranges, widths, stream bounds, strictly increasing timestamps
/// ending at the header's last timestamp, no trailing bytes) and throws `CodecError` on hostile bytes;
/// it never traps and allocates at most count × columns values, both bounded by the header limits.
/// It does not compress across chunks, and is not a streaming format: see `HeadChunk` for that.
public enum SealedChunk {
    public static let maxSamples = 65_535
    public static let maxColumns = 16
    static let version: UInt8 = 0

    enum Kind: UInt64 {
        case xor = 0, decimalDelta = 1, decimalDeltaOfDelta = 2, constant = 3
    }

    // MARK: Encoding

    /// Appends the encoded chunk to `out`. `timestamps.count` must equal every column's count and be in
    /// 1...maxSamples, with 1...maxColumns columns and strictly increasing timestamps (preconditions:
    /// the store guarantees them).
    public static func encode(timestamps: UnsafeBufferPointer<Int64>, columns: [UnsafeBufferPointer<Double>], into out: inout [UInt8]) {
        let n = timestamps.count
        precondition(n >= 1 && n <= maxSamples, "sealed chunk sample count out of range")
        precondition(columns.count >= 1 && columns.count <= maxColumns, "sealed chunk column count out of range")
        for column in columns { precondition(column.count == n, "column length differs from timestamps") }
        for i in 1..<max(n, 1) {
            precondition(timestamps[i - 1] < timestamps[i], "timestamps not strictly increasing")
        }

        let first = timestamps[0]
        let span = UInt64(bitPattern: timestamps[n - 1] &- first)
        Varint.write(UInt64(n), into: &out)
        out.append(version << 4 | UInt8(columns.count - 1))
        Varint.write(Varint.zigzag(first), into: &out)
        Varint.write(span, into: &out)

        var writer = BitWriter(reservingBytes: n * columns.count + 16)
        // Three scratch sequences: residuals, the scaled integers, and a second residual candidate.
        let scratch = UnsafeMutablePointer<Int64>.allocate(capacity: 3 * n)
        defer { scratch.deallocate() }
        let residuals = scratch
        let ints = scratch + n
        let residuals2 = scratch + 2 * n

        if n >= 2 {
            let expected = span / UInt64(n - 1)
            var previousDelta = expected
            for i in 1..<n {
                let delta = UInt64(bitPattern: timestamps[i] &- timestamps[i - 1])
                residuals[i - 1] = Int64(bitPattern: delta &- previousDelta)
                previousDelta = delta
            }
            let buffer = UnsafeBufferPointer(start: residuals, count: n - 1)
            IntegerPacker.write(buffer, plan: IntegerPacker.plan(buffer), into: &writer)
        }

        for column in columns {
            encodeColumn(column, residuals: residuals, residuals2: residuals2, ints: ints, into: &writer)
        }
        writer.finish(into: &out)
    }

    /// Convenience for callers holding arrays.
    public static func encode(timestamps: [Int64], columns: [[Double]], into out: inout [UInt8]) {
        timestamps.withUnsafeBufferPointer { ts in
            var pointers: [UnsafeBufferPointer<Double>] = []
            pointers.reserveCapacity(columns.count)
            // Arrays of Double are contiguous; the pointers stay valid while `columns` is alive and
            // unmutated, which holds for the duration of this call.
            func collect(_ index: Int) {
                if index == columns.count {
                    encode(timestamps: ts, columns: pointers, into: &out)
                    return
                }
                columns[index].withUnsafeBufferPointer { buffer in
                    pointers.append(buffer)
                    collect(index + 1)
                }
            }
            collect(0)
        }
    }

    private static func encodeColumn(
        _ values: UnsafeBufferPointer<Double>,
        residuals: UnsafeMutablePointer<Int64>,
        residuals2: UnsafeMutablePointer<Int64>,
        ints: UnsafeMutablePointer<Int64>,
        into writer: inout BitWriter
    ) {
        let n = values.count
        let firstBits = values[0].bitPattern

        var isConstant = true
        for v in values where v.bitPattern != firstBits { isConstant = false; break }
        if isConstant {
            // Constant: 66 bits. A decimal constant can be shorter (2+4+6+b+4 bits), so check it too.
            if let k = DecimalScale.find(UnsafeBufferPointer(start: values.baseAddress, count: 1), ints: ints) {
                let zn = Varint.zigzag(ints[0])
                if 2 + 4 + 6 + IntegerPacker.bitLength(zn) + (n >= 2 ? 4 : 0) < 66 {
                    writer.write(Kind.decimalDelta.rawValue, bits: 2)
                    writer.write(UInt64(k), bits: 4)
                    writer.write(UInt64(IntegerPacker.bitLength(zn)), bits: 6)
                    writer.write(zn, bits: IntegerPacker.bitLength(zn))
                    if n >= 2 {
                        let zeros = UnsafeMutableBufferPointer(start: residuals, count: n - 1)
                        zeros.initialize(repeating: 0)
                        let buffer = UnsafeBufferPointer(zeros)
                        IntegerPacker.write(buffer, plan: IntegerPacker.plan(buffer), into: &writer)
                    }
                    return
                }
            }
            writer.write(Kind.constant.rawValue, bits: 2)
            writer.write(firstBits, bits: 64)
            return
        }

        var xorState = GorillaXOR(first: firstBits)
        var xorBits = 2 + 64
        for i in 1..<n { xorBits += xorState.cost(values[i].bitPattern) }

        if let k = DecimalScale.find(values, ints: ints) {
            let zn = Varint.zigzag(ints[0])
            let headerBits = 2 + 4 + 6 + IntegerPacker.bitLength(zn)
            // n >= 2 here: a single value is constant.
            var previous = ints[0]
            var previousDelta: Int64 = 0
            for i in 1..<n {
                let delta = ints[i] &- previous
                residuals[i - 1] = delta
                residuals2[i - 1] = delta &- previousDelta
                previous = ints[i]
                previousDelta = delta
            }
            let deltas = UnsafeBufferPointer(start: residuals, count: n - 1)
            let dods = UnsafeBufferPointer(start: residuals2, count: n - 1)
            let deltaPlan = IntegerPacker.plan(deltas)
            let dodPlan = IntegerPacker.plan(dods)
            let useDelta = deltaPlan.bits <= dodPlan.bits
            let bits = headerBits + (useDelta ? deltaPlan.bits : dodPlan.bits)
            if bits < xorBits {
                writer.write((useDelta ? Kind.decimalDelta : Kind.decimalDeltaOfDelta).rawValue, bits: 2)
                writer.write(UInt64(k), bits: 4)
                writer.write(UInt64(IntegerPacker.bitLength(zn)), bits: 6)
                writer.write(zn, bits: IntegerPacker.bitLength(zn))
                if useDelta {
                    IntegerPacker.write(deltas, plan: deltaPlan, into: &writer)
                } else {
                    IntegerPacker.write(dods, plan: dodPlan, into: &writer)
                }
                return
            }
        }

        writer.write(Kind.xor.rawValue, bits: 2)
        writer.write(firstBits, bits: 64)
        var state = GorillaXOR(first: firstBits)
        for i in 1..<n { state.encode(values[i].bitPattern, into: &writer) }
    }

    // MARK: Decoding

    private struct Header {
        var count: Int
        var columnCount: Int
        var first: Int64
        var span: UInt64
        var bodyOffset: Int
    }

    private static func readHeader(_ bytes: UnsafeRawBufferPointer) throws(CodecError) -> Header {
        var offset = 0
        let count = try Varint.read(bytes, &offset, what: "sample count")
        guard count >= 1 && count <= UInt64(maxSamples) else {
            throw CodecError("sealed chunk: sample count \(count) outside 1...\(maxSamples)")
        }
        guard offset < bytes.count else { throw CodecError("sealed chunk: truncated header") }
        let layout = bytes[offset]
        offset += 1
        guard layout >> 4 == version else {
            throw CodecError("sealed chunk: unknown format version \(layout >> 4)")
        }
        let first = Varint.unzigzag(try Varint.read(bytes, &offset, what: "first timestamp"))
        let span = try Varint.read(bytes, &offset, what: "time span")
        if count == 1 && span != 0 {
            throw CodecError("sealed chunk: one sample but a non-zero time span")
        }
        if count > 1 && (span == 0 || span > UInt64(bitPattern: Int64.max &- first)) {
            throw CodecError("sealed chunk: time span \(span) impossible for \(count) samples from \(first)")
        }
        return Header(count: Int(count), columnCount: Int(layout & 0x0f) + 1, first: first, span: span, bodyOffset: offset)
    }

    /// Reads count, column count, first and last timestamp from the header without decoding the body.
    public static func summary(_ bytes: UnsafeRawBufferPointer) throws(CodecError) -> SealedChunkSummary {
        let header = try readHeader(bytes)
        return SealedChunkSummary(
            count: header.count, columnCount: header.columnCount,
            firstTimestamp: header.first, lastTimestamp: header.first &+ Int64(bitPattern: header.span))
    }

    /// Appends the decoded samples; `columns` is resized to the chunk's column count. On error nothing
    /// is appended (the arrays are restored to their previous lengths; `columns` may have been resized).
    /// `bytes` must be exactly one chunk: trailing bytes are an error.
    public static func decode(_ bytes: UnsafeRawBufferPointer, timestamps: inout [Int64], columns: inout [[Double]]) throws(CodecError) {
        let header = try readHeader(bytes)
        let n = header.count
        var reader = BitReader(bytes, startingAtByte: header.bodyOffset)

        if columns.count > header.columnCount { columns.removeLast(columns.count - header.columnCount) }
        while columns.count < header.columnCount { columns.append([]) }

        let timestampStart = timestamps.count
        let columnStarts = columns.map(\.count)
        var failure: CodecError? = nil

        // Integer scratch for residuals of decimal columns.
        let scratch = UnsafeMutablePointer<Int64>.allocate(capacity: n)
        defer { scratch.deallocate() }

        timestamps.append(contentsOf: repeatElement(0, count: n))
        timestamps.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            do throws(CodecError) {
                try decodeTimestamps(header, into: base + timestampStart, reader: &reader)
            } catch {
                failure = error
            }
        }

        if failure == nil {
            for c in 0..<header.columnCount {
                columns[c].append(contentsOf: repeatElement(0, count: n))
                columns[c].withUnsafeMutableBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    do throws(CodecError) {
                        try decodeColumn(count: n, into: base + columnStarts[c], scratch: scratch, reader: &reader)
                    } catch {
                        failure = error
                    }
                }
                if failure != nil { break }
            }
        }

        if failure == nil {
            if !reader.isWithinBounds {
                failure = CodecError("sealed chunk: body runs past the end of the chunk")
            } else if (reader.position + 7) / 8 != bytes.count {
                failure = CodecError("sealed chunk: \(bytes.count - (reader.position + 7) / 8) trailing bytes")
            }
        }

        if let failure {
            timestamps.removeLast(timestamps.count - timestampStart)
            for c in 0..<columns.count where columns[c].count > columnStarts[c] {
                columns[c].removeLast(columns[c].count - columnStarts[c])
            }
            throw failure
        }
    }

    private static func decodeTimestamps(_ header: Header, into out: UnsafeMutablePointer<Int64>, reader: inout BitReader) throws(CodecError) {
        let n = header.count
        out[0] = header.first
        guard n >= 2 else { return }
        try IntegerPacker.read(count: n - 1, from: &reader, into: out + 1)
        // Integrate in place: slot i holds the residual for delta i until overwritten by timestamp i.
        var delta = header.span / UInt64(n - 1)
        var previous = header.first
        var ordered = true
        for i in 1..<n {
            delta &+= UInt64(bitPattern: out[i])
            let t = previous &+ Int64(bitPattern: delta)
            ordered = ordered && t > previous
            out[i] = t
            previous = t
        }
        guard ordered else { throw CodecError("sealed chunk: timestamps not strictly increasing") }
        guard previous == header.first &+ Int64(bitPattern: header.span) else {
            throw CodecError("sealed chunk: last timestamp disagrees with the header")
        }
    }

    private static func decodeColumn(count n: Int, into out: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Int64>, reader: inout BitReader) throws(CodecError) {
        guard let kind = Kind(rawValue: reader.read(bits: 2)) else {
            throw CodecError("sealed chunk: unknown column kind")  // unreachable: 2 bits, 4 kinds
        }
        switch kind {
        case .constant:
            let value = Double(bitPattern: reader.read(bits: 64))
            out.initialize(repeating: value, count: n)
        case .xor:
            try reader.require(64 + n - 1, "sealed chunk XOR column")
            let first = reader.read(bits: 64)
            out[0] = Double(bitPattern: first)
            var state = GorillaXOR(first: first)
            for i in 1..<n {
                out[i] = Double(bitPattern: state.decode(from: &reader))
            }
        case .decimalDelta, .decimalDeltaOfDelta:
            let k = Int(reader.read(bits: 4))
            guard k <= DecimalScale.maxScale else { throw CodecError("sealed chunk: decimal scale \(k) > \(DecimalScale.maxScale)") }
            let width = Int(reader.read(bits: 6))
            guard width <= 55 else { throw CodecError("sealed chunk: decimal width \(width) > 55") }
            var value = Varint.unzigzag(reader.read(bits: width))
            if n >= 2 {
                try IntegerPacker.read(count: n - 1, from: &reader, into: scratch)
            }
            // Hostile residuals may leave the exact range; the values are then wrong but finite, which
            // is all a corrupt chunk can promise. Valid chunks stay within ±2^53 by construction.
            if k == 0 {
                out[0] = Double(value)
                if kind == .decimalDelta {
                    for i in 1..<n { value &+= scratch[i - 1]; out[i] = Double(value) }
                } else {
                    var delta: Int64 = 0
                    for i in 1..<n { delta &+= scratch[i - 1]; value &+= delta; out[i] = Double(value) }
                }
            } else {
                let power = DecimalScale.powers[k]
                out[0] = Double(value) / power
                if kind == .decimalDelta {
                    for i in 1..<n { value &+= scratch[i - 1]; out[i] = Double(value) / power }
                } else {
                    var delta: Int64 = 0
                    for i in 1..<n { delta &+= scratch[i - 1]; value &+= delta; out[i] = Double(value) / power }
                }
            }
        }
    }
}
