import SondeCore

/// The head log: what was appended since the last snapshot, so a crash loses at most one flush
/// interval. A preallocated file; a header names its generation (the snapshot it continues), and
/// frames seeded with that generation follow. Resetting for a new generation invalidates all old
/// frames at once without rewriting them.
///
/// Entries replay through the store's normal append path, so replay rebuilds exactly the heads,
/// rollups and seals of the original run. Seals and forced rollup flushes are logged explicitly
/// because they also depend on things outside the samples (chunk size limits, shutdown).
final class HeadLog {
    static let headerBytes = 64
    static let magic: [UInt8] = Array("SNDLOG".utf8) + [0, 1]

    enum Entry {
        case sample(ref: UInt32, timestamp: Int64, value: Double)
        case seal(tier: Tier, ref: UInt32)
        case rollupFlush(tier: Tier, ref: UInt32)
    }

    private enum Tag: UInt8 { case sample = 1, seal = 2, rollupFlush = 3 }

    let file: StoreFile
    let capacity: Int
    private(set) var generation: UInt64 = 0
    private(set) var writeOffset = HeadLog.headerBytes
    private var pending = ByteWriter(capacity: 64 << 10)
    private var previousTimestamp: Int64 = 0

    init(path: String, capacity: Int, create: Bool, mode: StoreFile.Mode = .readWrite) throws(SondeError) {
        self.capacity = capacity
        self.file = try StoreFile(path: path, mode: mode, create: create)
        if create {
            try file.preallocate(size: capacity)
            try reset(generation: 1)
        }
    }

    var hasPending: Bool { pending.count > 0 }
    var usedBytes: Int { writeOffset }

    // MARK: writing

    func logSample(ref: UInt32, timestamp: Int64, value: Double) {
        pending.writeUInt8(Tag.sample.rawValue)
        pending.writeVarint(UInt64(ref))
        pending.writeSignedVarint(timestamp &- previousTimestamp)
        pending.writeDouble(value)
        previousTimestamp = timestamp
    }

    func logSeal(tier: Tier, ref: UInt32) {
        pending.writeUInt8(Tag.seal.rawValue)
        pending.writeUInt8(UInt8(tier.rawValue))
        pending.writeVarint(UInt64(ref))
    }

    func logRollupFlush(tier: Tier, ref: UInt32) {
        pending.writeUInt8(Tag.rollupFlush.rawValue)
        pending.writeUInt8(UInt8(tier.rawValue))
        pending.writeVarint(UInt64(ref))
    }

    /// Writes pending entries as one frame and syncs. False when the file has no room: the caller then
    /// takes a snapshot, which covers the pending entries and resets the log.
    func flush() throws(SondeError) -> Bool {
        guard pending.count > 0 else { return true }
        var framed: [UInt8] = []
        RecordFraming.append(kind: .headLogBatch, body: pending.bytes, seed: generation, to: &framed)
        guard writeOffset + framed.count <= capacity else { return false }
        try file.write(framed, at: writeOffset)
        try file.sync()
        writeOffset += framed.count
        discardPending()
        return true
    }

    func discardPending() {
        pending.bytes.removeAll(keepingCapacity: pending.bytes.capacity <= 1 << 20)
        previousTimestamp = 0
    }

    /// Starts a new, empty generation (after a snapshot that covers everything logged so far).
    func reset(generation: UInt64) throws(SondeError) {
        var header = ByteWriter(capacity: HeadLog.headerBytes)
        header.writeBytes(HeadLog.magic)
        header.writeUInt64(generation)
        let crc = header.bytes.withUnsafeBytes { Checksum.crc32($0, seed: 0) }
        header.writeUInt32(crc)
        header.writeBytes([UInt8](repeating: 0, count: HeadLog.headerBytes - header.count))
        try file.write(header.bytes, at: 0)
        try file.sync()
        // The old frames no longer pass (they are seeded with the old generation); zeroing them lets
        // the next open stop reading at the end of the live frames instead of the end of the file.
        var position = HeadLog.headerBytes
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        while position < min(writeOffset, capacity) {
            let count = min(zeros.count, min(writeOffset, capacity) - position)
            try zeros.withUnsafeBytes { raw in Result { () throws(SondeError) in try file.write(UnsafeRawBufferPointer(rebasing: raw[0..<count]), at: position) } }.get()
            position += count
        }
        self.generation = generation
        writeOffset = HeadLog.headerBytes
        discardPending()
    }

