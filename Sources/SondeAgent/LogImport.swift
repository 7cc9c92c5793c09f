import SondeCollectors
import SondeCore
import SondeStore

/// `sonde logs import`: reads whole Gunicorn log files (plain or `.gz`) into the store, every line
/// at its own time, with the same metrics the live collector writes.
///
/// Files are taken in the order of their first timestamp, so `app.log.3.gz app.log.2.gz app.log.1`
/// given in any order are counted oldest first and the counters rise through them. Counters start
/// at 0 for each import; importing logs the running agent already tailed counts them again.
public struct LogImport {
    public enum Kind: String, Sendable {
        case access, error
    }

    public struct Summary: Sendable, Equatable {
        public var files = 0
        public var lines: UInt64 = 0
        public var unparsedLines: UInt64 = 0
        public var bytesRead: UInt64 = 0
        public var samples = 0
        public var firstTimestamp: Int64?
        public var lastTimestamp: Int64?
        /// Files that stopped early (damaged gzip, unreadable), with why.
        public var failures: [String] = []
    }

    public let store: Store
    public let app: String
    public let kind: Kind
    public let decoder: AccessLogDecoder
    public var options = GunicornMetricsOptions()
    public var lineLimit = LogTailLineFramer.defaultLimit

    public init(store: Store, app: String, kind: Kind, decoder: AccessLogDecoder) {
        self.store = store
        self.app = app
        self.kind = kind
        self.decoder = decoder
    }

    /// Imports `files`; `progress` gets the file, its fraction read and the lines so far.
    public func run(_ files: [String], progress: (String, Double, UInt64) -> Void = { _, _, _ in }) throws(SondeError) -> Summary {
        if kind == .access, !decoder.hasTimestamp {
            throw SondeError(.invalidArgument, "the access-log format has no %(t)s: imported lines need their own time")
        }
        var summary = Summary()
        switch kind {
        case .access:
            var metrics = GunicornAccessMetrics(app: app, decoder: decoder, options: options)
            try importFiles(files, into: &metrics, summary: &summary, progress: progress)
            summary.unparsedLines = UInt64(metrics.total("sonde_log_lines_unparsed_total"))
        case .error:
            var metrics = GunicornErrorMetrics(app: app)
            try importFiles(files, into: &metrics, summary: &summary, progress: progress)
        }
        return summary
    }

    private func importFiles<M: LogLineMetrics>(
        _ files: [String], into metrics: inout M, summary: inout Summary, progress: (String, Double, UInt64) -> Void
    ) throws(SondeError) {
        // Oldest first, by each file's first timestamp; files without one keep their place at the end.
        var ordered: [(path: String, first: Int64)] = []
        for (index, path) in files.enumerated() {
            guard let start = LogFileReader.prefix(of: path, count: 256 * 1024) else {
                throw SondeError(.notFound, "cannot read \(path)")
            }
            ordered.append((path, M.firstTimestamp(in: start, decoder: decoder) ?? Int64.max - Int64(files.count - index)))
        }
        ordered.sort { $0.first < $1.first }

        var writer = SampleWriter(store: store)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for (path, _) in ordered {
            let reader = try LogFileReader(path: path)
            var framer = LogTailLineFramer(limit: lineLimit)
            var lines: UInt64 = 0
            // Lines without a time of their own (error-log continuations) take the previous one's.
            let fallback: Int64 = 0
            do throws(SondeError) {
                while true {
                    let count = try reader.read(into: &buffer)
                    if count == 0 { break }
                    summary.bytesRead += UInt64(count)
                    let tooLong = buffer.withUnsafeBytes { raw in
                        framer.feed(UnsafeRawBufferPointer(rebasing: raw[0..<count])) { line in
                            lines += 1
                            metrics.ingest(line, fallbackTime: fallback)
                        }
                    }
                    for _ in 0..<tooLong { metrics.countUnparsed("too_long", fallbackTime: fallback) }
                    writer.write(metrics.takeSamples(), summary: &summary)
                    progress(path, reader.fileSize == 0 ? 1 : Double(reader.bytesConsumed) / Double(reader.fileSize), summary.lines + lines)
                }
            } catch {
                summary.failures.append(error.message)
            }
            let tooLong = framer.flush { line in
                lines += 1
                metrics.ingest(line, fallbackTime: fallback)
            }
            for _ in 0..<tooLong { metrics.countUnparsed("too_long", fallbackTime: fallback) }
            summary.lines += lines
            summary.files += 1
        }
        writer.write(metrics.finishRound(now: 0, caughtUp: false), summary: &summary)
    }

    /// Appends samples through cached series references.
    private struct SampleWriter {
        let store: Store
        var refs = SeriesRefCache()

        mutating func write(_ samples: [MetricSample], summary: inout Summary) {
            guard !samples.isEmpty else { return }
            var batch = SampleBatch()
            for sample in samples {
                guard let time = sample.timestamp, time > 0, let ref = refs.ref(for: sample.labels, in: store) else { continue }
                batch.add(ref, timestamp: time, value: sample.value)
                summary.samples += 1
                summary.firstTimestamp = min(summary.firstTimestamp ?? time, time)
                summary.lastTimestamp = max(summary.lastTimestamp ?? time, time)
            }
            store.append(batch)
        }
    }
}
