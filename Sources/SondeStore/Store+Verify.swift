import SondeCore

/// What `sonde store verify` found.
public struct VerifyReport: Sendable {
    /// One line per damaged thing, naming the file and where in it.
    public var problems: [String] = []
    /// How many records of each kind were checked and found sound.
    public var checked: [String: Int] = [:]

    public var isClean: Bool { problems.isEmpty }
}

extension Store {
    /// Checks every checksum and structure of the store in `directory` without changing anything.
    /// What a crash leaves behind by design (a torn last record, an unfinished snapshot slot next to
    /// a complete one) is not damage; bytes that fail their checks before valid data are.
    public static func verify(directory: String) throws(SondeError) -> VerifyReport {
        var report = VerifyReport()
        let path = { (name: String) in directory + "/" + name }

        var layout: StoreLayout?
        for name in [StoreFiles.meta, StoreFiles.metaBackup] {
            let decoded = (try? StoreFile(path: path(name), mode: .readOnly))?.readAll().flatMap(StoreLayout.decode)
            if decoded == nil { report.problems.append("\(name): unreadable or damaged") }
            layout = layout ?? decoded
        }
        guard let layout else {
            if !StoreFile.exists(path(StoreFiles.seriesIndex)) {
                throw SondeError(.notFound, "no store in \(directory)")
            }
            return report
        }

        // Series index.
        do {
            let index = try SeriesIndexFile(path: path(StoreFiles.seriesIndex), capacity: layout.seriesIndexBytes, create: false, mode: .readOnly)
            if try index.file.size != layout.seriesIndexBytes {
                report.problems.append("\(StoreFiles.seriesIndex): size \(try index.file.size) bytes, expected \(layout.seriesIndexBytes)")
            }
            var loadReport = SeriesIndexFile.LoadReport()
            var series = 0
            try index.load(repair: false, report: &loadReport) { _, _ in series += 1 }
            if loadReport.damagedHeader { report.problems.append("\(StoreFiles.seriesIndex): header damaged") }
            if loadReport.damagedRegions > 0 {
                report.problems.append("\(StoreFiles.seriesIndex): \(loadReport.damagedRegions) damaged region(s), \(loadReport.damagedBytes) bytes")
            }
            if loadReport.unreadableBatches > 0 {
                report.problems.append("\(StoreFiles.seriesIndex): \(loadReport.unreadableBatches) batch(es) with valid checksums but unreadable content")
            }
            report.checked["series", default: 0] += series
        } catch {
            report.problems.append("\(StoreFiles.seriesIndex): \(error.message)")
        }

        // Rings.
        for tier in Tier.allCases {
            let name = StoreFiles.ring(tier)
            do {
                try verifyRing(path: path(name), name: name, tier: tier, layout: layout, report: &report)
            } catch {
                report.problems.append("\(name): \(error.message)")
            }
        }

        // Head log and snapshots.
        do {
            let log = try HeadLog(path: path(StoreFiles.headLog), capacity: layout.headLogBytes, create: false, mode: .readOnly)
            let logHeaderGeneration = try log.headerGeneration()
            if logHeaderGeneration == 0 { report.problems.append("\(StoreFiles.headLog): header damaged") }
            var newestSnapshot: UInt64 = 0
            for slot in 0..<2 {
                let name = StoreFiles.snapshot(slot)
                let file = try StoreFile(path: path(name), mode: .readOnly)
                guard let loaded = try HeadSnapshot.load(file, slot: slot, fallbackGeneration: logHeaderGeneration) else { continue }
                newestSnapshot = max(newestSnapshot, loaded.generation)
                if loaded.damagedHeader { report.problems.append("\(name): header damaged") }
                if loaded.damagedFrames > 0 { report.problems.append("\(name): \(loaded.damagedFrames) damaged series record(s)") }
                report.checked["snapshot series", default: 0] += loaded.series.count
            }
            var logReport = HeadLog.ReadReport()
            var entries = 0
            let generation = try log.read(expectedGeneration: newestSnapshot, report: &logReport) { _ in entries += 1 }
            if logReport.damagedRegions > 0 {
                report.problems.append("\(StoreFiles.headLog): \(logReport.damagedRegions) damaged region(s), \(logReport.damagedBytes) bytes")
            }
            if logReport.unreadableFrames > 0 { report.problems.append("\(StoreFiles.headLog): \(logReport.unreadableFrames) unreadable frame(s)") }
            if generation > 1 && generation > newestSnapshot {
                report.problems.append("\(StoreFiles.headLog): continues snapshot generation \(generation), but no complete snapshot of it exists")
            }
            report.checked["head log entries", default: 0] += entries
        } catch {
            report.problems.append("head log or snapshots: \(error.message)")
        }
        return report
    }

