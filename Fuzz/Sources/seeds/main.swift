// Writes the binary seed corpora (and the text seeds that are not excerpts of the fixture) with the
// real encoders: `fuzz-seeds <corpus dir>` writes `<corpus dir>/<target>/<name>` files. Run by
// `Fuzz/gen-seeds.sh`; the output is committed, so this only needs rerunning when formats change.
import SondeCore
@testable import SondeStore

#if canImport(Glibc)
import Glibc
#endif

/// Unused: only there because the build links libFuzzer into every product (see Package.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func unusedFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { 0 }

let root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "corpus"

func write(_ target: String, _ name: String, _ bytes: [UInt8]) {
    let directory = root + "/" + target
    mkdir(root, 0o755)
    mkdir(directory, 0o755)
    let path = directory + "/" + name
    guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}

func write(_ target: String, _ name: String, _ text: String) { write(target, name, Array(text.utf8)) }

// MARK: Text seeds

let openMetrics: [(String, String)] = [
    ("types", """
    # HELP node_load1 1m load average.
    # TYPE node_load1 gauge
    # UNIT node_load1 ratio
    node_load1{instance="a:9100",job="node"} 0.25 1795331271.123
    # EOF

    """),
    ("values", """
    m NaN 1795331271
    m +Inf 1795331272.5
    m -Inf 1.795331273e9
    m{a="1"} -0.0 1795331274 # {trace_id="abc"} 1 1795331274
    m{a="x\\\\y\\"z\\n",b="C:\\temp",} 1e-300\t1795331275.000999\r
    # some comment

    """),
    ("histogram", """
    # TYPE http_request_duration_seconds histogram
    http_request_duration_seconds_bucket{le="0.1"} 3 1795331271
    http_request_duration_seconds_bucket{le="+Inf"} 5 1795331271
    http_request_duration_seconds_sum 0.75 1795331271
    http_request_duration_seconds_count 5 1795331271
    # EOF
    """),
]

