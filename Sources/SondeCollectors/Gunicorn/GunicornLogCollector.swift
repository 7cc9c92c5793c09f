import Logging
import SondeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tails one Gunicorn app's access and error logs (paths or globs) into request, latency and
/// worker-health counters, each line at its own time.
///
/// Every round it reads what is new in each file (at most a time budget's worth, so a large backlog
/// is caught up over several rounds), emits the counters that changed, and saves one checkpoint
/// per app in the data directory: the tail positions together with the counters they were counted
/// up to. After a restart or a kill -9 it resumes from that checkpoint: lines after it are read
/// again and counted again from the same starting values, so the store sees the same cumulative
/// values (dropped as duplicates or ordering rejects) and nothing is counted twice or lost.
public final class GunicornLogCollector: Collector {
    public struct Settings: CollectorSettings {
        public var app: String
        public var accessLog: String?
        public var errorLog: String?
        public var decoder: AccessLogDecoder
        public var options = GunicornMetricsOptions()
        public var lineLimit = LogTailLineFramer.defaultLimit
        public var startAtEnd = false
        public var rotateWait: Duration = .seconds(5)
        /// How long a round may read before it stops and leaves the rest to the next round.
        public var readTimeBudgetSeconds = 0.5
        /// Where the checkpoint lives (`DATA/logs/gunicorn-APP.checkpoint`).
        public var checkpointPath: String

        public init(app: String, accessLog: String?, errorLog: String?, decoder: AccessLogDecoder, checkpointPath: String) {
            self.app = app
            self.accessLog = accessLog
            self.errorLog = errorLog
            self.decoder = decoder
            self.checkpointPath = checkpointPath
        }

        /// The settings of one `collectors.gunicorn[]` entry; its checkpoint goes in the data
        /// directory's `logs/`. A bad `format` is an error at its place in the configuration file.
        public init(_ app: GunicornAppConfig, dataDirectory: String) throws(ParseError) {
            let decoder: AccessLogDecoder
            do {
                decoder = try AccessLogDecoder(format: app.format, maxLineLength: Int(app.maxLineBytes))
            } catch {
                let at = app.formatPosition
                throw ParseError(
                    file: at?.file, line: at?.line ?? error.line, column: (at?.column ?? 1) + error.column - 1,
                    message: "gunicorn app \"\(app.app)\" format: \(error.message)")
            }
            self.init(
                app: app.app, accessLog: app.accessLog, errorLog: app.errorLog, decoder: decoder,
                checkpointPath: Self.stateDirectory(dataDirectory) + "/gunicorn-\(app.app).checkpoint")
            options.durationBuckets = app.durationBuckets ?? GunicornMetricsOptions.defaultDurationBuckets
            options.maxRoutes = app.maxRoutes
            options.routePatterns = app.routes.map { RouteFolding.Pattern(pattern: $0.pattern, route: $0.route) }
            lineLimit = Int(app.maxLineBytes)
            startAtEnd = app.startAt == .end
            rotateWait = app.rotateWait
        }

        /// Where log collectors keep their checkpoints in the data directory.
        public static func stateDirectory(_ dataDirectory: String) -> String { dataDirectory + "/logs" }
    }

    public let name: String
    public let settings: Settings
    private let clock: any SondeClock
    private let logger: Logger
    private let state: Mutex<State>

    /// The files of one log (access or error) and their running totals.
    private struct LogSet {
        let kind: String
        let pattern: String?
        var tailers: [String: LogFileTailer] = [:]
        /// Positions saved for files not open yet (from the checkpoint).
        var saved: [String: TailPosition] = [:]
        /// Totals of tailers already dropped (their files are gone), for the self-metrics.
        var retired = LogFileTailer.Counters()
        var seenTooLong: [String: UInt64] = [:]

        var isGlob: Bool { pattern.map(FileGlob.isPattern) ?? false }
    }

    private struct State {
        var access: LogSet
        var errors: LogSet
        var accessMetrics: GunicornAccessMetrics
        var errorMetrics: GunicornErrorMetrics
        var loaded = false
        /// True until the first round is over when no checkpoint existed (the agent's first run).
        var firstEverRound = true
        var checkpointErrors = 0
        var lastSaved: SavedMark?
    }

    public init(settings: Settings, clock: any SondeClock = SystemClock(), logger: Logger) {
        self.settings = settings
        self.clock = clock
        self.name = "gunicorn:" + settings.app
        self.logger = logger
        self.state = Mutex(State(
            access: LogSet(kind: "access", pattern: settings.accessLog),
            errors: LogSet(kind: "error", pattern: settings.errorLog),
            accessMetrics: GunicornAccessMetrics(app: settings.app, decoder: settings.decoder, options: settings.options),
            errorMetrics: GunicornErrorMetrics(app: settings.app, idleEmitMilliseconds: settings.options.idleEmitMilliseconds)))
    }

