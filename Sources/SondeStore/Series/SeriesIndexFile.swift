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
    /// Seeds record checksums. Fixed, so that a damaged header costs nothing: the file is never
    /// reset or wrapped, so no stale records can be mistaken for live ones.
    static let seed: UInt64 = 0x5E12_1E5D
    /// Series per batch record: a damaged record loses at most this many names.
    static let maxSeriesPerBatch = 32
    private(set) var writeOffset = SeriesIndexFile.headerBytes

    struct LoadReport {
        var damagedRegions = 0
        var damagedBytes = 0
        var unreadableBatches = 0
        var damagedHeader = false
    }

    init(path: String, capacity: Int, create: Bool, mode: StoreFile.Mode = .readWrite) throws(SondeError) {
        self.capacity = capacity
        self.file = try StoreFile(path: path, mode: mode, create: create)
        if create {
            try file.preallocate(size: capacity)
            try writeHeader()
        }
    }

    static var header: [UInt8] {
        var header = ByteWriter(capacity: SeriesIndexFile.headerBytes)
        header.writeBytes(SeriesIndexFile.magic)
        header.writeBytes([UInt8](repeating: 0, count: SeriesIndexFile.headerBytes - header.count))
        return header.bytes
    }

    func writeHeader() throws(SondeError) {
        try file.write(SeriesIndexFile.header, at: 0)
        try file.sync()
    }

    /// Reads every batch; calls `body` for each series in file order. With `repair`, a short file
    /// is extended again and a damaged header rewritten.
    func load(repair: Bool, report: inout LoadReport, _ body: (UInt32, Labels) -> Void) throws(SondeError) {
        if repair, try file.size < capacity { try file.preallocate(size: capacity) }
        // Append-only from the front: what follows the last record is zeros, never read.
        let bytes = try file.readUsedPrefix(from: 0, limit: capacity)
        if bytes.count < SeriesIndexFile.headerBytes || Array(bytes[0..<SeriesIndexFile.headerBytes]) != SeriesIndexFile.header {
            report.damagedHeader = true
            if repair { try writeHeader() }
        }
        writeOffset = bytes.withUnsafeBytes { raw in
            RecordFraming.scan(raw, from: SeriesIndexFile.headerBytes, seed: SeriesIndexFile.seed) { event in
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

    /// Appends the series in records of at most `maxSeriesPerBatch`; false when the file has no
    /// room left (the records written before that stay).
    func append(_ batch: [(ref: UInt32, labels: Labels)]) throws(SondeError) -> Bool {
        var start = 0
        while start < batch.count {
            let end = min(start + SeriesIndexFile.maxSeriesPerBatch, batch.count)
            guard try appendRecord(batch[start..<end]) else { return false }
            start = end
        }
        return true
    }

    private func appendRecord(_ batch: ArraySlice<(ref: UInt32, labels: Labels)>) throws(SondeError) -> Bool {
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
        RecordFraming.append(kind: .seriesBatch, body: body.bytes, seed: SeriesIndexFile.seed, to: &framed)
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
