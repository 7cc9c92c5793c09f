import CCrypto
import CPQ
import SondeCore

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection (`PGconn`), used by one `PostgresSession` at a time.
///
/// Connecting is libpq's blocking `PQconnectdbParams`, so every rule of the connection string is
/// libpq's own: `connect_timeout` per host, several hosts, `.pgpass`, service files, the `PG*`
/// environment. It runs on the collector's own thread, so it blocks nothing else; the scheduler's
/// timeout abandons a run that outlasts it. Queries are asynchronous (`PQsendQueryParams`, then
/// `poll` on the socket), so a silent server or a cancelled run ends them at a deadline.
final class PostgresConnection: @unchecked Sendable {
    // @unchecked: the PGconn is only touched by the actor that owns this connection.
    private let connection: OpaquePointer

    /// A connection that failed or a query that failed on the server.
    struct Failure: Error, CustomStringConvertible {
        /// True when the server refused one statement and the connection is still good.
        var isServerError: Bool
        var description: String
    }

    private init(_ connection: OpaquePointer) { self.connection = connection }

    deinit { PQfinish(connection) }

    /// Connects with the DSN as written, then `password` (sonde's secret) when given, and sonde's
    /// defaults where the DSN and the environment leave a setting open.
    static func connect(dsn: PostgresDSN, password: String?, statementTimeout: Duration) throws(Failure) -> PostgresConnection {
        let parameters = connectionParameters(dsn: dsn, password: password)
        let connection = withCStrings(parameters.map(\.key)) { keywords in
            withCStrings(parameters.map(\.value)) { values in
                PQconnectdbParams(keywords, values, 1)  // 1: dbname is a connection string to expand
            }
        }
        guard let connection else { throw Failure(isServerError: false, description: "libpq could not allocate a connection") }
        let opened = PostgresConnection(connection)
        guard PQstatus(connection) == CONNECTION_OK else { throw opened.failure(isServerError: false) }
        // A statement_timeout in `options` (the DSN or PGOPTIONS) is the operator's; otherwise sonde's.
        if !opened.setting("options").contains("statement_timeout") {
            _ = try opened.query("SET statement_timeout = \(statementTimeout.inMilliseconds)", deadline: .seconds(10))
        }
        return opened
    }

    /// The keyword/value list for `PQconnectdbParams`: later entries win, and the DSN (expanded
    /// from `dbname`) overrides what stands before it, so sonde's defaults go first.
    static func connectionParameters(dsn: PostgresDSN, password: String?) -> [(key: String, value: String)] {
        var parameters: [(key: String, value: String)] = []
        // An explicit keyword would hide PGCONNECT_TIMEOUT, which the operator may have set.
        if getenv("PGCONNECT_TIMEOUT") == nil { parameters.append(("connect_timeout", "5")) }
        parameters.append(("fallback_application_name", "sonde"))
        parameters.append(("dbname", dsn.text))
        if let password { parameters.append(("password", password)) }
        // libpq 16 reads `sslrootcert=system` as OpenSSL's default trust store; libpq 15 (Debian 12)
        // would look for a file named "system". Give it that store's file instead, honouring
        // SSL_CERT_FILE as OpenSSL does, with verify-full, libpq 16's default for it.
        let rootCert = dsn.sslRootCert ?? getenv("PGSSLROOTCERT").map { String(cString: $0) }
        if rootCert == "system", libpqVersion < 160_000 {
            parameters.append(("sslrootcert", systemTrustStoreFile()))
            if dsn.value("sslmode") == nil, getenv("PGSSLMODE") == nil { parameters.append(("sslmode", "verify-full")) }
        }
        return parameters
    }

    /// The libpq this process loaded, as 150018 for 15.18.
    static var libpqVersion: Int { Int(PQlibVersion()) }

    /// OpenSSL's default CA bundle: `$SSL_CERT_FILE`, else the path OpenSSL was built with.
    static func systemTrustStoreFile() -> String {
        if let variable = X509_get_default_cert_file_env(), let file = getenv(variable) { return String(cString: file) }
        return String(cString: X509_get_default_cert_file())
    }

    var isBroken: Bool { PQstatus(connection) != CONNECTION_OK }

    /// One statement's rows: float8 columns as numbers, every other column as text, NULL as nil.
    /// Throws a server error (`isServerError`) when the server refused the statement; any other
    /// failure (timeout, cancellation, a broken connection) means the connection is unusable.
    func query(_ sql: String, deadline timeout: Duration) throws(Failure) -> [PostgresResultRow] {
        guard PQsendQueryParams(connection, sql, 0, nil, nil, nil, nil, 0) == 1 else { throw failure(isServerError: false) }
        let deadline = SystemClock().monotonic + timeout
        while PQisBusy(connection) == 1 {
            if Task.isCancelled {
                cancelRunningQuery()
                throw Failure(isServerError: false, description: "cancelled")
            }
            if SystemClock().monotonic > deadline {
                cancelRunningQuery()
                throw Failure(isServerError: false, description: "no answer within \(timeout)")
            }
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) < 0, errno != EINTR { throw Failure(isServerError: false, description: "poll: \(String(cString: strerror(errno)))") }
            guard PQconsumeInput(connection) == 1 else { throw failure(isServerError: false) }
        }
        var rows: [PostgresResultRow] = []
        var serverError: Failure?
        // One statement gives one result, then nil; read to nil so the connection is ready again.
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK:
                rows += Self.rows(result)
            case PGRES_COMMAND_OK:
                break
            default:
                serverError = Failure(isServerError: true, description: Self.trimmed(PQresultErrorMessage(result)))
            }
        }
        if isBroken { throw failure(isServerError: false) }
        if let serverError { throw serverError }
        return rows
    }

    private static func rows(_ result: OpaquePointer) -> [PostgresResultRow] {
        let float8: Oid = 701
        let columns = PQnfields(result)
        let numeric = (0..<columns).map { PQftype(result, $0) == float8 }
        return (0..<PQntuples(result)).map { row in
            PostgresResultRow((0..<columns).map { column in
                let isNull = PQgetisnull(result, row, column) == 1
                let text = isNull ? nil : String(cString: PQgetvalue(result, row, column))
                return numeric[Int(column)] ? .number(text.flatMap(Self.float8)) : .text(text)
            })
        }
    }

    /// PostgreSQL's text form of a float8.
    static func float8(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }

    /// Asks the server to stop the statement (it would run on after the socket closes); the
    /// session then drops this connection.
    private func cancelRunningQuery() {
        guard let cancel = PQgetCancel(connection) else { return }
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
        PQfreeCancel(cancel)
    }

    /// The effective value of one connection setting (from the DSN, a service file, the
    /// environment or the default), "" when unset.
    private func setting(_ keyword: String) -> String {
        guard let options = PQconninfo(connection) else { return "" }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } ?? "" }
            option += 1
        }
        return ""
    }

    private func failure(isServerError: Bool) -> Failure {
        Failure(isServerError: isServerError, description: Self.trimmed(PQerrorMessage(connection)))
    }

    /// libpq's messages end in a newline and may span lines ("…failed: Connection refused\n\tIs the
    /// server running…"): one line for the log.
    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        let lines = String(cString: message).split(whereSeparator: \.isNewline).map { $0.trimmingPrefix(while: \.isWhitespace) }
        return lines.isEmpty ? "unknown error" : lines.joined(separator: " ")
    }

    /// Calls `body` with a NULL-terminated array of C strings that live for the call.
    private static func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result) -> Result {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
