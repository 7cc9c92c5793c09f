import SondeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Little-endian encoder for checkpoint files.
public struct CheckpointWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u32(_ v: UInt32) { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) } }
    public mutating func u64(_ v: UInt64) { for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    public mutating func blob(_ v: [UInt8]) {
        u32(UInt32(v.count))
        bytes += v
    }
    public mutating func string(_ v: String) { blob(Array(v.utf8)) }
}

/// Decoder for `CheckpointWriter`'s output; every read is bounds-checked.
public struct CheckpointReader: Sendable {
    public struct Malformed: Error, Sendable {
        public init() {}
    }

    private let bytes: [UInt8]
    private var at = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { at == bytes.count }

    private mutating func take(_ n: Int) throws(Malformed) -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - at >= n else { throw Malformed() }
        defer { at += n }
        return bytes[at..<(at + n)]
    }

    private mutating func little(_ n: Int) throws(Malformed) -> UInt64 {
        var v: UInt64 = 0
        for (k, b) in try take(n).enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
        return v
    }

    public mutating func u8() throws(Malformed) -> UInt8 { UInt8(try little(1)) }
    public mutating func u32() throws(Malformed) -> UInt32 { UInt32(try little(4)) }
    public mutating func u64() throws(Malformed) -> UInt64 { try little(8) }
    public mutating func i64() throws(Malformed) -> Int64 { Int64(bitPattern: try little(8)) }
    public mutating func f64() throws(Malformed) -> Double { Double(bitPattern: try little(8)) }
    public mutating func blob() throws(Malformed) -> [UInt8] { Array(try take(Int(try u32()))) }
    public mutating func string() throws(Malformed) -> String {
        let raw = try blob()
        guard let text = String(validating: raw, as: UTF8.self) else { throw Malformed() }
        return text
    }
}

/// One file in the data directory holding everything a log collector must resume with: the tail
/// positions and the counters they were counted up to, written together so they always agree.
///
/// Written to a temporary file, synced, then renamed over the old one: a crash leaves the old or
/// the new checkpoint, never a mix. Framed as magic `SNDL`, version, payload length, payload, CRC-32;
/// a damaged file reads as absent (the collector then starts over, and says so).
public struct LogCheckpointFile: Sendable {
    public let path: String
    private static let magic: [UInt8] = Array("SNDL".utf8)
    private static let version: UInt8 = 1

    public init(path: String) { self.path = path }

    public enum Loaded: Sendable {
        case missing
        case damaged(String)
        case loaded([UInt8])
    }

    public func load() -> Loaded {
        guard let file = fopen(path, "rb") else {
            return errno == ENOENT ? .missing : .damaged("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        guard bytes.count >= 13, Array(bytes[0..<4]) == Self.magic, bytes[4] == Self.version else {
            return .damaged("\(path): not a sonde log checkpoint")
        }
        var header = CheckpointReader(Array(bytes[5..<9]))
        let length = Int((try? header.u32()) ?? 0)
        guard bytes.count == 9 + length + 4 else { return .damaged("\(path): truncated") }
        let payload = Array(bytes[9..<(9 + length)])
        var trailer = CheckpointReader(Array(bytes[(9 + length)...]))
        guard (try? trailer.u32()) == LogTailCRC32.checksum(bytes[0..<(9 + length)]) else {
            return .damaged("\(path): checksum mismatch")
        }
        return .loaded(payload)
    }

    /// Atomically replaces the checkpoint with `payload`.
    public func save(_ payload: [UInt8]) throws(SondeError) {
        var writer = CheckpointWriter()
        for b in Self.magic { writer.u8(b) }
        writer.u8(Self.version)
        writer.u32(UInt32(payload.count))
        var bytes = writer.bytes + payload
        var crc = CheckpointWriter()
        crc.u32(LogTailCRC32.checksum(bytes))
        bytes += crc.bytes
        try AtomicFile.replace(path, with: bytes)
    }
}
