/// Appends bit fields most-significant bit first into a byte array.
///
/// Bits collect in a 64-bit accumulator and are flushed eight bytes at a time, so the common write is a
/// shift and an OR. It does not bound its growth: callers (the chunk encoders) bound the sample count.
struct BitWriter: Sendable {
    /// Whole bytes written so far; the last `pendingBitCount` bits live in `pending`.
    private(set) var bytes: [UInt8]
    /// The not-yet-flushed bits, right-aligned; always fewer than 64.
    private var pending: UInt64 = 0
    private(set) var pendingBitCount: Int = 0

    init(reservingBytes: Int = 0) {
        bytes = []
        bytes.reserveCapacity(reservingBytes)
    }

    /// Resumes writing after `bitCount` bits already stored in `stored` (whose unused low bits of the
    /// last byte are ignored). Used to restore a head chunk from its snapshot.
    init(resuming stored: UnsafeRawBufferPointer, bitCount: Int) {
        let whole = bitCount / 8
        bytes = Array(stored[0..<whole])
        let rest = bitCount % 8
        if rest > 0 {
            pending = UInt64(stored[whole] >> UInt8(8 - rest))
            pendingBitCount = rest
        }
    }

    var bitCount: Int { bytes.count * 8 + pendingBitCount }

    /// Bytes the finished stream occupies (the last one padded with zero bits).
    var byteCount: Int { bytes.count + (pendingBitCount + 7) / 8 }

    /// Appends the low `count` bits of `value` (0...64 bits; higher bits of `value` are ignored).
    @inline(__always)
    mutating func write(_ value: UInt64, bits count: Int) {
        if count == 0 { return }
        let v = value & (UInt64.max &>> UInt64(64 - count))
        let free = 64 - pendingBitCount
        if count < free {
            pending = (pending &<< UInt64(count)) | v
            pendingBitCount += count
        } else {
            // Fill the accumulator to exactly 64 bits, flush it, keep the remainder.
            let rest = count - free
            // When the accumulator is empty, free == 64 and `pending` is 0, so the masked shift is harmless.
            let word = (free == 64 ? 0 : pending &<< UInt64(free)) | (v &>> UInt64(rest))
            flush(word)
            pending = rest == 0 ? 0 : v & ((1 &<< UInt64(rest)) &- 1)
            pendingBitCount = rest
        }
    }

    @inline(__always)
    mutating func writeBit(_ bit: Bool) {
        write(bit ? 1 : 0, bits: 1)
    }

    @inline(__always)
    private mutating func flush(_ word: UInt64) {
        withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// The stream with its last partial byte zero-padded, appended to `out`.
    func finish(into out: inout [UInt8]) {
        out.append(contentsOf: bytes)
        var tail = pending &<< UInt64(64 - pendingBitCount)
        var left = pendingBitCount
        while left > 0 {
            out.append(UInt8(truncatingIfNeeded: tail &>> 56))
            tail &<<= 8
            left -= 8
        }
    }

    func finished() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        finish(into: &out)
        return out
    }
}
