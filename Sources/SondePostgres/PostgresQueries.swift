import SondeCollectors
import SondeCore

/// One result row as the queries below shape it: label columns are text, value columns float8
/// (every value is cast in SQL, so decoding is uniform); NULL is nil.
public struct PostgresResultRow: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String?)
        case number(Double?)
    }

    public var values: [Value]

    public init(_ values: [Value]) { self.values = values }

    public func text(_ index: Int) -> String? {
        guard index < values.count, case .text(let text) = values[index] else { return nil }
        return text
    }

    public func number(_ index: Int) -> Double? {
        guard index < values.count, case .number(let number) = values[index] else { return nil }
        return number
    }
}

/// What the server said about itself, read first: it decides which queries run.
public struct PostgresServerFacts: Sendable, Equatable {
    public var versionNumber: Int
    public var inRecovery: Bool
    /// The schema `pg_stat_statements` is installed in (already quoted), nil when it is not.
    public var statementsSchema: String?

    public init(versionNumber: Int, inRecovery: Bool, statementsSchema: String? = nil) {
        self.versionNumber = versionNumber
        self.inRecovery = inRecovery
        self.statementsSchema = statementsSchema
    }
}

/// A query and how its rows become metrics. Every metric also gets the `server` label.
public struct PostgresMetricQuery: Sendable {
    /// Names the query in errors and in `sonde_postgres_query_errors_total{query}`.
    public let name: String
    public let sql: String
    public let emit: @Sendable ([PostgresResultRow], inout PostgresMetricSink) -> Void
}

/// Collects the metrics of one scrape.
public struct PostgresMetricSink: Sendable {
    public private(set) var batch = MetricBatch()
    let server: String

    public init(server: String) { self.server = server }

    public mutating func add(_ name: String, _ value: Double?, _ labels: [(String, String)] = []) {
        guard let value, value.isFinite else { return }
        batch.add(name, value, [("server", server)] + labels)
    }
}

/// The SQL sonde runs, chosen by server version (PostgreSQL 12 to 17), all of it readable by a role
/// with `pg_monitor` (no superuser needed, as on Amazon RDS).
public enum PostgresQueries {
    /// Read first, on its own: version, uptime, limits, role.
    public static let server = """
        SELECT current_setting('server_version') AS version,
               current_setting('server_version_num')::float8 AS version_num,
               extract(epoch FROM now() - pg_postmaster_start_time())::float8 AS uptime,
               current_setting('max_connections')::float8 AS max_connections,
               (CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END)::float8 AS in_recovery,
               (SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'pg_stat_statements') AS statements_schema
        """

    /// The queries for a server, in the order they run.
    public static func queries(for facts: PostgresServerFacts, topTables: Int, topStatements: Int) -> [PostgresMetricQuery] {
        var list = [connections, activity, locks, databases, checkpoints(facts.versionNumber)]
        if facts.versionNumber >= 140_000 { list.append(wal) }
        list.append(facts.inRecovery ? standby : primary)
        if topTables > 0 { list.append(tables(limit: topTables)) }
        if topStatements > 0, let schema = facts.statementsSchema {
            list.append(statements(schema: schema, version: facts.versionNumber, limit: topStatements))
        }
        return list
    }

    /// `pg_stat_activity` states as label values; a session waiting on a lock is `waiting`.
    static func stateLabel(_ state: String?, waitingOnLock: Bool) -> String {
        if waitingOnLock { return "waiting" }
        switch state {
        case "active": return "active"
        case "idle": return "idle"
        case "idle in transaction": return "idle_in_transaction"
        case "idle in transaction (aborted)": return "idle_in_transaction_aborted"
        case "fastpath function call": return "fastpath"
        case "disabled": return "disabled"
        default: return "unknown"
        }
    }

