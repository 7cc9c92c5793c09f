import CZlib
import SondeCore

/// A file's identity: `st_dev` and `st_ino`. A rename keeps it; a new file (create, recreate) gets a new one.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// What the tailer saves in the data directory to resume after a restart: which file, how far its
/// complete lines were read, and the file's first bytes (up to 1024) to notice a replaced file.
///
/// `offset` is always at a line boundary: a partial last line is read again after a restart.
public struct TailPosition: Sendable, Hashable {
    public static let maxFingerprint = 1024

    public var identity: FileIdentity
    public var offset: UInt64
    public var fingerprint: [UInt8]

    public init(identity: FileIdentity, offset: UInt64, fingerprint: [UInt8]) {
        self.identity = identity
        self.offset = offset
        self.fingerprint = fingerprint
    }

    private static let magic: [UInt8] = Array("SNDT".utf8)
    private static let version: UInt8 = 1
    private static let headerSize = 4 + 1 + 8 + 8 + 8 + 2

    /// Compact little-endian encoding: `"SNDT"`, version 1, device, inode, offset (u64 each),
    /// fingerprint length (u16) and bytes, then a CRC-32 (IEEE) of everything before it.
    /// A fingerprint longer than 1024 bytes is cut to 1024.
    public func encoded() -> [UInt8] {
        let fp = fingerprint.prefix(Self.maxFingerprint)
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + fp.count + 4)
        out += Self.magic
        out.append(Self.version)
        Self.append(&out, identity.device, 8)
        Self.append(&out, identity.inode, 8)
        Self.append(&out, offset, 8)
        Self.append(&out, UInt64(fp.count), 2)
        out += fp
        Self.append(&out, UInt64(LogTailCRC32.checksum(out)), 4)
        return out
    }

    /// Decodes `encoded()`; nil for anything else (wrong magic or version, truncated, trailing bytes,
    /// bad checksum, fingerprint over 1024 bytes).
    public init?(decoding bytes: [UInt8]) {
        guard bytes.count >= Self.headerSize + 4, Array(bytes[0..<4]) == Self.magic, bytes[4] == Self.version
        else { return nil }
        let fpCount = Int(Self.read(bytes, 29, 2))
        guard fpCount <= Self.maxFingerprint, bytes.count == Self.headerSize + fpCount + 4 else { return nil }
        let body = bytes.count - 4
        guard LogTailCRC32.checksum(bytes[0..<body]) == UInt32(Self.read(bytes, body, 4)) else { return nil }
        self.init(
            identity: FileIdentity(device: Self.read(bytes, 5, 8), inode: Self.read(bytes, 13, 8)),
            offset: Self.read(bytes, 21, 8),
            fingerprint: Array(bytes[Self.headerSize..<body]))
    }

    private static func append(_ out: inout [UInt8], _ value: UInt64, _ width: Int) {
        for k in 0..<width { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }

    private static func read(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<width { value |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
        return value
    }
}

/// CRC-32 (IEEE 802.3) of the tail position and checkpoint files, by zlib.
enum LogTailCRC32 {
    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBytes { raw in
            UInt32(crc32(0, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count)))
        }
    }
}
