import Logging
import SondeCollectors
import SondeCore
import SondePostgres
import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL collector against a real PostgreSQL 15 (Debian's), as a `pg_monitor` role.
@Suite("PostgresCollector, live", .exclusiveMachineUse, .serialized)
struct PostgresCollectorLiveTests {
    func collector(_ server: PostgresServer, user: String = "sonde", password: String = "sonde-pass", query: String = "sslmode=disable") throws -> PostgresCollector {
        let dsn = try PostgresDSN("postgres://\(user)@127.0.0.1:\(server.port)/app?\(query)")
        return PostgresCollector(settings: .init(name: "main", dsn: dsn, password: password), logger: Logger(label: "test"))
    }

    func scrape(_ collector: PostgresCollector) async throws -> [MetricSample] {
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        return batch.samples
    }

    func value(_ samples: [MetricSample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.labels.metricName == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    func sum(_ samples: [MetricSample], _ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.labels.metricName == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }

    @Test("a pg_monitor role sees everything; pgbench moves the counters; a lock wait shows; down and back up")
    func live() async throws {
        let server = try PostgresServer()
        defer { server.remove() }
        #expect(TestFiles.run(server.client("pgbench", ["-q", "-i", "-s", "1", "app"])) == 0)
        let collector = try collector(server)
        defer { Task { await collector.shutdown() } }

        let first = try await scrape(collector)
        #expect(value(first, "postgres_up") == 1)
        #expect((value(first, "postgres_server_version_num") ?? 0) >= 150_000)
        #expect(value(first, "postgres_version_info")  == 1)
        #expect(!first.contains { $0.labels.metricName == "sonde_postgres_query_errors_total" }, "\(first.filter { $0.labels.metricName == "sonde_postgres_query_errors_total" })")
        #expect(value(first, "postgres_connections", ["database": "app", "state": "active"]) ?? 0 >= 1)  // sonde's own session
        #expect((value(first, "postgres_connections_used_ratio") ?? 0) > 0)
        #expect(value(first, "postgres_database_size_bytes", ["database": "app"]) ?? 0 > 1_000_000)
        #expect(value(first, "postgres_database_xid_age", ["database": "app"]) != nil)
        #expect(value(first, "postgres_checkpoints_timed_total") != nil)
        #expect(value(first, "postgres_wal_bytes_total") ?? 0 > 0)
        #expect(value(first, "postgres_replication_standbys") == 0)
        #expect(value(first, "postgres_table_live_tuples", ["table": "pgbench_accounts"]) != nil)
        #expect(value(first, "postgres_locks", ["mode": "AccessShareLock"]) ?? 0 >= 1)
        #expect(first.allSatisfy { $0.labels["server"] == "main" })

        // pgbench's transactions are counted
        let commitsBefore = value(first, "postgres_database_commits_total", ["database": "app"]) ?? 0
        #expect(TestFiles.run(server.client("pgbench", ["-c", "2", "-t", "200", "-n", "app"])) == 0)
        let afterLoad = try await scrape(collector)
        let commitsAfter = value(afterLoad, "postgres_database_commits_total", ["database": "app"]) ?? 0
        #expect(commitsAfter - commitsBefore >= 400, "commits \(commitsBefore) → \(commitsAfter)")
        #expect(sum(afterLoad, "postgres_statement_calls_total") >= 400, "pg_stat_statements")
        #expect(afterLoad.contains { $0.labels.metricName == "postgres_statement_time_seconds_total" && $0.labels["queryid"] != nil })

        // a transaction holding a lock, another one waiting for it
        let holder = ChildProcess(server.client("psql", ["-X", "-d", "app", "-c",
            "BEGIN; LOCK TABLE pgbench_branches IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;"]), output: server.directory + "/holder.out")
        usleep(700_000)
        let waiter = ChildProcess(server.client("psql", ["-X", "-d", "app", "-c", "SELECT count(*) FROM pgbench_branches;"]), output: server.directory + "/waiter.out")
        usleep(1_000_000)
        let locked = try await scrape(collector)
        #expect(value(locked, "postgres_lock_waiting_sessions") ?? 0 >= 1)
        #expect(value(locked, "postgres_connections", ["database": "app", "state": "waiting"]) ?? 0 >= 1)
        #expect(value(locked, "postgres_locks", ["mode": "AccessExclusiveLock"]) ?? 0 >= 1)
        #expect(value(locked, "postgres_oldest_transaction_age_seconds") ?? 0 >= 1)
        holder.wait()
        waiter.wait()

        // down: postgres_up 0, nothing thrown; back up: recovers (after the 1 s backoff)
        server.stop()
        let down = try await scrape(collector)
        #expect(value(down, "postgres_up") == 0)
        #expect(value(down, "postgres_connections") == nil)
        try server.start()
        var recovered = false
        for _ in 0..<10 where !recovered {
            usleep(700_000)
            recovered = value(try await scrape(collector), "postgres_up") == 1
        }
        #expect(recovered)
    }

    @Test("replication: the primary reports its standby's lag, the standby its replay delay")
    func replication() async throws {
        let primary = try PostgresServer()
        defer { primary.remove() }
        let standby = try PostgresServer(standbyOf: primary)
        defer { standby.remove() }
        try primary.sql("CREATE TABLE ticks (at timestamptz); INSERT INTO ticks VALUES (now())", database: "app")
        var primarySamples: [MetricSample] = []
        var standbySamples: [MetricSample] = []
        let onPrimary = try collector(primary)
        let onStandby = try collector(standby)
        for _ in 0..<20 {
            try primary.sql("INSERT INTO ticks VALUES (now())", database: "app")
            usleep(300_000)
            primarySamples = try await scrape(onPrimary)
            standbySamples = try await scrape(onStandby)
            if value(primarySamples, "postgres_replication_standbys") == 1, value(standbySamples, "postgres_replication_replay_delay_seconds") != nil { break }
        }
        await onPrimary.shutdown()
        await onStandby.shutdown()
        #expect(value(primarySamples, "postgres_replication_standbys") == 1)
        #expect(value(primarySamples, "postgres_replication_lag_seconds", ["kind": "replay"]) != nil)
        #expect(value(primarySamples, "postgres_replication_bytes_behind") != nil)
        #expect(value(standbySamples, "postgres_in_recovery") == 1)
        #expect((value(standbySamples, "postgres_replication_replay_delay_seconds") ?? -1) >= 0)
        #expect(value(standbySamples, "postgres_wal_position_bytes") ?? 0 > 0)
        #expect(!standbySamples.contains { $0.labels.metricName == "sonde_postgres_query_errors_total" }, "\(standbySamples.filter { $0.labels.metricName == "sonde_postgres_query_errors_total" })")
    }

    @Test("md5 authentication; a wrong password is down, not an error")
    func authentication() async throws {
        let server = try PostgresServer()
        defer { server.remove() }
        let md5 = try collector(server, user: "md5user", password: "md5-pass")
        #expect(value(try await scrape(md5), "postgres_up") == 1)
        await md5.shutdown()
        let wrong = try collector(server, password: "not-it")
        let samples = try await scrape(wrong)
        #expect(value(samples, "postgres_up") == 0)
        #expect(value(samples, "sonde_postgres_connect_failures_total") == 1)
    }

    @Test("TLS: require encrypts, verify-full checks the CA and the name")
    func tls() async throws {
        let server = try PostgresServer(tls: true)
        defer { server.remove() }
        let require = try collector(server, query: "sslmode=require")
        #expect(value(try await scrape(require), "postgres_up") == 1)
        await require.shutdown()
        let verified = try collector(server, query: "sslmode=verify-full&sslrootcert=\(server.certificatePath)")
        #expect(value(try await scrape(verified), "postgres_up") == 1)
        await verified.shutdown()
        // the system's trust store does not know this self-signed certificate
        let untrusted = try collector(server, query: "sslmode=verify-full")
        #expect(value(try await scrape(untrusted), "postgres_up") == 0)
        let sslOff = try PostgresServer()
        defer { sslOff.remove() }
        let required = try collector(sslOff, query: "sslmode=require")
        #expect(value(try await scrape(required), "postgres_up") == 0, "require must not fall back to plain text")
    }
}

@Suite("PostgreSQL queries and DSN")
struct PostgresQueriesTests {
    @Test("every version 12 to 17 gets the SQL it has: checkpointer on 17, pg_stat_wal from 14, total_exec_time from 13")
    func versions() {
        for major in 12...17 {
            let facts = PostgresServerFacts(versionNumber: major * 10_000 + 3, inRecovery: false, statementsSchema: "public")
            let queries = PostgresQueries.queries(for: facts, topTables: 5, topStatements: 5)
            let sql = queries.map(\.sql).joined(separator: "\n")
            #expect(sql.contains("pg_stat_checkpointer") == (major >= 17), "\(major)")
            #expect(sql.contains("checkpoints_timed") == (major < 17), "\(major)")
            #expect(queries.contains { $0.name == "wal" } == (major >= 14), "\(major)")
            #expect(sql.contains("total_exec_time") == (major >= 13), "\(major)")
            #expect(sql.contains("sum(total_time)") == (major < 13), "\(major)")
            #expect(sql.contains("pg_current_wal_lsn"))
        }
        let standby = PostgresQueries.queries(for: PostgresServerFacts(versionNumber: 150_004, inRecovery: true), topTables: 0, topStatements: 5)
        let sql = standby.map(\.sql).joined()
        #expect(sql.contains("pg_last_xact_replay_timestamp") && !sql.contains("pg_current_wal_lsn"))
        #expect(!standby.contains { $0.name == "tables" || $0.name == "statements" })
    }

    @Test("rows become metrics: states, ratios, NULLs left out")
    func mapping() {
        var sink = PostgresMetricSink(server: "db")
        let connections = PostgresQueries.queries(for: PostgresServerFacts(versionNumber: 150_000, inRecovery: false), topTables: 0, topStatements: 0)
            .first { $0.name == "connections" }!
        connections.emit([
            PostgresResultRow([.text("app"), .text("idle in transaction"), .text("false"), .number(3), .number(100)]),
            PostgresResultRow([.text("app"), .text("active"), .text("true"), .number(2), .number(100)]),
            PostgresResultRow([.text(""), .text(nil), .text("false"), .number(5), .number(100)]),
        ], &sink)
        let samples = sink.batch.samples
        func get(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { sample in sample.labels.metricName == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
        }
        #expect(get("postgres_connections", ["database": "app", "state": "idle_in_transaction"]) == 3)
        #expect(get("postgres_connections", ["database": "app", "state": "waiting"]) == 2)
        #expect(get("postgres_connections", ["state": "unknown"]) == 5)
        #expect(get("postgres_connections_used_ratio", [:]) == 0.1)
        #expect(samples.allSatisfy { $0.labels["server"] == "db" })
        var nulls = PostgresMetricSink(server: "db")
        nulls.add("x", nil)
        nulls.add("y", .nan)
        #expect(nulls.batch.count == 0)
    }

    @Test("DSN: user, password, host, IPv6, port, database, sslmode and errors")
    func dsn() throws {
        let full = try PostgresDSN("postgresql://mon%40corp:p%2Fss@db.internal:6432/app%20db?sslmode=verify-full&sslrootcert=/etc/rds.pem&connect_timeout=3")
        #expect(full.user == "mon@corp" && full.password == "p/ss" && full.host == "db.internal" && full.port == 6432)
        #expect(full.database == "app db" && full.sslMode == .verifyFull && full.sslRootCert == "/etc/rds.pem" && full.connectTimeoutSeconds == 3)
        #expect(!full.redacted.contains("p/ss") && !full.redacted.contains("p%2Fss"))
        let short = try PostgresDSN("postgres://sonde@[::1]")
        #expect(short.host == "::1" && short.port == 5432 && short.database == "sonde" && short.sslMode == .prefer)
        // libpq's defaults fill what a DSN leaves out (the OS user, the Unix socket), as in psql.
        let defaults = try PostgresDSN("postgres://db.internal/app")
        #expect(defaults.user == nil && defaults.host == "db.internal" && defaults.database == "app")
        let socket = try PostgresDSN("postgres://a@:5433")
        #expect(socket.host == nil && socket.port == 5433 && socket.database == "a")
        for bad in ["mysql://a@b", "postgres://a@h:99999", "postgres://a@h?sslmode=maybe",
                    "postgres://a@h?ssl=1", "postgres://a@[::1", "postgres://a%zz@h"] {
            #expect(throws: PostgresDSN.Invalid.self, "\(bad)") { try PostgresDSN(bad) }
        }
    }

    @Test("DSN in libpq's other forms: keyword/value with quotes, several hosts, socket directories, service; libpq's refusals")
    func dsnForms() throws {
        let keywords = try PostgresDSN(#"host=db.internal port=6432 user=sonde password='it\'s \\ q' dbname = app sslmode=verify-ca"#)
        #expect(keywords.host == "db.internal" && keywords.port == 6432 && keywords.user == "sonde" && keywords.database == "app")
        #expect(keywords.sslMode == .verifyCA && keywords.password == #"it's \ q"#)
        let quoted = try PostgresDSN(#"password='a b\'c' user=x"#)
        #expect(quoted.password == "a b'c" && !quoted.redacted.contains("a b") && quoted.redacted.contains("user=x"))
        let several = try PostgresDSN("postgresql://sonde@db1:5433,[::1]:5434,db3/app?target_session_attrs=read-write")
        #expect(several.hosts == ["db1", "::1", "db3"] && several.port == 5433 && several.value("port") == "5433,5434,")
        let socket = try PostgresDSN("postgresql://%2Fvar%2Frun%2Fpostgresql/app")
        #expect(socket.host == "/var/run/postgresql" && socket.database == "app")
        let query = try PostgresDSN("postgres:///app?host=/tmp&user=sonde&ssl=true&options=-c%20statement_timeout%3D2s")
        #expect(query.host == "/tmp" && query.sslMode == .require && query.value("options") == "-c statement_timeout=2s")
        let service = try PostgresDSN("service=monitoring")
        #expect(service.service == "monitoring" && service.host == nil && service.user == nil)
        #expect(try PostgresDSN("postgres://h/db?sslrootcert=system").sslMode == .verifyFull)
        for bad in ["host=h sslmod=require", "host=h port=1,2", "host=a,b port=1,2,3", "postgres://h/db?sslrootcert=system&sslmode=require",
                    "host='unterminated", "host", "postgres://h/db?options=-c a=b", "postgres://h/db?connect_timeout=soon",
                    "postgres://h/db?target_session_attrs=master", "just words"] {
            #expect(throws: PostgresDSN.Invalid.self, "\(bad)") { try PostgresDSN(bad) }
        }
    }
}