    static let connections = PostgresMetricQuery(
        name: "connections",
        sql: """
            SELECT coalesce(datname, '')::text, state::text, (wait_event_type IS NOT DISTINCT FROM 'Lock')::text, count(*)::float8,
                   current_setting('max_connections')::float8
              FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2, 3
            """
    ) { rows, sink in
        var byKey: [[String]: Double] = [:]
        var total = 0.0
        var maxConnections: Double?
        for row in rows {
            let state = stateLabel(row.text(1), waitingOnLock: row.text(2) == "true")
            let count = row.number(3) ?? 0
            byKey[[row.text(0) ?? "", state], default: 0] += count
            total += count
            maxConnections = row.number(4)
        }
        for (key, count) in byKey.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            sink.add("postgres_connections", count, [("database", key[0]), ("state", key[1])])
        }
        if let maxConnections, maxConnections > 0 { sink.add("postgres_connections_used_ratio", total / maxConnections) }
    }

    static let activity = PostgresMetricQuery(
        name: "activity",
        sql: """
            SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0)::float8,
                   coalesce(max(extract(epoch FROM now() - query_start)) FILTER (WHERE state = 'active'), 0)::float8,
                   coalesce(max(extract(epoch FROM now() - state_change)) FILTER (WHERE state LIKE 'idle in transaction%'), 0)::float8,
                   (count(*) FILTER (WHERE wait_event_type = 'Lock'))::float8
              FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
            """
    ) { rows, sink in
        guard let row = rows.first else { return }
        sink.add("postgres_oldest_transaction_age_seconds", row.number(0))
        sink.add("postgres_oldest_active_query_age_seconds", row.number(1))
        sink.add("postgres_oldest_idle_in_transaction_age_seconds", row.number(2))
        sink.add("postgres_lock_waiting_sessions", row.number(3))
    }

    static let locks = PostgresMetricQuery(
        name: "locks",
        sql: "SELECT mode::text, count(*)::float8 FROM pg_locks GROUP BY mode"
    ) { rows, sink in
        for row in rows { sink.add("postgres_locks", row.number(1), [("mode", row.text(0) ?? "")]) }
    }

    static let databases = PostgresMetricQuery(
        name: "databases",
        sql: """
            SELECT d.datname::text, s.xact_commit::float8, s.xact_rollback::float8, s.blks_read::float8, s.blks_hit::float8,
                   s.tup_returned::float8, s.tup_fetched::float8, s.tup_inserted::float8, s.tup_updated::float8,
                   s.tup_deleted::float8, s.temp_files::float8, s.temp_bytes::float8, s.deadlocks::float8, s.conflicts::float8,
                   (CASE WHEN d.datallowconn THEN pg_database_size(d.oid) END)::float8, age(d.datfrozenxid)::float8
              FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid
            """
    ) { rows, sink in
        let counters = [
            "commits", "rollbacks", "blocks_read", "blocks_hit", "tuples_returned", "tuples_fetched", "tuples_inserted",
            "tuples_updated", "tuples_deleted", "temp_files", "temp_bytes", "deadlocks", "conflicts",
        ]
        for row in rows {
            let database = [("database", row.text(0) ?? "")]
            for (offset, name) in counters.enumerated() {
                sink.add("postgres_database_\(name)_total", row.number(1 + offset), database)
            }
            if let read = row.number(3), let hit = row.number(4), read + hit > 0 {
                sink.add("postgres_database_cache_hit_ratio", hit / (read + hit), database)
            }
            sink.add("postgres_database_size_bytes", row.number(14), database)
            sink.add("postgres_database_xid_age", row.number(15), database)
        }
    }

    /// PostgreSQL 17 moved the checkpoint counters to `pg_stat_checkpointer` and dropped
    /// `buffers_backend` (backend writes are in `pg_stat_io` there).
    static func checkpoints(_ version: Int) -> PostgresMetricQuery {
        let sql = version >= 170_000
            ? """
              SELECT c.num_timed::float8, c.num_requested::float8, c.buffers_written::float8, b.buffers_clean::float8, NULL::float8
                FROM pg_stat_checkpointer c, pg_stat_bgwriter b
              """
            : """
              SELECT checkpoints_timed::float8, checkpoints_req::float8, buffers_checkpoint::float8, buffers_clean::float8,
                     buffers_backend::float8
                FROM pg_stat_bgwriter
              """
        return PostgresMetricQuery(name: "checkpoints", sql: sql) { rows, sink in
            guard let row = rows.first else { return }
            sink.add("postgres_checkpoints_timed_total", row.number(0))
            sink.add("postgres_checkpoints_requested_total", row.number(1))
            sink.add("postgres_buffers_written_total", row.number(2), [("by", "checkpointer")])
            sink.add("postgres_buffers_written_total", row.number(3), [("by", "bgwriter")])
            sink.add("postgres_buffers_written_total", row.number(4), [("by", "backend")])
        }
    }

    /// `pg_stat_wal` exists from PostgreSQL 14.
    static let wal = PostgresMetricQuery(name: "wal", sql: "SELECT wal_bytes::float8 FROM pg_stat_wal") { rows, sink in
        sink.add("postgres_wal_bytes_total", rows.first?.number(0))
    }

    static let primary = PostgresMetricQuery(
        name: "replication",
        sql: """
            SELECT coalesce(application_name, '')::text, coalesce(client_addr::text, '')::text,
                   extract(epoch FROM write_lag)::float8, extract(epoch FROM flush_lag)::float8, extract(epoch FROM replay_lag)::float8,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8
              FROM (SELECT 1) one LEFT JOIN pg_stat_replication ON true
            """
    ) { rows, sink in
        sink.add("postgres_wal_position_bytes", rows.first?.number(6))
        for row in rows where row.text(0) != "" || row.text(1) != "" {
            let standby = [("standby", row.text(0) ?? ""), ("client_addr", row.text(1) ?? "")]
            sink.add("postgres_replication_lag_seconds", row.number(2) ?? 0, standby + [("kind", "write")])
            sink.add("postgres_replication_lag_seconds", row.number(3) ?? 0, standby + [("kind", "flush")])
            sink.add("postgres_replication_lag_seconds", row.number(4) ?? 0, standby + [("kind", "replay")])
            sink.add("postgres_replication_bytes_behind", row.number(5), standby)
        }
        sink.add("postgres_replication_standbys", Double(rows.filter { $0.text(0) != "" || $0.text(1) != "" }.count))
    }

    static let standby = PostgresMetricQuery(
        name: "replication",
        sql: """
            SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,
                   pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::float8
            """
    ) { rows, sink in
        sink.add("postgres_replication_replay_delay_seconds", rows.first?.number(0))
        sink.add("postgres_wal_position_bytes", rows.first?.number(1))
    }

    static func tables(limit: Int) -> PostgresMetricQuery {
        PostgresMetricQuery(
            name: "tables",
            sql: """
                SELECT schemaname::text, relname::text, n_live_tup::float8, n_dead_tup::float8,
                       extract(epoch FROM now() - greatest(last_vacuum, last_autovacuum))::float8,
                       extract(epoch FROM now() - greatest(last_analyze, last_autoanalyze))::float8,
                       pg_total_relation_size(relid)::float8
                  FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC, relid LIMIT \(max(0, limit))
                """
        ) { rows, sink in
            for row in rows {
                let table = [("schema", row.text(0) ?? ""), ("table", row.text(1) ?? "")]
                sink.add("postgres_table_live_tuples", row.number(2), table)
                sink.add("postgres_table_dead_tuples", row.number(3), table)
                sink.add("postgres_table_seconds_since_vacuum", row.number(4), table)
                sink.add("postgres_table_seconds_since_analyze", row.number(5), table)
                sink.add("postgres_table_size_bytes", row.number(6), table)
            }
        }
    }

    /// `total_exec_time` from PostgreSQL 13 (`total_time` before). The statement's text stays out of
    /// the labels: `queryid` is PostgreSQL's hash of the normalized statement.
    static func statements(schema: String, version: Int, limit: Int) -> PostgresMetricQuery {
        let time = version >= 130_000 ? "total_exec_time" : "total_time"
        return PostgresMetricQuery(
            name: "statements",
            sql: """
                SELECT queryid::text, sum(calls)::float8, (sum(\(time)) / 1000)::float8, sum(rows)::float8
                  FROM \(schema).pg_stat_statements WHERE queryid IS NOT NULL
                 GROUP BY queryid ORDER BY 3 DESC LIMIT \(max(0, limit))
                """
        ) { rows, sink in
            for row in rows {
                let statement = [("queryid", row.text(0) ?? "")]
                sink.add("postgres_statement_calls_total", row.number(1), statement)
                sink.add("postgres_statement_time_seconds_total", row.number(2), statement)
                sink.add("postgres_statement_rows_total", row.number(3), statement)
            }
        }
    }
}
