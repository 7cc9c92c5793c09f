#if canImport(Glibc)
import Glibc
#endif
import SondeCore

/// Loads OpenMetrics text with timestamps (what `promtool tsdb create-blocks-from openmetrics`
/// reads) into a store: `sonde import`.
///
/// The hot path never builds a `Labels` for a line it has seen before: series are looked up by the
/// bytes of their text in `SeriesTextTable`, and samples go to the store in batches. A malformed
/// line stops its file with `FILE:LINE:COLUMN: …`; everything before it stays imported.
public final class OpenMetricsImporter {
    public struct FileResult: Sendable {
        public var path: String
        public var lines = 0
        public var samples = 0
        public var bytesRead: Int64 = 0
        /// The first malformed line; the file's import stopped there.
        public var error: ParseError?
    }

    let store: Store
    private var table = SeriesTextTable()
    private var batch = SampleBatch()
    private static let batchSize = 8_192

    public private(set) var newSeries = 0

    public init(store: Store) {
        self.store = store
        batch.refs.reserveCapacity(OpenMetricsImporter.batchSize)
        batch.timestamps.reserveCapacity(OpenMetricsImporter.batchSize)
        batch.values.reserveCapacity(OpenMetricsImporter.batchSize)
    }

    /// Imports one file (plain or `.gz`). I/O failures throw; a malformed line is returned in
    /// `FileResult.error` after what came before it was stored.
    public func importFile(_ path: String, progress: ((Double, Int) -> Void)? = nil) throws -> FileResult {
        let reader = try LineReader(path: path)
        var result = FileResult(path: path)
        var parser = OpenMetricsParser(fileName: path)
        var lastLine = 0
        do {
            try reader.forEachLine { line, number in
                lastLine = number
                switch try parser.parseLine(line, lineNumber: number) {
                case .sample(let series, let value, let timestamp):
                    let text = UnsafeRawBufferPointer(rebasing: line[series])
                    let ref: SeriesRef?
                    if let known = table.lookup(text) {
                        ref = known
                    } else {
                        let labels = try OpenMetricsParser.parseSeries(text, fileName: path, lineNumber: number, columnOffset: series.lowerBound)
                        ref = store.seriesRef(labels)
                        if let ref { table.insert(text, ref); newSeries += 1 }
                    }
                    if let ref {
                        batch.add(ref, timestamp: timestamp, value: value)
                        if batch.count >= OpenMetricsImporter.batchSize { appendBatch() }
                    }
                    result.samples += 1
                case .comment, .blank, .eof:
                    break
                }
                result.lines = number
                if number & 0xFFFF == 0 { progress?(reader.fractionConsumed, result.samples) }
            }
            try parser.finish(lineNumber: lastLine + 1)
        } catch let error as ParseError {
            result.error = error
            // The failing line's sample was not added; every earlier one is stored.
            result.samples = max(0, result.samples)
        }
        appendBatch()
        result.bytesRead = reader.bytesConsumed
        progress?(1, result.samples)
        return result
    }

    private func appendBatch() {
        guard batch.count > 0 else { return }
        store.append(batch)
        batch.removeAll()
    }
}

/// A hash table from series text (the bytes of `name{labels}` as written) to series refs, storing
/// the keys in one arena so lookups allocate nothing.
struct SeriesTextTable {
    private var arena: [UInt8] = []
    private var entries: [(offset: Int, length: Int, ref: SeriesRef, hash: UInt64)] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1 << 12)

    mutating func lookup(_ text: UnsafeRawBufferPointer) -> SeriesRef? {
        let hash = SeriesTextTable.hash(text)
        var slot = Int(hash & UInt64(slots.count - 1))
        while true {
            let index = Int(slots[slot])
            if index < 0 { return nil }
            let entry = entries[index]
            if entry.hash == hash && entry.length == text.count {
                let equal = arena.withUnsafeBytes { arenaBytes in
                    guard let stored = arenaBytes.baseAddress, let wanted = text.baseAddress else { return true }  // both empty
                    return memcmp(stored + entry.offset, wanted, text.count) == 0
                }
                if equal { return entry.ref }
            }
            slot = (slot + 1) & (slots.count - 1)
        }
    }

    mutating func insert(_ text: UnsafeRawBufferPointer, _ ref: SeriesRef) {
        if entries.count * 2 >= slots.count { grow() }
        let hash = SeriesTextTable.hash(text)
        entries.append((arena.count, text.count, ref, hash))
        arena.append(contentsOf: text)
        place(Int32(entries.count - 1), hash: hash)
    }

    private mutating func place(_ index: Int32, hash: UInt64) {
        var slot = Int(hash & UInt64(slots.count - 1))
        while slots[slot] >= 0 { slot = (slot + 1) & (slots.count - 1) }
        slots[slot] = index
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        for (index, entry) in entries.enumerated() { place(Int32(index), hash: entry.hash) }
    }

    /// FNV-1a over 8-byte words, then a final mix: fast on the short keys series texts are.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x100_0000_01b3
            offset += 8
        }
        while offset < bytes.count {
            hash = (hash ^ UInt64(bytes[offset])) &* 0x100_0000_01b3
            offset += 1
        }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }
}
