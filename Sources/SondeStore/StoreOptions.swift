import SondeCore

/// What a user can tune about a store. Sizes are fixed when the store is created (they shape the
/// files); the limits can change at every open.
public struct StoreOptions: Sendable {
    /// Hard budget for every file of the store together.
    public var maxBytes: Int64 = 256 << 20
    /// Share of the tiers' part of the budget, per tier; normalised when the store is created.
    public var tierShares: [Tier: Double] = [.raw: 0.6, .minute: 0.25, .hour: 0.15]
    /// Series beyond this many are rejected (and counted).
    public var maxSeries: Int = 50_000
    /// How long appended samples may sit in memory before they are on disk; a crash loses at most this.
    public var flushIntervalMilliseconds: Int64 = 1_000
    /// Samples per raw chunk before it is sealed; rollup chunks seal at `maxPointsPerRollupChunk`.
    public var maxSamplesPerChunk: Int = 1_024
    public var maxPointsPerRollupChunk: Int = 256
    /// Encoded bytes of an open chunk before it is sealed, whatever its sample count.
    public var maxOpenChunkBytes: Int = 4_096
    /// When false, appends skip the head log: for bulk imports that close the store themselves.
    /// A crash then loses what was not yet sealed.
    public var headLogEnabled: Bool = true
    /// Writes the store's own `sonde_store_*` series at flush, at most this often.
    public var selfMetricsIntervalMilliseconds: Int64 = 10_000

    public init() {}
}

/// How the budget is split into files. Computed once at creation and saved in `store.meta`, so a
/// store keeps its shape even if the options given at a later open differ.
struct StoreLayout: Equatable, Sendable {
    static let formatVersion: UInt8 = 1
    static let minimumBudget: Int64 = 1 << 20

    var budget: Int64
    var seriesIndexBytes: Int
    var headLogBytes: Int
    var snapshotSlotBytes: Int
    var ringBytes: [Int]          // per tier, a multiple of its segment size
    var segmentBytes: [Int]       // per tier

    static let metaFileBytes = 4_096

    init(options: StoreOptions) throws(SondeError) {
        guard options.maxBytes >= StoreLayout.minimumBudget else {
            throw SondeError(.invalidArgument, "storage budget \(options.maxBytes) bytes is below the minimum of 1 MiB")
        }
        let budget = Int(options.maxBytes)
        var remaining = budget - 2 * StoreLayout.metaFileBytes
        // The series index holds names and labels; it is compressed, so a few percent is plenty.
        seriesIndexBytes = StoreLayout.align(min(max(budget / 32, 64 << 10), 64 << 20))
        // Head log and two snapshot slots: what sits between sealed chunks and a crash.
        let headArea = min(max(budget / 12, 192 << 10), 160 << 20)
        headLogBytes = StoreLayout.align(headArea / 2)
        snapshotSlotBytes = StoreLayout.align(headArea / 4)
        remaining -= seriesIndexBytes + headLogBytes + 2 * snapshotSlotBytes

        let shares = Tier.allCases.map { max(0, options.tierShares[$0] ?? 0) }
        let total = shares.reduce(0, +)
        guard total > 0 else { throw SondeError(.invalidArgument, "tier shares must not all be zero") }
        var rings: [Int] = []
        var segments: [Int] = []
        for share in shares {
            let bytes = Int(Double(remaining) * share / total)
            // About 32 segments per ring: the ring then frees 1/32 of its space at a time.
            let segment = StoreLayout.align(min(max(bytes / 32, 16 << 10), 8 << 20))
            let count = bytes / segment
            guard share == 0 || count >= 2 else {
                throw SondeError(.invalidArgument, "storage budget too small: a tier needs at least two segments of \(segment) bytes")
            }
            rings.append(count * segment)
            segments.append(segment)
        }
        ringBytes = rings
        segmentBytes = segments
        self.budget = options.maxBytes
    }

    init(budget: Int64, seriesIndexBytes: Int, headLogBytes: Int, snapshotSlotBytes: Int, ringBytes: [Int], segmentBytes: [Int]) {
        self.budget = budget
        self.seriesIndexBytes = seriesIndexBytes
        self.headLogBytes = headLogBytes
        self.snapshotSlotBytes = snapshotSlotBytes
        self.ringBytes = ringBytes
        self.segmentBytes = segmentBytes
    }

    var totalBytes: Int {
        2 * StoreLayout.metaFileBytes + seriesIndexBytes + headLogBytes + 2 * snapshotSlotBytes + ringBytes.reduce(0, +)
    }

    static func align(_ bytes: Int) -> Int { bytes / 4096 * 4096 }

    // MARK: store.meta

    func encoded() -> [UInt8] {
        var body = ByteWriter()
        body.writeBytes("SONDE-STORE".utf8)
        body.writeUInt8(StoreLayout.formatVersion)
        body.writeInt64(budget)
        body.writeVarint(seriesIndexBytes)
        body.writeVarint(headLogBytes)
        body.writeVarint(snapshotSlotBytes)
        body.writeVarint(ringBytes.count)
        for (ring, segment) in zip(ringBytes, segmentBytes) {
            body.writeVarint(ring)
            body.writeVarint(segment)
        }
        var out: [UInt8] = []
        RecordFraming.append(kind: .snapshotEnd, body: body.bytes, seed: 0, to: &out)
        return out
    }

    static func decode(_ bytes: [UInt8]) -> StoreLayout? {
        bytes.withUnsafeBytes { raw -> StoreLayout? in
            guard let frame = RecordFraming.frame(in: raw, at: 0, seed: 0) else { return nil }
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[frame.body]))
            do {
                let magic = try reader.readBytes(11)
                guard Array(magic) == Array("SONDE-STORE".utf8), try reader.readUInt8() == formatVersion else { return nil }
                let budget = try reader.readInt64()
                // Sizes from disk are bounded (1 PiB) so that sums of them cannot overflow.
                let limit = 1 << 50
                let index = try reader.readCount(limit: limit)
                let log = try reader.readCount(limit: limit)
                let slot = try reader.readCount(limit: limit)
                let tiers = try reader.readCount(limit: 16)
                guard tiers == Tier.allCases.count else { return nil }
                var rings: [Int] = []
                var segments: [Int] = []
                for _ in 0..<tiers {
                    rings.append(try reader.readCount(limit: limit))
                    let segment = try reader.readCount(limit: 1 << 30)
                    guard segment >= 4096 else { return nil }
                    segments.append(segment)
                }
                return StoreLayout(budget: budget, seriesIndexBytes: index, headLogBytes: log, snapshotSlotBytes: slot, ringBytes: rings, segmentBytes: segments)
            } catch {
                return nil
            }
        }
    }
}
