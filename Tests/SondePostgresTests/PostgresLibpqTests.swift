import Logging
import SondeCollectors
import SondeCore
@testable import SondePostgres
import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What libpq brings, as `psql` users know it: passwords from a pgpass file, service files, the
/// system's trust store, several hosts, client certificates, verify-ca against verify-full.
extension PostgresCollectorLiveTests {
    func collector(dsn text: String, password: String? = nil) throws -> PostgresCollector {
        PostgresCollector(settings: .init(name: "main", dsn: try PostgresDSN(text), password: password), logger: Logger(label: "test"))
    }

    /// Runs `body` with environment variables set, then restores them.
    func withEnvironment<T>(_ variables: [String: String?], _ body: () async throws -> T) async rethrows -> T {
        let saved = variables.keys.map { ($0, getenv($0).map { String(cString: $0) }) }
        for (name, value) in variables {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        return try await body()
    }

    @Test("the password from a pgpass file: passfile= in the DSN, or PGPASSFILE with a service file")
    func passwordFileAndService() async throws {
        let server = try PostgresServer()
        defer { server.remove() }
        let files = TemporaryDirectory("sonde-pgpass")
        defer { files.remove() }
        let passfile = files.path + "/pgpass"
        TestFiles.append(passfile, "# host:port:database:user:password\n127.0.0.1:\(server.port):app:sonde:sonde-pass\n")
        chmod(passfile, 0o600)

        let fromPassfile = try collector(dsn: "postgres://sonde@127.0.0.1:\(server.port)/app?sslmode=disable&passfile=\(passfile)")
        #expect(value(try await scrape(fromPassfile), "postgres_up") == 1)
        await fromPassfile.shutdown()
        let withoutPassword = try collector(dsn: "postgres://sonde@127.0.0.1:\(server.port)/app?sslmode=disable&passfile=/nonexistent")
        #expect(value(try await scrape(withoutPassword), "postgres_up") == 0)

        let serviceFile = files.path + "/pg_service.conf"
        TestFiles.append(serviceFile, "[monitoring]\nhost=127.0.0.1\nport=\(server.port)\nuser=sonde\ndbname=app\nsslmode=disable\n")
        try await withEnvironment(["PGSERVICEFILE": serviceFile, "PGPASSFILE": passfile]) {
            let fromService = try collector(dsn: "service=monitoring")
            let samples = try await scrape(fromService)
            #expect(value(samples, "postgres_up") == 1)
            #expect(value(samples, "postgres_database_size_bytes", ["database": "app"]) != nil)
            await fromService.shutdown()
        }
        try await withEnvironment(["PGSERVICEFILE": serviceFile, "PGPASSFILE": nil]) {
            let unknownService = try collector(dsn: "service=elsewhere")
            #expect(value(try await scrape(unknownService), "postgres_up") == 0)
        }
    }

    @Test("sslrootcert=system trusts the system's store (SSL_CERT_FILE), with verify-full")
    func systemTrustStore() async throws {
        let server = try PostgresServer(tls: true)
        defer { server.remove() }
        let dsn = "postgres://sonde@127.0.0.1:\(server.port)/app?sslrootcert=system"
        #expect(try PostgresDSN(dsn).sslMode == .verifyFull)
        try await withEnvironment(["SSL_CERT_FILE": server.certificatePath]) {
            let trusted = try collector(dsn: dsn, password: "sonde-pass")
            #expect(value(try await scrape(trusted), "postgres_up") == 1)
            await trusted.shutdown()
        }
        // The distribution's store does not know this self-signed certificate.
        try await withEnvironment(["SSL_CERT_FILE": nil]) {
            let untrusted = try collector(dsn: dsn, password: "sonde-pass")
            #expect(value(try await scrape(untrusted), "postgres_up") == 0)
        }
    }

    @Test("verify-ca checks the chain only, verify-full the name too; a client certificate logs in")
    func certificates() async throws {
        let server = try PostgresServer(tls: true)
        defer { server.remove() }
        // The certificate names 127.0.0.1, not localhost.
        let byName = "postgres://sonde@localhost:\(server.port)/app?sslrootcert=\(server.certificatePath)"
        let chainOnly = try collector(dsn: byName + "&sslmode=verify-ca", password: "sonde-pass")
        #expect(value(try await scrape(chainOnly), "postgres_up") == 1)
        await chainOnly.shutdown()
        let nameToo = try collector(dsn: byName + "&sslmode=verify-full", password: "sonde-pass")
        #expect(value(try await scrape(nameToo), "postgres_up") == 0)

        let certificate = try collector(dsn: """
            host=127.0.0.1 port=\(server.port) user=certuser dbname=app sslmode=verify-full \
            sslrootcert='\(server.certificatePath)' sslcert='\(server.clientCertificatePath)' sslkey='\(server.clientKeyPath)'
            """)
        #expect(value(try await scrape(certificate), "postgres_up") == 1)
        await certificate.shutdown()
        let noCertificate = try collector(dsn: "host=127.0.0.1 port=\(server.port) user=certuser dbname=app sslmode=require sslcert=/nonexistent")
        #expect(value(try await scrape(noCertificate), "postgres_up") == 0)
    }

    @Test("several hosts: the first that answers; application_name sonde unless the DSN names one")
    func severalHosts() async throws {
        let server = try PostgresServer()
        defer { server.remove() }
        let nobody = TestNetwork.freeLoopbackPort()
        let failover = try collector(dsn: "postgres://sonde@127.0.0.1:\(nobody),127.0.0.1:\(server.port)/app?sslmode=disable", password: "sonde-pass")
        #expect(value(try await scrape(failover), "postgres_up") == 1)
        #expect(try server.sql("SELECT application_name FROM pg_stat_activity WHERE usename = 'sonde'") == "sonde\n")
        await failover.shutdown()
        let named = try collector(dsn: "postgres://sonde@127.0.0.1:\(server.port)/app?sslmode=disable&application_name=ops-agent", password: "sonde-pass")
        #expect(value(try await scrape(named), "postgres_up") == 1)
        #expect(try server.sql("SELECT application_name FROM pg_stat_activity WHERE usename = 'sonde'") == "ops-agent\n")
        await named.shutdown()
    }

    @Test("a server that accepts and never answers is down after connect_timeout, and counted")
    func silentServer() async throws {
        let silent = """
            import os, socket, sys, threading
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(8)
            print(listener.getsockname()[1], flush=True)
            threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()
            threading.Timer(120, lambda: os._exit(0)).start()
            held = []
            while True:
                held.append(listener.accept())
            """
        try await LoopbackServer.with(script: silent) { server in
            let stalled = try collector(dsn: "postgres://sonde@127.0.0.1:\(server.port)/app?sslmode=disable&connect_timeout=1", password: "x")
            let samples = try await scrape(stalled)
            #expect(value(samples, "postgres_up") == 0)
            #expect(value(samples, "sonde_postgres_connect_failures_total") == 1)
        }
    }
}

@Suite("libpq connection parameters")
struct PostgresConnectionParameterTests {
    @Test("sonde's defaults go before the DSN (which wins), its password after; sslrootcert=system before libpq 16")
    func order() throws {
        let dsn = try PostgresDSN("postgres://sonde@db.internal/app?sslrootcert=system")
        let parameters = PostgresConnection.connectionParameters(dsn: dsn, password: "secret")
        let keys = parameters.map(\.key)
        let dbname = try #require(keys.firstIndex(of: "dbname"))
        #expect(parameters[dbname].value == dsn.text)
        #expect(try #require(keys.firstIndex(of: "fallback_application_name")) < dbname)
        #expect(try #require(keys.firstIndex(of: "password")) > dbname)
        if getenv("PGCONNECT_TIMEOUT") == nil { #expect(try #require(keys.firstIndex(of: "connect_timeout")) < dbname) }
        let rootCert = parameters.last { $0.key == "sslrootcert" }?.value
        if PostgresConnection.libpqVersion < 160_000 {
            #expect(rootCert == PostgresConnection.systemTrustStoreFile() && rootCert?.hasPrefix("/") == true)
            #expect(parameters.last { $0.key == "sslmode" }?.value == "verify-full")
        } else {
            #expect(rootCert == nil, "libpq 16 reads system itself")
        }
        let plain = PostgresConnection.connectionParameters(dsn: try PostgresDSN("host=db.internal sslmode=require"), password: nil)
        #expect(!plain.contains { $0.key == "password" || $0.key == "sslrootcert" || $0.key == "sslmode" })
    }

    @Test("float8 text: shortest round-trip digits, NaN and the infinities")
    func float8() {
        #expect(PostgresConnection.float8("0.1") == 0.1)
        #expect(PostgresConnection.float8("1.7976931348623157e+308") == .greatestFiniteMagnitude)
        #expect(PostgresConnection.float8("NaN")?.isNaN == true)
        #expect(PostgresConnection.float8("Infinity") == .infinity && PostgresConnection.float8("-Infinity") == -.infinity)
        #expect(PostgresConnection.float8("12abc") == nil)
    }
}
