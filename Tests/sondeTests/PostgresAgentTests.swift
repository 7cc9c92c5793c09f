import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `sonde run` with a PostgreSQL server configured: a real PostgreSQL 15, stopped and started again
/// while the agent runs; the host collector goes on meanwhile.
@Suite("PostgreSQL, end to end", .exclusiveMachineUse, .serialized)
struct PostgresAgentTests {
    @Test("postgres_up follows the server down and back up; the rest of the agent keeps collecting")
    func downAndUp() throws {
        let server = try PostgresServer()
        defer { server.remove() }
        let dir = TestFiles.makeDirectory("sonde-pg-agent")
        defer { TestFiles.removeTree(dir) }
        writeFile(dir + "/pg.password", "sonde-pass\n")
        writeFile(dir + "/sonde.yaml", """
            storage: {max_bytes: 16MiB, flush_interval: 500ms}
            collectors:
              host: {interval: 1s}
              process: {enabled: false}
              systemd: {enabled: false}
              statsd: {enabled: false}
              postgres:
                - name: main
                  dsn: postgres://sonde@127.0.0.1:\(server.port)/app?sslmode=disable
                  password: ${file:\(dir)/pg.password}
                  interval: 1s
            """)
        let agent = Sonde.start(["run", "--config", dir + "/sonde.yaml", "--data-dir", dir + "/data"])
        usleep(3_500_000)
        server.stop()
        usleep(3_500_000)
        try server.start()
        usleep(5_000_000)
        kill(agent.pid, SIGTERM)
        var status: Int32 = 0
        waitpid(agent.pid, &status, 0)
        let result = agent.finish(status: status)
        #expect(result.status == 0, "\(result.stderr)")
        // one line per change of state, not one per scrape
        #expect(result.stderr.components(of: "postgres down") == 1, "\(result.stderr)")
        #expect(result.stderr.components(of: "postgres up") == 2, "\(result.stderr)")
        #expect(!result.stderr.contains("sonde-pass"))

        let up = Sonde.run(["query", "--data-dir", dir + "/data", #"postgres_up{server="main"}"#, "--start", "now-5m", "--format", "csv"])
        let values = up.stdout.split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").last.map(String.init) }
        #expect(values.first == "1" && values.last == "1" && values.contains("0"), "\(values)")
        let load = Sonde.run(["query", "--data-dir", dir + "/data", "node_load1", "--start", "now-5m", "--format", "csv"])
        #expect(load.stdout.split(separator: "\n").count >= 10, "the host collector kept going")
        let commits = Sonde.run(["query", "--data-dir", dir + "/data", #"postgres_database_commits_total{database="app"}"#, "--start", "now-5m", "--format", "csv"])
        #expect(commits.stdout.split(separator: "\n").count >= 4)
    }
}