    private static func verifyRing(path: String, name: String, tier: Tier, layout: StoreLayout, report: inout VerifyReport) throws(SondeError) {
        let file = try StoreFile(path: path, mode: .readOnly)
        let segmentBytes = layout.segmentBytes[tier.rawValue]
        let expected = layout.ringBytes[tier.rawValue]
        let size = try file.size
        if size != expected { report.problems.append("\(name): size \(size) bytes, expected \(expected)") }
        for slot in 0..<(expected / segmentBytes) {
            let where_ = "\(name): segment \(slot)"
            let bytes = try file.read(at: slot * segmentBytes, count: segmentBytes)
            guard bytes.count == segmentBytes else { continue }  // reported as the size above
            bytes.withUnsafeBytes { raw in
                guard let header = SegmentFormat.decodeHeader(raw) else {
                    if raw[0..<SegmentFormat.headerBytes].contains(where: { $0 != 0 }) {
                        report.problems.append("\(where_): header damaged")
                    }
                    return
                }
                if header.segmentBytes != segmentBytes || header.tier != UInt8(tier.rawValue) {
                    report.problems.append("\(where_): header describes another layout")
                    return
                }
                let trailerRaw = UnsafeRawBufferPointer(rebasing: raw[(segmentBytes - SegmentFormat.trailerBytes)...])
                let trailer = SegmentFormat.decodeTrailer(trailerRaw, sequence: header.sequence, segmentBytes: segmentBytes)
                let scanEnd = trailer?.indexOffset ?? (segmentBytes - SegmentFormat.trailerBytes)
                let region = UnsafeRawBufferPointer(rebasing: raw[0..<scanEnd])
                var chunks: [Int: UInt32] = [:]
                var sawIndex = false
                RecordFraming.scan(region, from: SegmentFormat.headerBytes, seed: header.sequence) { event in
                    switch event {
                    case .damaged(let range):
                        report.problems.append("\(where_) (sequence \(header.sequence)): damaged bytes \(range.lowerBound)..<\(range.upperBound)")
                    case .frame(let frame):
                        if frame.kind == .segmentIndex { sawIndex = true; return }
                        guard frame.kind == .chunk,
                              let record = SegmentFormat.decodeChunkBody(UnsafeRawBufferPointer(rebasing: raw[frame.body]))
                        else {
                            report.problems.append("\(where_): record at \(frame.start) is not a chunk")
                            return
                        }
                        var timestamps: [Int64] = []
                        var columns: [[Double]] = []
                        do {
                            try SealedChunk.decode(record.payload, timestamps: &timestamps, columns: &columns)
                            guard columns.count == tier.columnCount else { throw CodecError("column count \(columns.count)") }
                            chunks[frame.start] = record.ref
                            report.checked["chunks", default: 0] += 1
                        } catch {
                            report.problems.append("\(where_): chunk at \(frame.start) does not decode: \(error)")
                        }
                    }
                }
                if let trailer {
                    let indexRaw = UnsafeRawBufferPointer(rebasing: raw[trailer.indexOffset..<(trailer.indexOffset + trailer.indexLength)])
                    guard let frame = RecordFraming.frame(in: indexRaw, at: 0, seed: header.sequence), frame.kind == .segmentIndex else {
                        report.problems.append("\(where_): index record damaged")
                        return
                    }
                    let entries = ChunkIndexEntry.decodeAll(UnsafeRawBufferPointer(rebasing: indexRaw[frame.body]))
                    for entry in entries where chunks[Int(entry.offset)] != entry.ref {
                        report.problems.append("\(where_): index entry for series \(entry.ref) at \(entry.offset) points at no valid chunk")
                    }
                    if entries.count != trailer.chunkCount {
                        report.problems.append("\(where_): trailer counts \(trailer.chunkCount) chunks, index lists \(entries.count)")
                    }
                } else if sawIndex {
                    report.problems.append("\(where_): trailer damaged (the segment was sealed)")
                }
            }
        }
    }
}
