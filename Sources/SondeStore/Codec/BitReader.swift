/// Reads bit fields most-significant bit first from borrowed bytes, for decoding untrusted chunks.
///
/// Reads never touch memory outside the buffer: past its end they see zero bits and only advance the
/// position. Decoders loop over a validated sample count, so this cannot hang, and they call
/// `checkWithinBounds` once at the end instead of branching to throw on every field. The fast path
/// loads 64-bit words; there is no per-bit loop.
///
/// It does not own the bytes: it must not outlive the buffer it was made from.
struct BitReader {
    private let base: UnsafePointer<UInt8>?
    private let byteCount: Int
    /// Bit position from the start of the buffer; may run past the end on corrupt input.
    private(set) var position: Int

    init(_ buffer: UnsafeRawBufferPointer, startingAtByte start: Int = 0) {
        base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        byteCount = buffer.count
        position = start * 8
    }

    var bitCount: Int { byteCount * 8 }

    /// True while every bit consumed so far was inside the buffer.
    var isWithinBounds: Bool { position <= byteCount * 8 }

    func checkWithinBounds(_ what: StaticString) throws(CodecError) {
        guard isWithinBounds else { throw CodecError("\(what): runs past the end of the chunk") }
    }

    /// Bits left before the end (negative once past it).
    var remainingBits: Int { byteCount * 8 - position }

    /// Throws unless at least `bits` bits remain: lets decoders reject a hostile count before looping.
    func require(_ bits: Int, _ what: StaticString) throws(CodecError) {
        guard bits <= remainingBits else { throw CodecError("\(what): needs \(bits) bits, \(remainingBits) left") }
    }

    /// The next 64 bits, left-aligned, zero beyond the end of the buffer. Does not advance.
    @inline(__always)
    func peek() -> UInt64 {
        let byte = position &>> 3
        let shift = UInt64(position & 7)
        if let base, byte &+ 9 <= byteCount {
            let word = UInt64(bigEndian: UnsafeRawPointer(base + byte).loadUnaligned(as: UInt64.self))
            let next = UInt64(base[byte &+ 8])
            // `next << shift >> 8` is the top `shift` bits of the ninth byte (zero when shift == 0).
            return (word &<< shift) | ((next &<< shift) &>> 8)
        }
        return slowPeek(byte: byte, shift: shift)
    }

    @inline(never)
    private func slowPeek(byte: Int, shift: UInt64) -> UInt64 {
        guard let base else { return 0 }
        var word: UInt64 = 0
        var next: UInt64 = 0
        for i in 0..<9 {
            let index = byte &+ i
            let value: UInt64 = (index >= 0 && index < byteCount) ? UInt64(base[index]) : 0
            if i < 8 { word = (word &<< 8) | value } else { next = value }
        }
        return (word &<< shift) | ((next &<< shift) &>> 8)
    }

    @inline(__always)
    mutating func skip(_ count: Int) {
        position &+= count
    }

    /// Reads `count` bits (0...64) as an unsigned integer.
    @inline(__always)
    mutating func read(bits count: Int) -> UInt64 {
        if count == 0 { return 0 }
        let value = peek() &>> UInt64(64 - count)
        position &+= count
        return value
    }

    @inline(__always)
    mutating func readBit() -> Bool {
        let bit = peek() &>> 63
        position &+= 1
        return bit != 0
    }
}
