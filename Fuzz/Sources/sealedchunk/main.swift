// Fuzzes `SealedChunk.decode` with hostile bytes, as read back from a ring segment on disk.
// Invariants besides "does not trap" (the codec documents that decoding never traps):
// - on failure the output arrays are restored to their previous lengths;
// - on success `summary` agrees with the decoded samples, timestamps strictly increase, and
//   re-encoding the samples decodes to the same timestamps and bitwise-identical values.
import FuzzDriver
import FuzzSupport
import SondeStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)

    // Decode after existing content, as a query appending several chunks does.
    var timestamps: [Int64] = [-1]
    var columns: [[Double]] = [[-1.5]]
    do {
        try SealedChunk.decode(bytes, timestamps: &timestamps, columns: &columns)
    } catch {
        check(timestamps == [-1], "failed decode left \(timestamps.count) timestamps")
        check(columns.count >= 1 && columns[0].count == 1 && columns.dropFirst().allSatisfy(\.isEmpty),
              "failed decode left column lengths \(columns.map(\.count))")
        _ = try? SealedChunk.summary(bytes)
        return 0
    }
    let decodedTimestamps = Array(timestamps.dropFirst())
    var decodedColumns = columns
    decodedColumns[0].removeFirst()
    let n = decodedTimestamps.count
    check(n >= 1 && n <= SealedChunk.maxSamples, "decoded \(n) samples")
    check(decodedColumns.count >= 1 && decodedColumns.count <= SealedChunk.maxColumns, "decoded \(decodedColumns.count) columns")
    check(decodedColumns.allSatisfy { $0.count == n }, "column lengths \(decodedColumns.map(\.count)) differ from \(n)")
    for i in 1..<max(n, 1) {
        check(decodedTimestamps[i - 1] < decodedTimestamps[i], "timestamps not strictly increasing at \(i)")
    }
    do {
        let summary = try SealedChunk.summary(bytes)
        check(summary.count == n && summary.columnCount == decodedColumns.count
              && summary.firstTimestamp == decodedTimestamps[0] && summary.lastTimestamp == decodedTimestamps[n - 1],
              "summary \(summary) disagrees with the decoded chunk")
    } catch {
        check(false, "summary fails on a chunk that decodes: \(error)")
    }

    var encoded: [UInt8] = []
    SealedChunk.encode(timestamps: decodedTimestamps, columns: decodedColumns, into: &encoded)
    var againTimestamps: [Int64] = []
    var againColumns: [[Double]] = []
    do {
        try encoded.withUnsafeBytes { try SealedChunk.decode($0, timestamps: &againTimestamps, columns: &againColumns) }
    } catch {
        check(false, "re-encoded chunk does not decode: \(error)")
    }
    check(againTimestamps == decodedTimestamps, "re-encoded timestamps differ")
    check(sameBits(againColumns, decodedColumns), "re-encoded values differ bitwise")
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
