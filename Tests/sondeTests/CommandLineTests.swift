#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport
import Testing

@Suite("sonde command line", .exclusiveMachineUse)
struct CommandLineTests {
    @Test("import of a real gzipped dump, then query in every format")
    func importAndQuery() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let data = scratch.path + "/data"
        let imported = Sonde.run(["import", "--data-dir", data, fixture])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("20160 samples"), "\(imported.stdout)")
        #expect(imported.stdout.contains("1008 new series"))
        #expect(imported.stdout.contains("samples/s"))

        let table = Sonde.run(["query", "--data-dir", data, #"node_load1{job="node"}"#, "--start", "1795331271", "--end", "1795331290"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains(#"node_load1{instance="localhost",job="node"}  (20 points)"#), "\(table.stdout)")
        #expect(table.stdout.contains("2026-11-22T07:07:51.000Z  0.51"))

        let json = Sonde.run(["query", "--data-dir", data, "node_load1", "--start", "1795331271", "--end", "1795331273", "--format", "json"])
        #expect(json.stdout == #"{"resultType":"matrix","result":[{"metric":{"__name__":"node_load1","instance":"localhost","job":"node"},"values":[[1795331271,"0.51"],[1795331272,"0.51"],[1795331273,"0.51"]]}]}"# + "\n")

        let csv = Sonde.run(["query", "--data-dir", data, "node_load1", "--start", "1795331271", "--end", "1795331290", "--step", "10s", "--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").count == 3, "\(csv.stdout)")
        #expect(csv.stdout.hasPrefix("series,timestamp,value\n\"node_load1{instance=\"\"localhost\"\",job=\"\"node\"\"}\",1795331271,0.51"))

        // Not a terminal: no colour codes; the marker and legend tell the series.
        let plot = Sonde.run(["query", "--data-dir", data, "node_load1", "--start", "1795331271", "--end", "1795332271", "--plot"])
        #expect(plot.status == 0, "\(plot.stderr)")
        let lines = plot.stdout.split(separator: "\n")
        #expect(lines.count >= 18, "16 plot rows, the axis, the times, the legend: \(plot.stdout)")
        #expect(plot.stdout.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille dots: \(plot.stdout)")
        #expect(plot.stdout.contains("07:1"), "UTC time labels: \(plot.stdout)")
        #expect(lines.last?.hasPrefix("* node_load1{instance=\"localhost\",job=\"node\"}") == true, "\(plot.stdout)")
        #expect(!plot.stdout.contains("\u{1B}["))
        let nothing = Sonde.run(["query", "--data-dir", data, "no_such_metric", "--plot"])
        #expect(nothing.status == 0 && nothing.stdout == "no data\n", "\(nothing.stdout)")
    }

    @Test("ship --dry-run prints the datums ship.cloudwatch would send and the month's cost; without --dry-run it refuses")
    func shipDryRun() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        defer { scratch.remove() }
        let data = scratch.path + "/data"
        // Five whole minutes of 10 s samples ending at the last whole minute.
        let end = Int64(time(nil)) / 60 * 60
        var lines = ["# TYPE host_cpu_utilization_percent gauge", "# TYPE gunicorn_requests counter"]
        for step in stride(from: end - 300, to: end, by: 10) {
            lines.append("host_cpu_utilization_percent{instance=\"web-1\"} 50 \(step)")
        }
        for step in stride(from: end - 300, to: end, by: 10) {
            lines.append("gunicorn_requests_total{app=\"shop\",status_class=\"2xx\"} \(step - (end - 300)) \(step)")
        }
        writeFile(scratch.path + "/recent.om", lines.joined(separator: "\n") + "\n# EOF\n")
        #expect(Sonde.run(["import", "--data-dir", data, scratch.path + "/recent.om"]).status == 0)
        writeFile(scratch.path + "/sonde.yaml", "ship:\n  cloudwatch: {namespace: Shop, append_dimensions: [InstanceId, {Environment: prod}]}\n")

        let dry = Sonde.run(["ship", "--dry-run", "--since", "10m", "--config", scratch.path + "/sonde.yaml", "--data-dir", data])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasPrefix("namespace Shop: 10 datums"), "5 minutes of the gauge, 5 increases of the counter: \(dry.stdout)")
        #expect(dry.stdout.contains("  host_cpu_utilization_percent {instance=web-1, InstanceId=(from IMDS), Environment=prod}  Percent  SampleCount=6 Sum=300 Minimum=50 Maximum=50"), "\(dry.stdout)")
        #expect(dry.stdout.contains("  gunicorn_requests_total {app=shop, status_class=2xx, InstanceId=(from IMDS), Environment=prod}  Count  SampleCount=1 Sum=60 Minimum=60 Maximum=60"), "\(dry.stdout)")
        #expect(dry.stdout.contains("2 distinct metrics, 1 PutMetricData request(s) every 1m"), "\(dry.stdout)")
        #expect(dry.stdout.contains("estimated monthly cost: $0.60 for the metrics + $0.43 for 43200 requests = $1.03"), "\(dry.stdout)")
        let summary = Sonde.run(["ship", "--dry-run", "--summary", "--since", "10m", "--config", scratch.path + "/sonde.yaml", "--data-dir", data])
        #expect(summary.stdout.contains("  host_cpu_utilization_percent {instance=web-1, InstanceId=(from IMDS), Environment=prod}  5 datums"), "\(summary.stdout)")
        let refused = Sonde.run(["ship", "--data-dir", data])
        #expect(refused.status != 0 && refused.stderr.contains("sonde ship only shows what would go (--dry-run)"), "\(refused.stderr)")
        let badConfig = scratch.path + "/bad.yaml"
        writeFile(badConfig, "ship:\n  cloudwatch: {include: ['up{']}\n")
        let bad = Sonde.run(["ship", "--dry-run", "--config", badConfig, "--data-dir", data])
        #expect(bad.status != 0 && bad.stderr.contains("bad.yaml:2:26: ship.cloudwatch.include[0]: expected a series selector"), "\(bad.stderr)")
    }

    @Test("a malformed line stops the import with FILE:LINE:COLUMN; earlier lines stay")
    func malformedImport() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let data = scratch.path + "/data"
        let file = scratch.path + "/bad.om"
        writeFile(file, """
            # TYPE m gauge
            m{a="1"} 1 1700000000
            m{a="1"} 2 1700000001
            m{a="1" 3 1700000002
            m{a="1"} 4 1700000003
            # EOF

            """)
        let result = Sonde.run(["import", "--data-dir", data, file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):4:8: "), "\(result.stderr)")
        let query = Sonde.run(["query", "--data-dir", data, "m", "--start", "1700000000", "--end", "1700000010", "--format", "csv"])
        #expect(query.stdout == "series,timestamp,value\n\"m{a=\"\"1\"\"}\",1700000000,1\n\"m{a=\"\"1\"\"}\",1700000001,2\n", "\(query.stdout)")
    }

    @Test("bad arguments get clear errors")
    func badArguments() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let size = Sonde.run(["import", "--data-dir", scratch.path, "--max-bytes", "12 parsecs", fixture])
        #expect(size.status != 0)
        #expect(size.stderr.contains("--max-bytes"), "\(size.stderr)")
        let selector = Sonde.run(["query", "--data-dir", scratch.path, "up{job=}"])
        #expect(selector.status != 0)
        #expect(selector.stderr.contains("1:8"), "\(selector.stderr)")
        let time = Sonde.run(["query", "--data-dir", scratch.path, "up", "--start", "yesterday-ish"])
        #expect(time.status != 0)
        let missing = Sonde.run(["store", "stats", "--data-dir", scratch.path + "/none"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no store"), "\(missing.stderr)")
        let notThere = Sonde.run(["import", "--data-dir", scratch.path + "/d", scratch.path + "/nope.om"])
        #expect(notThere.status != 0)
        #expect(notThere.stderr.contains("nope.om"), "\(notThere.stderr)")
    }

    @Test("store stats prints the documented JSON; verify passes, then fails on a flipped bit")
    func statsAndVerify() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let data = scratch.path + "/data"
        #expect(Sonde.run(["import", "--data-dir", data, "--max-bytes", "8MiB", fixture]).status == 0)
        let stats = Sonde.run(["store", "stats", "--json", "--data-dir", data])
        #expect(stats.status == 0)
        for key in [#""tiers":[{"name":"raw","series":1031"#, #""samples":"#, #""bytes_used":"#, #""bytes_allocated":"#, #""oldest_ms":1795331271000"#, #""newest_ms":"#, #""name":"1m""#, #""name":"1h""#] {
            #expect(stats.stdout.contains(key), "\(key) in \(stats.stdout)")
        }
        let table = Sonde.run(["store", "stats", "--data-dir", data])
        #expect(table.stdout.contains("bytes/sample"))

        let clean = Sonde.run(["store", "verify", "--data-dir", data])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout.hasPrefix("ok: "))

        // Flip one bit inside the first chunk record of the raw ring (just past the 64-byte header).
        let ring = data + "/raw.ring"
        let descriptor = open(ring, O_RDWR)
        var byte: UInt8 = 0
        pread(descriptor, &byte, 1, 100)
        byte ^= 0x10
        pwrite(descriptor, &byte, 1, 100)
        close(descriptor)
        let damaged = Sonde.run(["store", "verify", "--data-dir", data])
        #expect(damaged.status == 1)
        #expect(damaged.stdout.contains("damaged: raw.ring: segment 0"), "\(damaged.stdout)")
    }

    @Test("sonde run stops cleanly on SIGTERM and SIGINT, flushing the store last")
    func runStopsOnSignals() throws {
        let scratch = TemporaryDirectory("sonde-cli")
        let data = scratch.path + "/data"
        for signal in [SIGTERM, SIGINT] {
            let config = scratch.path + "/quiet.yaml"
            writeFile(config, "storage: {flush_interval: 100ms}\ncollectors:\n  statsd: {enabled: false}\n")
            let running = Sonde.start(["run", "--config", config, "--data-dir", data])
            // Wait until it has opened the store (its lock file exists and it has flushed once).
            var waited = 0
            while access(data + "/head.log", F_OK) != 0 && waited < 200 {
                usleep(50_000)
                waited += 1
            }
            usleep(300_000)
            kill(running.pid, signal)
            var status: Int32 = 0
            waitpid(running.pid, &status, 0)
            let result = running.finish(status: status)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("stopped"), "\(result.stderr)")
        }
        // Its own series were written and survive the stop.
        let query = Sonde.run(["query", "--data-dir", data, "sonde_store_series", "--start", "-1h", "--format", "csv"])
        #expect(query.stdout.split(separator: "\n").count >= 2, "\(query.stdout)")
        #expect(Sonde.run(["store", "verify", "--data-dir", data]).status == 0)
    }
}
