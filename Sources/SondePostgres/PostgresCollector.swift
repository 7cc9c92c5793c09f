import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import SondeCollectors
import SondeCore

/// Scrapes one PostgreSQL server over one long-lived connection (`application_name=sonde`, the
/// configured `statement_timeout` on its session), re-established with backoff when it breaks.
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

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.name = "postgres:" + settings.name
        self.session = PostgresSession(settings: settings, logger: logger)
    }

    public func collect(into batch: inout MetricBatch) async throws {
        let result = await session.scrape()
        for sample in result.samples { batch.add(sample) }
    }

    /// Closes the connection (the agent stops or the configuration dropped this server).
    public func shutdown() async { await session.close() }
}

/// The connection and its state, one scrape at a time.
actor PostgresSession {
    private let settings: PostgresCollector.Settings
    private let logger: Logger
    private var connection: PostgresConnection?
    private var connectionID = 0
    /// While down: when to try connecting again, and how long to wait after that.
    private var retryAt: ContinuousClock.Instant?
    private var backoff: Duration = .seconds(1)
    private var lastFailure: String?
    private var wasUp: Bool?
    private var connects = 0
    private var connectFailures = 0
    private var queryErrors: [String: Int] = [:]

    init(settings: PostgresCollector.Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    func scrape() async -> MetricBatch {
        var sink = PostgresMetricSink(server: settings.name)
        let started = ContinuousClock.now
        let up = await scrapeConnected(into: &sink)
        // A run the scheduler abandoned (it overran its timeout) is not news about the server: its
        // samples are dropped, and the next run decides whether the server is up.
        if Task.isCancelled { return sink.batch }
        sink.add("postgres_up", up ? 1 : 0)
        sink.add("sonde_postgres_scrape_duration_seconds", seconds(ContinuousClock.now - started))
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

    func close() async {
        if let connection { try? await connection.close() }
        connection = nil
    }

    private func scrapeConnected(into sink: inout PostgresMetricSink) async -> Bool {
        guard let connection = await connected() else { return false }
        do {
            let serverRows = try await rows(connection, PostgresQueries.server)
            guard let server = serverRows.first, let versionNumber = server.number(1) else {
                throw SondeError(.unsupported, "the server did not report its version")
            }
            let facts = PostgresServerFacts(
                versionNumber: Int(versionNumber), inRecovery: server.number(4) == 1, statementsSchema: server.text(5))
            sink.add("postgres_version_info", 1, [("version", server.text(0) ?? "")])
            sink.add("postgres_server_version_num", versionNumber)
            sink.add("postgres_uptime_seconds", server.number(2))
            sink.add("postgres_max_connections", server.number(3))
            sink.add("postgres_in_recovery", server.number(4))
            for query in PostgresQueries.queries(for: facts, topTables: settings.topTables, topStatements: settings.topStatements) {
                do {
                    query.emit(try await rows(connection, query.sql), &sink)
                } catch where Self.isServerError(error) {
                    // This query only (a missing view, a permission): the rest of the scrape stands.
                    queryErrors[query.name, default: 0] += 1
                    logger.debug("postgres query failed", metadata: ["postgres.server": "\(settings.name)", "query": "\(query.name)", "error": "\(String(reflecting: error))"])
                }
            }
            return true
        } catch {
            lastFailure = Self.describe(error)
            await dropConnection(backingOff: !Task.isCancelled)
            return false
        }
    }

    /// The open connection, or a new one when the backoff allows; nil while down.
    private func connected() async -> PostgresConnection? {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        if let retryAt, ContinuousClock.now < retryAt { return nil }
        do {
            connectionID += 1
            let opened = try await PostgresConnection.connect(
                configuration: try configuration(), id: connectionID, logger: quietLogger)
            connection = opened
            connects += 1
            backoff = .seconds(1)
            retryAt = nil
            return opened
        } catch {
            // Cancelled by the scheduler's timeout: not a failure of the server; try again next run.
            if Task.isCancelled { return nil }
            connectFailures += 1
            lastFailure = Self.describe(error)
            retryAt = ContinuousClock.now + backoff
            backoff = min(backoff * 2, .seconds(60))
            return nil
        }
    }

    private func dropConnection(backingOff: Bool) async {
        if let connection { try? await connection.close() }
        connection = nil
        guard backingOff else { return }
        retryAt = ContinuousClock.now + backoff
        backoff = min(backoff * 2, .seconds(60))
    }

    private func rows(_ connection: PostgresConnection, _ sql: String) async throws -> [PostgresResultRow] {
        var result: [PostgresResultRow] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger) {
            var values: [PostgresResultRow.Value] = []
            for cell in row {
                if cell.dataType == .float8 {
                    values.append(.number(try cell.decode(Double?.self)))
                } else {
                    values.append(.text(try cell.decode(String?.self)))
                }
            }
            result.append(PostgresResultRow(values))
        }
        return result
    }

    /// PostgresNIO logs every query at debug and connection trouble at its own levels; the
    /// collector reports state changes itself.
    private var quietLogger: Logger {
        var quiet = logger
        quiet.logLevel = .critical
        return quiet
    }

    private func configuration() throws -> PostgresConnection.Configuration {
        let dsn = settings.dsn
        var configuration = PostgresConnection.Configuration(
            host: dsn.host, port: dsn.port, username: dsn.user, password: settings.password ?? dsn.password,
            database: dsn.database, tls: try Self.tls(dsn))
        configuration.options.connectTimeout = .seconds(Int64(dsn.connectTimeoutSeconds ?? 5))
        configuration.options.additionalStartupParameters = [
            ("application_name", "sonde"),
            ("statement_timeout", String(settings.statementTimeout.inMilliseconds)),
        ]
        return configuration
    }

    /// libpq's sslmode on NIOSSL: `require` encrypts without checking the certificate, `verify-ca`
    /// checks the chain, `verify-full` the chain and the host name.
    static func tls(_ dsn: PostgresDSN) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch dsn.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let root = dsn.sslRootCert { tls.trustRoots = .file(root) }
        let context = try NIOSSLContext(configuration: tls)
        return dsn.sslMode == .allow || dsn.sslMode == .prefer ? .prefer(context) : .require(context)
    }

    /// An error the server sent about one statement (as opposed to a broken connection).
    static func isServerError(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError else { return false }
        return psql.code == .server
    }

    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
