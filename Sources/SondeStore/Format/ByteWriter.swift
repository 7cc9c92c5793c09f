/// Appends little-endian integers, LEB128 varints and raw bytes to a growable byte array.
/// Used for every on-disk record the store writes (chunk records, index records, snapshots, the head log).
struct ByteWriter {
    var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    mutating func writeUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func writeUInt64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func writeInt64(_ value: Int64) { writeUInt64(UInt64(bitPattern: value)) }

    mutating func writeDouble(_ value: Double) { writeUInt64(value.bitPattern) }

    mutating func writeVarint(_ value: UInt64) { Varint.write(value, into: &bytes) }

    mutating func writeVarint(_ value: Int) { writeVarint(UInt64(value)) }

    /// Zigzag keeps small negative numbers small: 0, -1, 1, -2 … become 0, 1, 2, 3 ….
    mutating func writeSignedVarint(_ value: Int64) { writeVarint(Varint.zigzag(value)) }

    mutating func writeBytes(_ data: some Collection<UInt8>) { bytes.append(contentsOf: data) }

    mutating func writeLengthPrefixed(_ data: some Collection<UInt8>) {
        writeVarint(data.count)
        bytes.append(contentsOf: data)
    }

    mutating func writeString(_ text: String) { writeLengthPrefixed(text.utf8) }
}

/// Reads what `ByteWriter` wrote, checking every bound: the bytes come from disk and may be damaged,
/// so every read can fail with `ByteReader.Truncated` instead of trapping.
struct ByteReader {
    struct Truncated: Error {}

    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func readUInt8() throws(Truncated) -> UInt8 {
        guard offset < bytes.count else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt32() throws(Truncated) -> UInt32 {
        guard remaining >= 4 else { throw Truncated() }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func readUInt64() throws(Truncated) -> UInt64 {
        guard remaining >= 8 else { throw Truncated() }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func readInt64() throws(Truncated) -> Int64 { Int64(bitPattern: try readUInt64()) }

    mutating func readDouble() throws(Truncated) -> Double { Double(bitPattern: try readUInt64()) }

    mutating func readVarint() throws(Truncated) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw Truncated() }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// A varint that must fit in `limit` (a count or a length read from disk).
    mutating func readCount(limit: Int) throws(Truncated) -> Int {
        let value = try readVarint()
        guard value <= UInt64(limit) else { throw Truncated() }
        return Int(value)
    }

    mutating func readSignedVarint() throws(Truncated) -> Int64 { Varint.unzigzag(try readVarint()) }

    mutating func readBytes(_ count: Int) throws(Truncated) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw Truncated() }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    mutating func readLengthPrefixed(limit: Int = 1 << 24) throws(Truncated) -> UnsafeRawBufferPointer {
        try readBytes(try readCount(limit: limit))
    }

    mutating func readString(limit: Int = 1 << 16) throws(Truncated) -> String {
        let raw = try readLengthPrefixed(limit: limit)
        return String(decoding: raw, as: UTF8.self)
    }
}
