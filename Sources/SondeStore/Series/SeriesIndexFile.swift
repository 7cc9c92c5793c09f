import SondeCore

/// The file that names every series: an append-only sequence of batches, each mapping series refs
/// (dense numbers, in creation order) to their label sets, deflated, checksummed and preallocated
/// to a fixed share of the budget.
///
/// It does not forget series whose data the rings have overwritten; `maxSeries` bounds its size.
final class SeriesIndexFile {
    static let headerBytes = 64
    static let magic: [UInt8] = Array("SNDIDX".utf8) + [0, 1]

    let file: StoreFile
    let capacity: Int
    /// Seeds record checksums; random per store so records from another store's file never match.
    private(set) var seed: UInt64 = 0
    private(set) var writeOffset = SeriesIndexFile.headerBytes

    struct LoadReport {
        var damagedRegions = 0
        var damagedBytes = 0
        var unreadableBatches = 0
    }

    init(path: String, capacity: Int, create: Bool) throws(SondeError) {
        self.capacity = capacity
        self.file = try StoreFile(path: path, mode: .readWrite, create: create)
        if create {
            try file.preallocate(size: capacity)
            seed = UInt64.random(in: 1...UInt64.max)
            var header = ByteWriter(capacity: SeriesIndexFile.headerBytes)
            header.writeBytes(SeriesIndexFile.magic)
            header.writeUInt64(seed)
            let crc = header.bytes.withUnsafeBytes { Checksum.crc32($0, seed: 0) }
            header.writeUInt32(crc)
            header.writeBytes([UInt8](repeating: 0, count: SeriesIndexFile.headerBytes - header.count))
            try file.write(header.bytes, at: 0)
            try file.sync()
        }
    }

    /// Reads every batch; calls `body` for each series in file order.
    func load(report: inout LoadReport, _ body: (UInt32, Labels) -> Void) throws(SondeError) {
        if try file.size < capacity { try file.preallocate(size: capacity) }
        let bytes = try file.read(at: 0, count: capacity)
        let header = bytes.withUnsafeBytes { raw -> UInt64? in
            guard Array(raw[0..<8]) == SeriesIndexFile.magic else { return nil }
            var reader = ByteReader(raw, offset: 8)
            guard let seed = try? reader.readUInt64(), let stored = try? reader.readUInt32(),
                  stored == Checksum.crc32(UnsafeRawBufferPointer(rebasing: raw[0..<16]), seed: 0)
            else { return nil }
            return seed
        }
        guard let seed = header else {
            throw SondeError(.corrupt, "\(file.path): the series index header is damaged; the store cannot name its series")
        }
        self.seed = seed
        writeOffset = bytes.withUnsafeBytes { raw in
            RecordFraming.scan(raw, from: SeriesIndexFile.headerBytes, seed: seed) { event in
                switch event {
                case .damaged(let range):
                    report.damagedRegions += 1
                    report.damagedBytes += range.count
                case .frame(let frame):
                    guard frame.kind == .seriesBatch,
                          SeriesIndexFile.decodeBatch(UnsafeRawBufferPointer(rebasing: raw[frame.body]), body)
                    else {
                        report.unreadableBatches += 1
                        return
                    }
                }
            }
        }
    }

    /// Appends a batch; false when the file has no room left for it.
    func append(_ batch: [(ref: UInt32, labels: Labels)]) throws(SondeError) -> Bool {
        var raw = ByteWriter()
        raw.writeVarint(batch.count)
        for (ref, labels) in batch {
            raw.writeVarint(UInt64(ref))
            raw.writeVarint(labels.pairs.count)
            for pair in labels.pairs {
                raw.writeString(pair.name)
                raw.writeString(pair.value)
            }
        }
        var body = ByteWriter()
        if let compressed = Deflate.compress(raw.bytes), compressed.count < raw.count {
            body.writeUInt8(1)
            body.writeVarint(raw.count)
            body.writeBytes(compressed)
        } else {
            body.writeUInt8(0)
            body.writeVarint(raw.count)
            body.writeBytes(raw.bytes)
        }
        var framed: [UInt8] = []
        RecordFraming.append(kind: .seriesBatch, body: body.bytes, seed: seed, to: &framed)
        guard writeOffset + framed.count <= capacity else { return false }
        try file.write(framed, at: writeOffset)
        writeOffset += framed.count
        return true
    }

    /// Room for at least this many more bytes of batches.
    func hasRoom(for bytes: Int) -> Bool { writeOffset + bytes <= capacity }

    func sync() throws(SondeError) { try file.sync() }

    static func decodeBatch(_ body: UnsafeRawBufferPointer, _ each: (UInt32, Labels) -> Void) -> Bool {
        var reader = ByteReader(body)
        guard let compression = try? reader.readUInt8(), let rawLength = try? reader.readCount(limit: 1 << 28) else { return false }
        let rest = UnsafeRawBufferPointer(rebasing: body[reader.offset...])
        let decoded: [UInt8]
        switch compression {
        case 0:
            guard rest.count == rawLength else { return false }
            decoded = Array(rest)
        case 1:
            guard let inflated = Deflate.decompress(rest, expectedLength: rawLength) else { return false }
            decoded = inflated
        default:
            return false
        }
        return decoded.withUnsafeBytes { raw -> Bool in
            var reader = ByteReader(raw)
            do {
                let count = try reader.readCount(limit: raw.count)
                for _ in 0..<count {
                    let ref = try reader.readCount(limit: Int(UInt32.max))
                    let pairCount = try reader.readCount(limit: 1_024)
                    var pairs: [Label] = []
                    pairs.reserveCapacity(pairCount)
                    for _ in 0..<pairCount {
                        let name = try reader.readString()
                        let value = try reader.readString()
                        pairs.append(Label(name, value))
                    }
                    each(UInt32(ref), Labels(pairs))
                }
                return true
            } catch {
                return false
            }
        }
    }
}