    public func collect(into batch: inout MetricBatch) async throws {
        let problems = state.withLock { state in collectLocked(&state, into: &batch) }
        if let first = problems.first { throw SondeError(.io, first) }
    }

    private func collectLocked(_ state: inout State, into batch: inout MetricBatch) -> [String] {
        var problems: [String] = []
        if !state.loaded {
            state.loaded = true
            if let problem = loadCheckpoint(&state) { problems.append(problem) }
        }
        let now = clock.wallMilliseconds
        let clock = self.clock
        let deadline = clock.monotonicSeconds + settings.readTimeBudgetSeconds
        let keepGoing = { clock.monotonicSeconds < deadline }
        let firstRound = state.firstEverRound
        state.firstEverRound = false

        let context = Round(now: now, firstRound: firstRound, keepGoing: keepGoing)
        poll(&state.access, into: &state.accessMetrics, context, batch: &batch, problems: &problems)
        poll(&state.errors, into: &state.errorMetrics, context, batch: &batch, problems: &problems)
        if let problem = saveCheckpointIfChanged(&state) { problems.append(problem) }
        addSelfMetrics(state, into: &batch)
        return problems
    }

    // MARK: tailing

    private struct Round {
        var now: Int64
        var firstRound: Bool
        var keepGoing: () -> Bool
    }

    /// Reads one log's files into its metrics and adds what they emit to the batch.
    private func poll<M: LogLineMetrics>(
        _ set: inout LogSet, into metrics: inout M, _ round: Round, batch: inout MetricBatch, problems: inout [String]
    ) {
        // A log that is not configured writes nothing: no zero worker counters without an error log.
        guard set.pattern != nil else { return }
        let now = round.now
        let caughtUp = tail(&set, round, problems: &problems) { line in
            metrics.ingest(line, fallbackTime: now)
        } tooLong: { count in
            for _ in 0..<count { metrics.countUnparsed("too_long", fallbackTime: now) }
        }
        for sample in metrics.finishRound(now: now, caughtUp: caughtUp) { batch.add(sample) }
    }

    /// Polls every file of the set; true when all were read to their end.
    private func tail(
        _ set: inout LogSet, _ round: Round, problems: inout [String], line: (UnsafeRawBufferPointer) -> Void, tooLong: (Int) -> Void
    ) -> Bool {
        guard let pattern = set.pattern else { return true }
        let paths = set.isGlob ? FileGlob.expand(pattern) : [pattern]
        for path in paths where set.tailers[path] == nil {
            let tailer = LogFileTailer(path: path, lineLimit: settings.lineLimit, rotateWaitMilliseconds: settings.rotateWait.inMilliseconds)
            if let saved = set.saved.removeValue(forKey: path) {
                tailer.restore(saved)
            } else if round.firstRound && settings.startAtEnd, let end = Self.endPosition(of: path) {
                // A file that was there before the agent ever saw it: only new lines.
                tailer.restore(end)
            }
            set.tailers[path] = tailer
        }
        var caughtUp = true
        for path in set.tailers.keys.sorted() {
            let tailer = set.tailers[path]!
            let done = tailer.poll(now: round.now, keepGoing: round.keepGoing, line: line)
            if !done { caughtUp = false }
            let skipped = tailer.counters.tooLongLines - (set.seenTooLong[path] ?? 0)
            if skipped > 0 { tooLong(Int(skipped)) }
            set.seenTooLong[path] = tailer.counters.tooLongLines
            if let error = tailer.error { problems.append(error) }
            // A glob's file that is gone and read to its end is forgotten.
            if set.isGlob, done, !paths.contains(path), access(path, F_OK) != 0 {
                set.retired.add(tailer.counters)
                tailer.close()
                set.tailers[path] = nil
                set.seenTooLong[path] = nil
            }
        }
        return caughtUp
    }

