#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Logging
import SondeCore
import SondeStore

/// `sonde run`: the long-running agent. At this stage it keeps the store open and durable (a flush
/// every flush interval, the store's own `sonde_store_*` series) and stops cleanly on SIGTERM or
/// SIGINT; the collectors, configuration and scheduler join it with the agent issue.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent in the foreground.",
        discussion: """
            Stops cleanly on SIGTERM or SIGINT: the store is flushed and snapshotted last.

            Examples:
              sonde run
              sonde run --data-dir /var/lib/sonde --max-bytes 1GiB
            """
    )

    @OptionGroup var data: DataDirOption

    @Option(help: ArgumentHelp("Store budget when the store is created (256MiB by default).", valueName: "SIZE"))
    var maxBytes: String?

    @Option(help: ArgumentHelp("How often appended data is made durable (a crash loses at most this).", valueName: "D"))
    var flushInterval: String = "1s"

    func run() throws {
        var options = StoreOptions()
        do {
            if let maxBytes { options.maxBytes = try ByteSize.parse(maxBytes) }
            options.flushIntervalMilliseconds = try DurationParser.parse(flushInterval)
        } catch {
            throw ValidationError(error.message)
        }
        guard options.flushIntervalMilliseconds > 0 else { throw ValidationError("--flush-interval must be positive") }

        // Block the stop signals so they are received synchronously below, never mid-write.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        // Only the executable sets up logging; the store logs through the logger it is given.
        // (The agent issue routes this to journald.)
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "sonde")
        let store = try Store.open(directory: data.dataDir, options: options, logger: logger)
        let recovery = store.recovery
        logger.info("store open", metadata: [
            "store.directory": "\(data.dataDir)",
            "store.created": "\(recovery.created)",
            "series.count": "\(recovery.series)",
            "store.replayed_entries": "\(recovery.replayedEntries)",
        ])
        var timeout = timespec(
            tv_sec: Int(options.flushIntervalMilliseconds / 1000),
            tv_nsec: Int(options.flushIntervalMilliseconds % 1000) * 1_000_000)
        while true {
            let received = sigtimedwait(&stopSignals, nil, &timeout)
            if received == SIGTERM || received == SIGINT {
                logger.info("stopping", metadata: ["signal": "\(received)"])
                break
            }
            do {
                try store.flush()
            } catch {
                // A full or failing disk degrades durability; the agent keeps running and says so.
                logger.error("store flush failed", metadata: ["error": "\(error)"])
            }
        }
        try store.close()
        logger.info("stopped")
    }
}
