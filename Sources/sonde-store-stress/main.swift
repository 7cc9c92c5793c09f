// sonde-store-stress: appends synthetic samples to a store as fast as it can, flushing every few
// steps and printing `durable STEP` after each flush. The crash tests SIGKILL it at random moments
// and check that every step it called durable is in the store, exactly.
//
//   sonde-store-stress --data-dir DIR [--series N] [--start-step S] [--steps N] [--flush-every K] [--max-bytes B]
//
// Series i at step s holds `StressData.value(series: i, step: s)` at timestamp s * 1000.
//
// With --report-memory it appends --steps steps, then prints the process' resident memory per series
// beyond the open chunks (VmRSS growth since before the first series, minus the open chunks' memory):
//   sonde-store-stress --data-dir /tmp/m --series 10000 --steps 16 --report-memory
#if canImport(Glibc)
import Glibc
#endif
import SondeCore
import SondeStore

func argument(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else { return value }
    return parsed
}

guard let dataDirIndex = CommandLine.arguments.firstIndex(of: "--data-dir"), dataDirIndex + 1 < CommandLine.arguments.count else {
    print("usage: sonde-store-stress --data-dir DIR [--series N] [--start-step S] [--steps N] [--flush-every K] [--max-bytes B]")
    exit(2)
}
let directory = CommandLine.arguments[dataDirIndex + 1]
let seriesCount = argument("--series", default: 100)
let startStep = argument("--start-step", default: 0)
let steps = argument("--steps", default: Int.max / 2)
let flushEvery = argument("--flush-every", default: 10)
var options = StoreOptions()
options.maxBytes = Int64(argument("--max-bytes", default: 4 << 20))

func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
    let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

let reportMemory = CommandLine.arguments.contains("--report-memory")
do {
    let store = try Store.open(directory: directory, options: options)
    let residentBefore = residentBytes()
    var refs: [SeriesRef] = []
    for index in 0..<seriesCount {
        guard let ref = store.seriesRef(Labels(name: "stress", ["series": String(index)])) else {
            print("series rejected")
            exit(1)
        }
        refs.append(ref)
    }
    var batch = SampleBatch()
    for step in startStep..<(startStep + steps) {
        for (index, ref) in refs.enumerated() {
            batch.add(ref, timestamp: Int64(step) * 1000, value: StressData.value(series: index, step: step))
        }
        store.append(batch)
        batch.removeAll()
        if (step - startStep + 1) % flushEvery == 0 {
            try store.flush(now: Int64(step) * 1000)
            print("durable \(step)")
            fflush(nil)  // all streams: stdout is a pipe in the crash tests
        }
    }
    if reportMemory {
        try store.flush()
        let grown = residentBytes() - residentBefore
        let open = store.openChunkMemoryBytes
        print("series \(seriesCount): resident growth \(grown / seriesCount) bytes/series, open chunks \(open / seriesCount) bytes/series, beyond open chunks \((grown - open) / seriesCount) bytes/series")
    }
    try store.close()
} catch {
    print("error: \(error)")
    exit(1)
}
