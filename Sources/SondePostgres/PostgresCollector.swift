import Logging
import SondeCollectors
import SondeCore

/// Scrapes one PostgreSQL server over one long-lived libpq connection (`application_name` sonde
/// unless the DSN names one, the configured `statement_timeout` on its session unless `options`
/// sets one), re-established with backoff when it breaks.
///
/// A server that is down or refuses gives `postgres_up 0` and one log line per change of state;
/// a query that fails (a view missing on this version, a permission) is counted in
/// `sonde_postgres_query_errors_total{query}` and the others still run.
public final class PostgresCollector: Collector {
    public struct Settings: CollectorSettings {
        public var name: String
        public var dsn: PostgresDSN
        public var password: String?
        public var statementTimeout: Duration = .seconds(5)
        public var topTables = 10
        public var topStatements = 10

        public init(name: String, dsn: PostgresDSN, password: String?) {
            self.name = name
            self.dsn = dsn
            self.password = password
        }

        /// One `collectors.postgres[]` entry.
        public init(_ config: PostgresServerConfig) {
            self.init(name: config.name, dsn: config.parsedDSN, password: config.password?.value)
            statementTimeout = config.statementTimeout
            topTables = config.topTables
            topStatements = config.topStatements
        }
    }

    public let name: String
    public let settings: Settings
    private let session: PostgresSession

    public init(settings: Settings, clock: any SondeClock = SystemClock(), logger: Logger) {
        self.settings = settings
        self.name = "postgres:" + settings.name
        self.session = PostgresSession(settings: settings, clock: clock, logger: logger)
    }

    public func collect(into batch: inout MetricBatch) async throws {
        let result = await session.scrape()
        for sample in result.samples { batch.add(sample) }
    }

    /// Closes the connection (the agent stops or the configuration dropped this server).
    public func shutdown() async { await session.close() }
}

/// The connection and its state, one scrape at a time. The actor runs on the task's executor,
/// which the scheduler makes the collector's own thread, so libpq's blocking connect blocks only it.
actor PostgresSession {
    private let settings: PostgresCollector.Settings
    private let clock: any SondeClock
    private let logger: Logger
    private var connection: PostgresConnection?
    /// While down: when to try connecting again (monotonic), and how long to wait after that.
    private var retryAt: Duration?
    private var backoff: Duration = .seconds(1)
    private var lastFailure: String?
    private var wasUp: Bool?
    private var connects = 0
    private var connectFailures = 0
    private var queryErrors: [String: Int] = [:]

    init(settings: PostgresCollector.Settings, clock: any SondeClock, logger: Logger) {
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    func scrape() async -> MetricBatch {
        var sink = PostgresMetricSink(server: settings.name)
        let started = clock.monotonic
        let up = scrapeConnected(into: &sink)
        // A run the scheduler abandoned (it overran its timeout) is not news about the server: its
        // samples are dropped, and the next run decides whether the server is up.
        if Task.isCancelled { return sink.batch }
        sink.add("postgres_up", up ? 1 : 0)
        sink.add("sonde_postgres_scrape_duration_seconds", (clock.monotonic - started).inSeconds)
        sink.add("sonde_postgres_connects_total", Double(connects))
        sink.add("sonde_postgres_connect_failures_total", Double(connectFailures))
        for (query, count) in queryErrors.sorted(by: { $0.key < $1.key }) {
            sink.add("sonde_postgres_query_errors_total", Double(count), [("query", query)])
        }
        if wasUp != up {
            if up {
                logger.info("postgres up", metadata: ["postgres.server": "\(settings.name)", "postgres.dsn": "\(settings.dsn.redacted)"])
            } else {
                logger.warning("postgres down", metadata: [
                    "postgres.server": "\(settings.name)", "postgres.dsn": "\(settings.dsn.redacted)", "error": "\(lastFailure ?? "unknown")",
                ])
            }
            wasUp = up
        }
        return sink.batch
    }

    func close() {
        connection = nil  // PQfinish, which tells the server goodbye
    }

    private func scrapeConnected(into sink: inout PostgresMetricSink) -> Bool {
        guard let connection = connected() else { return false }
        do throws(PostgresConnection.Failure) {
            let serverRows = try connection.query(PostgresQueries.server, deadline: queryDeadline)
            guard let server = serverRows.first, let versionNumber = server.number(1) else {
                throw PostgresConnection.Failure(isServerError: false, description: "the server did not report its version")
            }
            let facts = PostgresServerFacts(
                versionNumber: Int(versionNumber), inRecovery: server.number(4) == 1, statementsSchema: server.text(5))
            sink.add("postgres_version_info", 1, [("version", server.text(0) ?? "")])
            sink.add("postgres_server_version_num", versionNumber)
            sink.add("postgres_uptime_seconds", server.number(2))
            sink.add("postgres_max_connections", server.number(3))
            sink.add("postgres_in_recovery", server.number(4))
            for query in PostgresQueries.queries(for: facts, topTables: settings.topTables, topStatements: settings.topStatements) {
                do throws(PostgresConnection.Failure) {
                    query.emit(try connection.query(query.sql, deadline: queryDeadline), &sink)
                } catch where error.isServerError {
                    // This query only (a missing view, a permission): the rest of the scrape stands.
                    queryErrors[query.name, default: 0] += 1
                    logger.debug("postgres query failed", metadata: ["postgres.server": "\(settings.name)", "query": "\(query.name)", "error": "\(error)"])
                }
            }
            return true
        } catch {
            lastFailure = error.description
            dropConnection(backingOff: !Task.isCancelled)
            return false
        }
    }

    /// The server ends a statement at statement_timeout; a second more covers a silent network.
    private var queryDeadline: Duration { settings.statementTimeout + .seconds(1) }

    /// The open connection, or a new one when the backoff allows; nil while down.
    private func connected() -> PostgresConnection? {
        if let connection, !connection.isBroken { return connection }
        connection = nil
        if let retryAt, clock.monotonic < retryAt { return nil }
        do throws(PostgresConnection.Failure) {
            let opened = try PostgresConnection.connect(
                dsn: settings.dsn, password: settings.password, statementTimeout: settings.statementTimeout)
            connection = opened
            connects += 1
            backoff = .seconds(1)
            retryAt = nil
            return opened
        } catch {
            // Cancelled by the scheduler's timeout: not a failure of the server; try again next run.
            if Task.isCancelled { return nil }
            connectFailures += 1
            lastFailure = error.description
            retryAt = clock.monotonic + backoff
            backoff = min(backoff * 2, .seconds(60))
            return nil
        }
    }

    private func dropConnection(backingOff: Bool) {
        connection = nil
        guard backingOff else { return }
        retryAt = clock.monotonic + backoff
        backoff = min(backoff * 2, .seconds(60))
    }
}
