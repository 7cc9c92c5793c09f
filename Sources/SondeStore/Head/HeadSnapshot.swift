import SondeCore

/// A snapshot of every series' heads and rollup accumulators, written into one of two preallocated
/// slots in turn, so that a crash while writing one leaves the other intact. After a snapshot the
/// head log starts a new generation and the snapshot plus that log describe the whole open state.
///
///     header (64 B: magic, generation, crc) | series frames … | end frame
///
/// A snapshot counts only with its end frame. A damaged series frame loses that series' heads only.
enum HeadSnapshot {
    static let headerBytes = 64
    static let magic: [UInt8] = Array("SNDSNP".utf8) + [0, 1]

    struct Trailer {
        /// Ring write positions when the snapshot was taken: chunks after them are newer.
        var ringPositions: [RingPosition]
        var seriesCount: Int
    }

    /// `length` is the snapshot's total size, header included, so a reader stops there.
    static func encodeHeader(generation: UInt64, length: Int) -> [UInt8] {
        var header = ByteWriter(capacity: headerBytes)
        header.writeBytes(magic)
        header.writeUInt64(generation)
        header.writeUInt64(UInt64(length))
        let crc = header.bytes.withUnsafeBytes { Checksum.crc32($0, seed: 0) }
        header.writeUInt32(crc)
        header.writeBytes([UInt8](repeating: 0, count: headerBytes - header.count))
        return header.bytes
    }

    static func decodeHeader(_ raw: UnsafeRawBufferPointer) -> (generation: UInt64, length: Int)? {
        guard raw.count >= headerBytes, Array(raw[0..<8]) == magic else { return nil }
        var reader = ByteReader(raw, offset: 8)
        guard let generation = try? reader.readUInt64(), let length = try? reader.readUInt64(),
              let stored = try? reader.readUInt32(),
              stored == Checksum.crc32(UnsafeRawBufferPointer(rebasing: raw[0..<24]), seed: 0), generation > 0,
              length >= UInt64(headerBytes), length <= UInt64(Int32.max)
        else { return nil }
        return (generation, Int(length))
    }

    static func encodeSeries(ref: UInt32, heads: SeriesHeads, into body: inout ByteWriter) {
        body.writeVarint(UInt64(ref))
        for tier in Tier.allCases {
            let head = heads[tier]
            body.writeVarint(UInt64(head.chunkSequence))
            body.writeSignedVarint(head.lastTimestamp)
            body.writeUInt64(head.lastBits)
            if let chunk = head.chunk, chunk.count > 0 {
                body.writeUInt8(1)
                body.writeLengthPrefixed(chunk.serialized())
            } else {
                body.writeUInt8(0)
            }
        }
        for tier in Tier.rollups {
            let rollup = heads[rollup: tier]
            body.writeUInt8(rollup.active ? 1 : 0)
            guard rollup.active else { continue }
            body.writeSignedVarint(rollup.lastTimestamp)
            for value in rollup.columns { body.writeDouble(value) }
        }
    }

    static func decodeSeries(_ raw: UnsafeRawBufferPointer) -> (UInt32, SeriesHeads)? {
        var reader = ByteReader(raw)
        do {
            let ref = UInt32(try reader.readCount(limit: Int(UInt32.max)))
            var heads = SeriesHeads()
            for tier in Tier.allCases {
                var head = TierHead()
                head.chunkSequence = UInt32(try reader.readCount(limit: Int(UInt32.max)))
                head.lastTimestamp = try reader.readSignedVarint()
                head.lastBits = try reader.readUInt64()
                if try reader.readUInt8() == 1 {
                    let bytes = try reader.readLengthPrefixed()
                    guard let chunk = try? HeadChunk(serialized: bytes), chunk.columnCount == tier.columnCount else { return nil }
                    head.open = OpenChunk(chunk)
                }
                heads[tier] = head
            }
            for tier in Tier.rollups where try reader.readUInt8() == 1 {
                var rollup = RollupAccumulator()
                rollup.lastTimestamp = try reader.readSignedVarint()
                rollup.minimum = try reader.readDouble()
                rollup.maximum = try reader.readDouble()
                rollup.sum = try reader.readDouble()
                rollup.count = try reader.readDouble()
                rollup.last = try reader.readDouble()
                guard rollup.count > 0 else { return nil }
                heads[rollup: tier] = rollup
            }
            return (ref, heads)
        } catch {
            return nil
        }
    }

    static func encodeTrailer(_ trailer: Trailer) -> [UInt8] {
        var body = ByteWriter()
        body.writeVarint(trailer.ringPositions.count)
        for position in trailer.ringPositions {
            body.writeUInt64(position.sequence)
            body.writeVarint(position.offset)
        }
        body.writeVarint(trailer.seriesCount)
        return body.bytes
    }

    static func decodeTrailer(_ raw: UnsafeRawBufferPointer) -> Trailer? {
        var reader = ByteReader(raw)
        do {
            let count = try reader.readCount(limit: 16)
            guard count == Tier.allCases.count else { return nil }
            var positions: [RingPosition] = []
            for _ in 0..<count {
                positions.append(RingPosition(sequence: try reader.readUInt64(), offset: try reader.readCount(limit: Int(UInt32.max))))
            }
            return Trailer(ringPositions: positions, seriesCount: try reader.readCount(limit: Int(UInt32.max)))
        } catch {
            return nil
        }
    }

    struct Loaded {
        var generation: UInt64
        var slot: Int
        var trailer: Trailer
        var series: [(UInt32, SeriesHeads)]
        var damagedFrames: Int
        var damagedHeader = false
    }

    /// Reads a slot; nil when it holds no complete snapshot. When the header is damaged the slot is
    /// read as of `fallbackGeneration` (the head log's, which names the newest snapshot).
    static func load(_ file: StoreFile, slot: Int, fallbackGeneration: UInt64 = 0) throws(SondeError) -> Loaded? {
        let size = try file.size
        guard size >= headerBytes else { return nil }
        let headerRead = try file.read(at: 0, count: headerBytes)
        let header = headerRead.withUnsafeBytes { raw in
            decodeHeader(raw).map { ($0.generation, $0.length) }
        }
        let generation: UInt64
        let length: Int
        var damagedHeader = false
        if let (found, foundLength) = header, foundLength <= size {
            (generation, length) = (found, foundLength)
        } else if fallbackGeneration > 0, headerRead.contains(where: { $0 != 0 }) {
            (generation, length, damagedHeader) = (fallbackGeneration, size, true)
        } else {
            return nil
        }
        let bytes = try file.read(at: 0, count: length)
        return bytes.withUnsafeBytes { raw -> Loaded? in
            var series: [(UInt32, SeriesHeads)] = []
            var trailer: Trailer?
            var damaged = 0
            RecordFraming.scan(raw, from: headerBytes, seed: generation) { event in
                guard trailer == nil else { return }
                switch event {
                case .damaged:
                    damaged += 1
                case .frame(let frame):
                    let body = UnsafeRawBufferPointer(rebasing: raw[frame.body])
                    switch frame.kind {
                    case .snapshotSeries:
                        if let entry = decodeSeries(body) { series.append(entry) } else { damaged += 1 }
                    case .snapshotEnd:
                        trailer = decodeTrailer(body)
                    default:
                        damaged += 1
                    }
                }
            }
            guard let trailer else { return nil }
            return Loaded(generation: generation, slot: slot, trailer: trailer, series: series, damagedFrames: damaged, damagedHeader: damagedHeader)
        }
    }
}