    // MARK: reading

    struct ReadReport {
        var damagedRegions = 0
        var damagedBytes = 0
        var unreadableFrames = 0
        var damagedHeader = false
    }

    /// Reads the header and every valid frame; the writer continues after the last valid one.
    /// Returns the generation found. When the header is damaged, the frames are read as of
    /// `expectedGeneration` (the newest snapshot's, which the log normally continues); 0 when even
    /// that finds nothing.
    func read(expectedGeneration: UInt64, report: inout ReadReport, _ body: (Entry) -> Void) throws(SondeError) -> UInt64 {
        // `reset` zeroes what the previous generation used, so reading stops after the live frames.
        let bytes = try file.readUsedPrefix(from: 0, limit: capacity)
        guard bytes.count >= HeadLog.headerBytes else {
            report.damagedHeader = true
            return 0
        }
        let found = bytes.withUnsafeBytes { HeadLog.decodeHeader($0) } ?? 0
        let seed = found > 0 ? found : expectedGeneration
        report.damagedHeader = found == 0
        generation = seed
        writeOffset = bytes.withUnsafeBytes { raw in
            RecordFraming.scan(raw, from: HeadLog.headerBytes, seed: seed) { event in
                switch event {
                case .damaged(let range):
                    report.damagedRegions += 1
                    report.damagedBytes += range.count
                case .frame(let frame):
                    guard frame.kind == .headLogBatch,
                          HeadLog.decode(UnsafeRawBufferPointer(rebasing: raw[frame.body]), body)
                    else {
                        report.unreadableFrames += 1
                        return
                    }
                }
            }
        }
        return seed
    }

    /// The generation in the header, 0 when the header is damaged (read before the snapshots, whose
    /// own damaged headers it can stand in for).
    func headerGeneration() throws(SondeError) -> UInt64 {
        let bytes = try file.read(at: 0, count: HeadLog.headerBytes)
        return bytes.withUnsafeBytes { HeadLog.decodeHeader($0) } ?? 0
    }

    static func decodeHeader(_ raw: UnsafeRawBufferPointer) -> UInt64? {
        guard raw.count >= 20, Array(raw[0..<8]) == HeadLog.magic else { return nil }
        var reader = ByteReader(raw, offset: 8)
        guard let generation = try? reader.readUInt64(), let stored = try? reader.readUInt32(),
              stored == Checksum.crc32(UnsafeRawBufferPointer(rebasing: raw[0..<16]), seed: 0), generation > 0
        else { return nil }
        return generation
    }

    /// Decodes one frame's entries; false if the frame's content is malformed (then none of its
    /// entries are applied, as the frame was written as a unit).
    static func decode(_ body: UnsafeRawBufferPointer, _ each: (Entry) -> Void) -> Bool {
        var entries: [Entry] = []
        var reader = ByteReader(body)
        var previous: Int64 = 0
        do {
            while !reader.isAtEnd {
                guard let tag = Tag(rawValue: try reader.readUInt8()) else { return false }
                switch tag {
                case .sample:
                    let ref = UInt32(try reader.readCount(limit: Int(UInt32.max)))
                    let timestamp = previous &+ (try reader.readSignedVarint())
                    previous = timestamp
                    entries.append(.sample(ref: ref, timestamp: timestamp, value: try reader.readDouble()))
                case .seal, .rollupFlush:
                    guard let tier = Tier(rawValue: Int(try reader.readUInt8())) else { return false }
                    let ref = UInt32(try reader.readCount(limit: Int(UInt32.max)))
                    entries.append(tag == .seal ? .seal(tier: tier, ref: ref) : .rollupFlush(tier: tier, ref: ref))
                }
            }
        } catch {
            return false
        }
        entries.forEach(each)
        return true
    }
}
