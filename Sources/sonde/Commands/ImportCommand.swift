import ArgumentParser
import SondeCore
import SondeStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill the store from OpenMetrics text with timestamps (plain or .gz).",
        discussion: """
            Reads what `promtool tsdb create-blocks-from openmetrics` reads: `# TYPE`/`# HELP` lines,
            `name{labels} value timestamp` lines with timestamps in seconds (a fraction is allowed),
            and `# EOF`. A malformed line stops that file with FILE:LINE:COLUMN and what was expected;
            what was imported before it stays. The store must not be in use by a running agent.

            Examples:
              sonde import node.om
              sonde import --data-dir /var/lib/sonde --max-bytes 1GiB week1.om.gz week2.om.gz
            """
    )

    @OptionGroup var data: DataDirOption

    @Option(help: ArgumentHelp("Store budget when the store is created (512MiB, 1GiB, plain bytes).", valueName: "SIZE"))
    var maxBytes: String?

    @Argument(help: ArgumentHelp("Files to import.", valueName: "FILE"))
    var files: [String]

    func run() throws {
        var options = StoreOptions()
        if let maxBytes {
            do {
                options.maxBytes = try ByteSize.parse(maxBytes)
            } catch {
                throw ValidationError("--max-bytes: \(error.message)")
            }
        }
        // A bulk import seals its chunks and snapshots at the end; it skips the head log.
        options.headLogEnabled = false
        let store = try Store.open(directory: data.dataDir, options: options)
        let importer = OpenMetricsImporter(store: store)
        let started = SystemClock().monotonicSeconds
        let showProgress = Terminal.stderrIsTerminal
        var totalSamples = 0
        var totalBytes: Int64 = 0
        var failures: [ParseError] = []
        for file in files {
            let result = try importer.importFile(file) { fraction, samples in
                if showProgress { Terminal.progress(fraction, label: "\(Terminal.compact(Double(totalSamples + samples))) samples  \(file)") }
            }
            if showProgress { Terminal.endProgress() }
            totalSamples += result.samples
            totalBytes += result.bytesRead
            if let error = result.error { failures.append(error) }
            try store.flush()
        }
        store.sealAll()
        try store.close()
        let seconds = max(SystemClock().monotonicSeconds - started, 1e-9)
        let stats = try store.stats()
        let rejected = store.counters.rejected.values.reduce(0, +)
        let stored = stats.tiers.first { $0.name == "raw" }
        Terminal.out("""
            imported \(files.count) file(s): \(importer.newSeries) new series, \(totalSamples) samples \
            (\(rejected) rejected), \(ByteSize.format(totalBytes)) read in \(Terminal.format(seconds, decimals: 2)) s, \
            \(Terminal.compact(Double(totalSamples) / seconds)) samples/s
            store: \(stats.seriesTotal) series, raw tier \(stored?.samples ?? 0) samples in \(ByteSize.format(Int64(stored?.bytesUsed ?? 0))) \
            (\(Terminal.format(stored?.bytesPerSample ?? 0, decimals: 3)) bytes/sample)
            """)
        for (reason, count) in store.counters.rejected.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where count > 0 {
            Terminal.out("  rejected \(reason.rawValue): \(count)")
        }
        for failure in failures { Terminal.error("error: \(failure)") }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}