    /// The position just after the last complete line of `path` as it is now.
    static func endPosition(of path: String) -> TailPosition? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = UInt64(info.st_size)
        var fingerprint = [UInt8](repeating: 0, count: TailPosition.maxFingerprint)
        let got = fingerprint.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        fingerprint = got > 0 ? Array(fingerprint[0..<got]) : []
        // Back up to the last newline (within 64 KiB) so a half-written line is read whole later.
        let window = min(size, 65_536)
        var tail = [UInt8](repeating: 0, count: Int(window))
        let read = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(size - window)) }
        var offset = size
        if read == Int(window), let newline = tail.lastIndex(of: 0x0A) {
            offset = size - window + UInt64(newline) + 1
        }
        return TailPosition(identity: FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)), offset: offset, fingerprint: fingerprint)
    }

    // MARK: checkpoint

    private static let checkpointVersion: UInt8 = 1

    private func positions(_ state: State) -> [String: TailPosition] {
        var all: [String: TailPosition] = [:]
        for (kind, set) in [("access", state.access), ("error", state.errors)] {
            for (path, position) in set.saved { all[kind + "\u{0}" + path] = position }
            for (path, tailer) in set.tailers { if let position = tailer.position { all[kind + "\u{0}" + path] = position } }
        }
        return all
    }

    /// What a checkpoint was written for: a new one is written when any of it moved.
    private struct SavedMark: Equatable {
        var positions: [String: TailPosition]
        var accessEmitted: Int64
        var errorsEmitted: Int64
    }

    private func mark(_ state: State) -> SavedMark {
        SavedMark(positions: positions(state), accessEmitted: state.accessMetrics.clock.lastEmitted, errorsEmitted: state.errorMetrics.clock.lastEmitted)
    }

    private func saveCheckpointIfChanged(_ state: inout State) -> String? {
        let current = mark(state)
        guard current != state.lastSaved else { return nil }
        var writer = CheckpointWriter()
        writer.u8(Self.checkpointVersion)
        writer.u32(UInt32(current.positions.count))
        for (key, position) in current.positions.sorted(by: { $0.key < $1.key }) {
            writer.string(key)
            writer.blob(position.encoded())
        }
        state.accessMetrics.encode(into: &writer)
        state.errorMetrics.encode(into: &writer)
        do {
            try LogCheckpointFile(path: settings.checkpointPath).save(writer.bytes)
            state.lastSaved = current
            return nil
        } catch {
            state.checkpointErrors += 1
            return error.message
        }
    }

    private func loadCheckpoint(_ state: inout State) -> String? {
        let payload: [UInt8]
        switch LogCheckpointFile(path: settings.checkpointPath).load() {
        case .missing:
            return nil
        case .damaged(let why):
            state.firstEverRound = false
            logger.error("log checkpoint unreadable; starting the logs over", metadata: ["app": "\(settings.app)", "error": "\(why)"])
            return "log checkpoint unreadable (\(why)); logs are read from their start"
        case .loaded(let bytes):
            payload = bytes
        }
        var reader = CheckpointReader(payload)
        var access = state.access
        var errors = state.errors
        var accessMetrics = state.accessMetrics
        var errorMetrics = state.errorMetrics
        do throws(CheckpointReader.Malformed) {
            guard try reader.u8() == Self.checkpointVersion else { throw .init() }
            let count = try reader.u32()
            for _ in 0..<count {
                let key = try reader.string()
                guard let position = TailPosition(decoding: try reader.blob()) else { throw .init() }
                let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw .init() }
                // A file no longer configured is dropped with its position.
                if parts[0] == "access" { access.saved[parts[1]] = position }
                if parts[0] == "error" { errors.saved[parts[1]] = position }
            }
            try accessMetrics.restore(from: &reader)
            try errorMetrics.restore(from: &reader)
        } catch {
            state.firstEverRound = false
            logger.error("log checkpoint malformed; starting the logs over", metadata: ["app": "\(settings.app)", "path": "\(settings.checkpointPath)"])
            return "log checkpoint \(settings.checkpointPath) malformed; logs are read from their start"
        }
        state.access = access
        state.errors = errors
        state.accessMetrics = accessMetrics
        state.errorMetrics = errorMetrics
        state.lastSaved = mark(state)
        state.firstEverRound = false
        return nil
    }

    // MARK: self-metrics

    private func addSelfMetrics(_ state: State, into batch: inout MetricBatch) {
        for set in [state.access, state.errors] where set.pattern != nil {
            var totals = set.retired
            var backlog: UInt64 = 0
            for tailer in set.tailers.values {
                totals.add(tailer.counters)
                backlog += tailer.backlogBytes
            }
            let labels = [("app", settings.app), ("log", set.kind)]
            batch.add("sonde_log_lines_read_total", Double(totals.lines), labels)
            batch.add("sonde_log_bytes_read_total", Double(totals.bytesRead), labels)
            batch.add("sonde_log_rotations_total", Double(totals.rotations), labels)
            batch.add("sonde_log_truncations_total", Double(totals.truncations), labels)
            batch.add("sonde_log_rotated_files_missing_total", Double(totals.rotatedFilesMissing), labels)
            batch.add("sonde_log_read_errors_total", Double(totals.readErrors), labels)
            batch.add("sonde_log_files", Double(set.tailers.count), labels)
            batch.add("sonde_log_backlog_bytes", Double(backlog), labels)
        }
        batch.add("sonde_log_checkpoint_errors_total", Double(state.checkpointErrors), [("app", settings.app)])
    }

}

extension LogFileTailer.Counters {
    mutating func add(_ other: LogFileTailer.Counters) {
        bytesRead += other.bytesRead
        lines += other.lines
        rotations += other.rotations
        truncations += other.truncations
        tooLongLines += other.tooLongLines
        rotatedFilesMissing += other.rotatedFilesMissing
        readErrors += other.readErrors
    }
}
