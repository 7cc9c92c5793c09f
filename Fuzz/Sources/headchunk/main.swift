// Fuzzes `HeadChunk(serialized:)` with hostile bytes, as read back from a head snapshot on disk.
// Invariants besides "does not trap":
// - a restored chunk decodes to `count` samples and `columnCount` columns, starting at
//   `firstTimestamp` and ending at `lastTimestamp`;
// - `serialized()` restores to a chunk with the same samples (bitwise);
// - appending one more sample to the restored chunk (the bit writer resumes mid-byte) keeps the old
//   samples and adds the new one exactly, as the store does after recovery;
// - when its timestamps strictly increase and it is small enough to seal, sealing it with
//   `SealedChunk.encode` decodes to the same samples.
import FuzzDriver
import FuzzSupport
import SondeStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let chunk = try? HeadChunk(serialized: bytes) else { return 0 }

    let (timestamps, columns) = samples(of: chunk)
    check(timestamps.count == chunk.count, "decoded \(timestamps.count) of \(chunk.count) samples")
    check(columns.count == chunk.columnCount && columns.allSatisfy { $0.count == chunk.count },
          "column lengths \(columns.map(\.count)) for \(chunk.columnCount) columns of \(chunk.count)")
    if chunk.count > 0 {
        check(timestamps.first == chunk.firstTimestamp && timestamps.last == chunk.lastTimestamp,
              "first/last timestamps disagree with the decoded samples")
        for c in 0..<chunk.columnCount {
            check(chunk.lastValue(column: c).bitPattern == columns[c][chunk.count - 1].bitPattern,
                  "lastValue(column: \(c)) disagrees with the decoded samples")
        }
    }

    let reserialized = chunk.serialized()
    do {
        let again = try reserialized.withUnsafeBytes { try HeadChunk(serialized: $0) }
        let (againTimestamps, againColumns) = samples(of: again)
        check(againTimestamps == timestamps && sameBits(againColumns, columns), "serialized() round trip differs")
    } catch {
        check(false, "serialized() of a restored chunk does not restore: \(error)")
    }

    var extended = chunk
    let nextTimestamp = chunk.count > 0 ? chunk.lastTimestamp &+ 15_000 : 1_795_331_271_000
    let nextValues = (0..<chunk.columnCount).map { Double($0) + 0.25 }
    nextValues.withUnsafeBufferPointer { extended.append(timestamp: nextTimestamp, values: $0) }
    let (extendedTimestamps, extendedColumns) = samples(of: extended)
    check(Array(extendedTimestamps.dropLast()) == timestamps && extendedTimestamps.last == nextTimestamp,
          "timestamps after appending to a restored chunk differ")
    check(sameBits(extendedColumns.map { Array($0.dropLast()) }, columns)
          && extendedColumns.map { $0.last!.bitPattern } == nextValues.map(\.bitPattern),
          "values after appending to a restored chunk differ")

    let n = timestamps.count
    if n >= 1, n <= SealedChunk.maxSamples, (1..<n).allSatisfy({ timestamps[$0 - 1] < timestamps[$0] }) {
        var sealed: [UInt8] = []
        SealedChunk.encode(timestamps: timestamps, columns: columns, into: &sealed)
        var sealedTimestamps: [Int64] = []
        var sealedColumns: [[Double]] = []
        do {
            try sealed.withUnsafeBytes { try SealedChunk.decode($0, timestamps: &sealedTimestamps, columns: &sealedColumns) }
        } catch {
            check(false, "sealing a restored head chunk gives an undecodable chunk: \(error)")
        }
        check(sealedTimestamps == timestamps && sameBits(sealedColumns, columns), "sealed chunk differs from the head chunk")
    }
    return 0
}

private func samples(of chunk: HeadChunk) -> ([Int64], [[Double]]) {
    var timestamps: [Int64] = []
    var columns: [[Double]] = []
    chunk.decode(timestamps: &timestamps, columns: &columns)
    return (timestamps, columns)
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