let selectors: [(String, String)] = [
    ("name", "up"),
    ("labels", #"http_requests_total{job="api",code=~"5..",method!="GET",path!~"/health.*",}"#),
    ("quoted", #"{"my.metric", "label.name"='x', other=`raw\n`}"#),
    ("escapes", #"{__name__=~"node_.*",job!="x\"y\u00e9\x41\101"}"#),
]

let scalars: [(String, String)] = [
    ("rfc3339", "2026-11-22T07:00:00.123+01:00"),
    ("epoch", "1795331271.5"),
    ("relative", "now-1h30m"),
    ("duration", "1y2w3d4h5m6s7ms"),
    ("size", "1.5 GiB"),
    ("size-decimal", "256MB"),
]

for (name, text) in openMetrics { write("openmetrics", name, text) }
for (name, text) in selectors { write("selector", name, text) }
for (name, text) in scalars { write("scalars", name, text) }

// MARK: Codec seeds

func sealed(_ timestamps: [Int64], _ columns: [[Double]]) -> [UInt8] {
    var out: [UInt8] = []
    SealedChunk.encode(timestamps: timestamps, columns: columns, into: &out)
    return out
}

let start: Int64 = 1_795_331_271_000
let grid: [Int64] = (0..<120).map { (i: Int) -> Int64 in start + Int64(i) * 15_000 }
let jittered: [Int64] = (0..<64).map { (i: Int) -> Int64 in
    let jitter = Int64((i * 7919) % 23) - 11
    return start + Int64(i) * 10_000 + jitter
}
func column(_ count: Int, _ f: (Int) -> Double) -> [Double] { (0..<count).map(f) }
let n64 = jittered.count
let rollupColumns: [[Double]] = [
    column(n64) { Double($0) }, column(n64) { Double($0) + 0.5 }, column(n64) { Double($0 * $0) },
    column(n64) { _ in 60 }, column(n64) { $0 % 5 == 0 ? Double.nan : -Double($0) },
]
let extremeTimestamps: [Int64] = [Int64.min + 1, -1, 0, Int64.max - 1]
let extremeValues: [Double] = [.infinity, -.infinity, -0.0, .greatestFiniteMagnitude]
let sealedSeeds: [(String, [UInt8])] = [
    ("single", sealed([1_795_331_271_000], [[42]])),
    ("counter-grid", sealed(grid, [column(grid.count) { Double($0 * 3) }])),
    ("decimal-gauge", sealed(grid, [column(grid.count) { Double(($0 * 37) % 1000) / 100 }])),
    ("constant", sealed(grid, [column(grid.count) { _ in 0.5 }])),
    ("xor-jitter", sealed(jittered, [column(n64) { 1 / Double($0 + 3) }])),
    ("rollup-5col", sealed(jittered, rollupColumns)),
    ("extreme", sealed(extremeTimestamps, [extremeValues])),
]
for (name, bytes) in sealedSeeds { write("sealedchunk", name, bytes) }

func head(columns: Int, _ samples: [(Int64, [Double])]) -> HeadChunk {
    var chunk = HeadChunk(columnCount: columns)
    for (timestamp, values) in samples { values.withUnsafeBufferPointer { chunk.append(timestamp: timestamp, values: $0) } }
    return chunk
}

let rawGrid: [(Int64, [Double])] = (0..<40).map { (i: Int) -> (Int64, [Double]) in (grid[i], [Double(i)]) }
let dodTimes: [Int64] = [0, 1, 10_000, 30_000, 200_000, 1_000_000, 5_000_000_000, 5_000_000_001]
let dodBuckets: [(Int64, [Double])] = dodTimes.map { (t: Int64) -> (Int64, [Double]) in (t, [Double(t) / 7]) }
let rollupSamples: [(Int64, [Double])] = (0..<20).map { (i: Int) -> (Int64, [Double]) in
    (jittered[i], [Double(i), 2, 3.5, Double.nan, -Double(i)])
}
let headSeeds: [(String, HeadChunk)] = [
    ("empty", HeadChunk(columnCount: 1)),
    ("raw-grid", head(columns: 1, rawGrid)),
    ("raw-dod-buckets", head(columns: 1, dodBuckets)),
    ("rollup-5col", head(columns: 5, rollupSamples)),
]
for (name, chunk) in headSeeds { write("headchunk", name, chunk.serialized()) }

// MARK: Record seeds (see the records harness for the modes)

let generation: UInt64 = 0x5EED

func framedPiece(_ kind: RecordFraming.Kind, _ body: [UInt8]) -> [UInt8] {
    // Mode 0 piece: control (bit 7, kind index, bit 5 for long bodies), length byte, body.
    let index = RecordFraming.Kind.allCases.firstIndex(of: kind)!
    let long = body.count > 255
    var control = UInt8(0x80 | index)
    while Int(control) % RecordFraming.Kind.allCases.count != index || control & 0x20 != (long ? 0x20 : 0) { control += 1 }
    precondition(!long || body.count % 16 == 0 && body.count / 16 <= 255, "body length \(body.count) not encodable")
    return [control, UInt8(long ? body.count / 16 : body.count)] + body
}

func padded16(_ body: [UInt8]) -> [UInt8] {
    body.count <= 255 ? body : body + [UInt8](repeating: 0, count: (16 - body.count % 16) % 16)
}

let chunkPayload = sealed(Array(grid.prefix(30)), [column(30) { Double($0) / 4 }])
let chunkBody = SegmentFormat.chunkBody(ref: 3, chunkSequence: 1, payload: chunkPayload)
let indexBody = ChunkIndexEntry.encode([
    ChunkIndexEntry(ref: 1, offset: 64, length: 40), ChunkIndexEntry(ref: 3, offset: 104, length: 51),
    ChunkIndexEntry(ref: 3, offset: 155, length: 20), ChunkIndexEntry(ref: 9, offset: 175, length: 33),
])
var seriesInner = ByteWriter()
seriesInner.writeVarint(2)
seriesInner.writeVarint(1)
seriesInner.writeVarint(2)
seriesInner.writeString("__name__"); seriesInner.writeString("up")
seriesInner.writeString("job"); seriesInner.writeString("node")
seriesInner.writeVarint(3)
seriesInner.writeVarint(1)
seriesInner.writeString("__name__"); seriesInner.writeString("node_load1")
let seriesCompressed = [0xFF] + seriesInner.bytes  // the harness compresses it (see seriesBatchFixup)
let seriesPlain = [0xFE] + seriesInner.bytes
var logBody = ByteWriter()
for (ref, timestamp, value) in [(1, 1_795_331_271_000, 1.0), (3, 15_000, 0.25), (1, -5, .nan)] as [(Int, Int64, Double)] {
    logBody.writeUInt8(1); logBody.writeVarint(ref); logBody.writeSignedVarint(timestamp); logBody.writeDouble(value)
}
logBody.writeUInt8(2); logBody.writeUInt8(0); logBody.writeVarint(1)
logBody.writeUInt8(3); logBody.writeUInt8(1); logBody.writeVarint(3)
var heads = SeriesHeads()
heads.raw.open = OpenChunk(head(columns: 1, (0..<5).map { (i: Int) -> (Int64, [Double]) in (grid[i], [1.5]) }))
heads.raw.chunkSequence = 4
heads.raw.lastTimestamp = grid[4]
heads.minute.open = OpenChunk(head(columns: 5, (0..<2).map { (i: Int) -> (Int64, [Double]) in (grid[i], [1, 2, 3, 4, 5]) }))
heads.minuteRollup.start(timestamp: grid[4], value: 1.5)
var snapshotBody = ByteWriter()
HeadSnapshot.encodeSeries(ref: 7, heads: heads, into: &snapshotBody)
let trailerBody = HeadSnapshot.encodeTrailer(HeadSnapshot.Trailer(
    ringPositions: [RingPosition(sequence: 5, offset: 4096), RingPosition(sequence: 2, offset: 64), RingPosition(sequence: 1, offset: 64)],
    seriesCount: 1))

let bodies: [(RecordFraming.Kind, [UInt8])] = [
    (.chunk, chunkBody), (.segmentIndex, indexBody), (.seriesBatch, seriesCompressed), (.seriesBatch, seriesPlain),
    (.headLogBatch, logBody.bytes), (.snapshotSeries, snapshotBody.bytes), (.snapshotEnd, trailerBody),
]

// Mode 0: every kind framed, with garbage, zeros and a torn frame between.
var region: [UInt8] = [0]
for (kind, body) in bodies { region += framedPiece(kind, padded16(body)) }
region += [0x01, 5, 0xC7, 0x10, 1, 2, 3]       // raw: a torn chunk frame
region += [0x40, 32] + [UInt8](repeating: 0, count: 32)  // raw: zeros
region += framedPiece(.snapshotEnd, trailerBody)
write("records", "0-region", region)

// Mode 1: the same records framed for real.
var raw: [UInt8] = []
for (kind, body) in bodies where kind != .seriesBatch { RecordFraming.append(kind: kind, body: body, seed: generation, to: &raw) }
raw += [0xC9, 0xFF, 0xFF]
RecordFraming.append(kind: .snapshotEnd, body: trailerBody, seed: generation, to: &raw)
write("records", "1-raw-scan", [1] + raw)

// Modes 2-5: headers, trailer, store.meta.
write("records", "2-segment-header", [2] + SegmentFormat.encode(SegmentFormat.Header(tier: 1, sequence: 9, segmentBytes: 1 << 16)))
let trailer = SegmentFormat.Trailer(sequence: 9, indexOffset: 60_000, indexLength: 48, minTimestamp: grid[0], maxTimestamp: grid[119],
                                    sampleCount: 1200, chunkCount: 4, dataEnd: 59_000)
write("records", "3-segment-trailer", [3, 0, 0, 1, 0] + SegmentFormat.encode(trailer))
write("records", "4-snapshot-header", [4] + HeadSnapshot.encodeHeader(generation: 12, length: 8192))
let layout = StoreLayout(budget: 64 << 20, seriesIndexBytes: 1 << 20, headLogBytes: 2 << 20, snapshotSlotBytes: 1 << 20,
                         ringBytes: [32 << 20, 16 << 20, 8 << 20], segmentBytes: [1 << 20, 512 << 10, 256 << 10])
let meta = layout.encoded()
let metaBody = meta.withUnsafeBytes { raw in Array(raw[RecordFraming.frame(in: raw, at: 0, seed: 0)!.body]) }
write("records", "5-store-meta", [5] + metaBody)

// Mode 6: each body decoder directly.
for (kind, body) in bodies {
    let index = UInt8(RecordFraming.Kind.allCases.firstIndex(of: kind)!)
    write("records", "6-body-\(kind)" + (body.first == 0xFE ? "-plain" : ""), [6, index] + body)
}
// The seeds must be valid, or they only teach the fuzzer the error paths.
func valid(_ bytes: [UInt8], _ decode: (UnsafeRawBufferPointer) -> Bool) -> Bool { bytes.withUnsafeBytes(decode) }
for (name, bytes) in sealedSeeds {
    var timestamps: [Int64] = [], columns: [[Double]] = []
    precondition(valid(bytes) { (try? SealedChunk.decode($0, timestamps: &timestamps, columns: &columns)) != nil }, name)
}
for (name, chunk) in headSeeds { precondition(valid(chunk.serialized()) { (try? HeadChunk(serialized: $0)) != nil }, name) }
precondition(valid(chunkBody) { SegmentFormat.decodeChunkBody($0) != nil })
var plainBatch = ByteWriter(); plainBatch.writeUInt8(0); plainBatch.writeVarint(seriesInner.count); plainBatch.writeBytes(seriesInner.bytes)
var decodedSeries = 0
precondition(valid(plainBatch.bytes) { SeriesIndexFile.decodeBatch($0) { _, _ in decodedSeries += 1 } } && decodedSeries == 2)
precondition(valid(logBody.bytes) { HeadLog.decode($0) { _ in } })
precondition(valid(snapshotBody.bytes) { HeadSnapshot.decodeSeries($0) != nil })
precondition(valid(trailerBody) { HeadSnapshot.decodeTrailer($0) != nil })
precondition(StoreLayout.decode(meta) == layout)
precondition(valid(SegmentFormat.encode(trailer)) { SegmentFormat.decodeTrailer($0, sequence: 9, segmentBytes: 1 << 16) != nil })
var frames = 0
precondition(valid(raw) { RecordFraming.scan($0, from: 0, seed: generation) { if case .frame = $0 { frames += 1 } } == raw.count } && frames == 6)
print("seeds written to \(root)")
