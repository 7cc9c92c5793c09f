/// Gorilla (Facebook, VLDB 2015) XOR compression of one float64 column, as in Prometheus' XOR chunks.
///
/// After a raw first value, each value is XORed with the previous one:
/// - `0`: identical bits;
/// - `10` + the meaningful bits, when they fit the previous leading/trailing-zero window;
/// - `11` + 5 bits leading zeros (capped at 31) + 6 bits meaningful-bit count (64 stored as 0) + bits.
///
/// Works on bit patterns, so every value (NaN payloads, -0.0, infinities) round-trips exactly. It holds no
/// knowledge of timestamps; chunk formats interleave or concatenate columns around it.
struct GorillaXOR: Sendable {
    var previous: UInt64 = 0
    /// Window of the last `11` control; `leading == 0xff` means no window yet.
    var leading: UInt8 = 0xff
    var trailing: UInt8 = 0

    init() {}

    init(first: UInt64) {
        previous = first
    }

    /// Encodes `bits` after the first value.
    @inline(__always)
    mutating func encode(_ bits: UInt64, into writer: inout BitWriter) {
        let delta = bits ^ previous
        previous = bits
        if delta == 0 {
            writer.write(0, bits: 1)
            return
        }
        var lead = UInt8(truncatingIfNeeded: delta.leadingZeroBitCount)
        if lead > 31 { lead = 31 }
        let trail = UInt8(truncatingIfNeeded: delta.trailingZeroBitCount)
        if leading != 0xff && lead >= leading && trail >= trailing {
            let significant = 64 - Int(leading) - Int(trailing)
            writer.write(0b10, bits: 2)
            writer.write(delta &>> UInt64(trailing), bits: significant)
        } else {
            leading = lead
            trailing = trail
            let significant = 64 - Int(lead) - Int(trail)
            // Control, 5 bits leading, 6 bits count: 13 bits in one write.
            let header = (UInt64(0b11) &<< 11) | (UInt64(lead) &<< 6) | UInt64(significant & 63)
            writer.write(header, bits: 13)
            writer.write(delta &>> UInt64(trail), bits: significant)
        }
    }

    /// The exact number of bits `encode` would write for `bits`, updating the state the same way.
    @inline(__always)
    mutating func cost(_ bits: UInt64) -> Int {
        let delta = bits ^ previous
        previous = bits
        if delta == 0 { return 1 }
        var lead = UInt8(truncatingIfNeeded: delta.leadingZeroBitCount)
        if lead > 31 { lead = 31 }
        let trail = UInt8(truncatingIfNeeded: delta.trailingZeroBitCount)
        if leading != 0xff && lead >= leading && trail >= trailing {
            return 2 + 64 - Int(leading) - Int(trailing)
        }
        leading = lead
        trailing = trail
        return 13 + 64 - Int(lead) - Int(trail)
    }

    /// Decodes the value following `previous`. Corrupt input yields some value, never a trap; the
    /// caller checks the reader's bounds afterwards.
    @inline(__always)
    mutating func decode(from reader: inout BitReader) -> UInt64 {
        let window = reader.peek()
        if window &>> 63 == 0 {
            reader.skip(1)
            return previous
        }
        var significant: Int
        if window &>> 62 == 0b10 {
            // Without a window yet (corrupt input only) `leading` is 0xff; treat as an empty field.
            significant = 64 - Int(leading) - Int(trailing)
            if significant < 0 { significant = 0 }
            reader.skip(2)
        } else {
            leading = UInt8(truncatingIfNeeded: (window &>> 57) & 31)
            significant = Int(truncatingIfNeeded: (window &>> 51) & 63)
            if significant == 0 { significant = 64 }
            let t = 64 - Int(leading) - significant
            // A corrupt header can claim more bits than fit beside the leading zeros.
            trailing = t < 0 ? 0 : UInt8(truncatingIfNeeded: t)
            if t < 0 { significant = 64 - Int(leading) }
            reader.skip(13)
        }
        let delta = reader.read(bits: significant) &<< UInt64(trailing)
        previous ^= delta
        return previous
    }
}
