import ArgumentParser
import SondeAgent
import SondeCollectors
import SondeCore
import SondeStore

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Work with application logs.",
        subcommands: [LogsImportCommand.self]
    )
}

struct LogsImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load whole Gunicorn log files (plain or .gz) into the store, each line at its own time.",
        discussion: """
            Writes the metrics the running agent writes for a tailed log (gunicorn_requests_total,
            gunicorn_request_duration_seconds, …, or the worker counters for --error-log), so last
            week's rotated logs can be queried at once. Files are counted oldest first, by their first
            timestamp, whatever order they are given in. Counters start at 0 for each import: do not
            import lines the agent already tailed. The store must not be in use by a running agent.

            --format takes Gunicorn's access_log_format (the string in gunicorn.conf.py), or
            `combined` for nginx, or `json`; without it, Gunicorn's default format.

            Examples:
              sonde logs import --app myapp /var/log/myapp/access.log.*.gz
              sonde logs import --app myapp --format '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s' access.log.1
              sonde logs import --app myapp --error-log /var/log/myapp/error.log.1
            """
    )

    @OptionGroup var data: DataDirOption

    @Option(help: ArgumentHelp("The app label (as in collectors.gunicorn[].app).", valueName: "NAME"))
    var app: String

    @Option(help: ArgumentHelp("access_log_format, `combined` or `json` (default: Gunicorn's default format).", valueName: "FORMAT"))
    var format: String?

    @Flag(help: "The files are Gunicorn error logs (worker timeouts, kills, boots, tracebacks).")
    var errorLog = false

    @Argument(help: ArgumentHelp("Log files, plain or .gz.", valueName: "FILE"))
    var files: [String]

    func run() throws {
        let decoder: AccessLogDecoder
        do {
            decoder = try AccessLogDecoder(format: format)
        } catch {
            throw ValidationError("--format: column \(error.column): \(error.message)")
        }
        guard !app.isEmpty, !app.contains(where: { $0.isWhitespace }) else { throw ValidationError("--app: expected a name without spaces") }
        var options = StoreOptions()
        options.headLogEnabled = false  // a bulk import seals and snapshots at the end
        let store = try Store.open(directory: data.dataDir, options: options)
        let importer = LogImport(store: store, app: app, kind: errorLog ? .error : .access, decoder: decoder)
        let started = SystemClock().monotonicSeconds
        let showProgress = Terminal.stderrIsTerminal
        var currentFile = ""
        let summary: LogImport.Summary
        do {
            summary = try importer.run(files) { file, fraction, lines in
                if showProgress {
                    if file != currentFile, !currentFile.isEmpty { Terminal.endProgress() }
                    currentFile = file
                    Terminal.progress(fraction, label: "\(Terminal.compact(Double(lines))) lines  \(file)")
                }
            }
        } catch {
            if showProgress { Terminal.endProgress() }
            try? store.close()
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
        if showProgress { Terminal.endProgress() }
        store.sealAll()
        try store.close()
        let seconds = max(SystemClock().monotonicSeconds - started, 1e-9)
        var span = ""
        if let first = summary.firstTimestamp, let last = summary.lastTimestamp {
            span = " from \(TimestampFormat.rfc3339(milliseconds: first)) to \(TimestampFormat.rfc3339(milliseconds: last))"
        }
        Terminal.out("""
            imported \(summary.files) file(s) for app \(app): \(summary.lines) lines (\(summary.unparsedLines) unparsed), \
            \(summary.samples) samples\(span), \(ByteSize.format(Int64(summary.bytesRead))) read in \
            \(Terminal.format(seconds, decimals: 2)) s, \(Terminal.compact(Double(summary.lines) / seconds)) lines/s
            """)
        for failure in summary.failures { Terminal.error("error: \(failure)") }
        if !summary.failures.isEmpty { throw ExitCode(1) }
    }
}
