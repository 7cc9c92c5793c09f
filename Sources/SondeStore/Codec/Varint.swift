/// LEB128 varints and zigzag mapping for the byte-aligned chunk headers.
///
/// Headers are a handful of bytes per chunk, so these favour clarity over speed; the bit streams use
/// `BitWriter`/`BitReader` instead.
enum Varint {
    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v &<< 1) ^ (v &>> 63))
    }

    @inline(__always)
    static func unzigzag(_ u: UInt64) -> Int64 {
        Int64(bitPattern: (u &>> 1) ^ (0 &- (u & 1)))
    }

    static func write(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    /// Reads a varint at `offset`, advancing it. Rejects varints longer than 10 bytes and ones whose
    /// tenth byte carries bits beyond 64, so hostile input can neither loop nor silently wrap.
    static func read(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int, what: StaticString) throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else {
                throw CodecError("truncated header reading \(what)")
            }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 {
                throw CodecError("varint overflow reading \(what)")
            }
            result |= UInt64(byte & 0x7f) &<< shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}
