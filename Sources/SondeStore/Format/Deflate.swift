import CZlib

/// Whole-buffer zlib compression for small records (series batches, snapshots).
enum Deflate {
    static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var bound = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(bound))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                compress2(out.baseAddress, &bound, source.baseAddress, uLong(source.count), level)
            }
        }
        guard status == Z_OK else { return nil }
        output.removeLast(output.count - Int(bound))
        return output
    }

    /// Inflates to exactly `expectedLength` bytes; nil for damaged input or a length mismatch.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedLength: Int) -> [UInt8]? {
        guard expectedLength >= 0, expectedLength <= 1 << 28 else { return nil }
        var output = [UInt8](repeating: 0, count: expectedLength)
        var length = uLong(expectedLength)
        let status = output.withUnsafeMutableBufferPointer { out in
            uncompress(out.baseAddress, &length, input.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(input.count))
        }
        guard status == Z_OK, Int(length) == expectedLength else { return nil }
        return output
    }
}
