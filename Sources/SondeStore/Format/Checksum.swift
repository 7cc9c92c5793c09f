import CZlib

/// CRC-32 (zlib's, hardware-assisted where zlib has it) over record bytes.
///
/// Records are checksummed with a *seed*: the generation of the container they live in (a ring
/// segment's sequence number, the head log's generation). A record left over from an earlier lap of
/// the ring therefore fails its check even though its bytes are intact, so stale data is never
/// mistaken for live data.
enum Checksum {
    static func crc32(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt32 {
        var crc: UInt = withUnsafeBytes(of: seed.littleEndian) { seedBytes in
            CZlib.crc32(0, seedBytes.baseAddress?.assumingMemoryBound(to: Bytef.self), UInt32(seedBytes.count))
        }
        if let base = bytes.baseAddress, !bytes.isEmpty {
            crc = CZlib.crc32(crc, base.assumingMemoryBound(to: Bytef.self), UInt32(bytes.count))
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
