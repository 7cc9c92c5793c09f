#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport
import Testing

/// Issue 16's check on real data: a recording of node_exporter and postgres_exporter (the Debian
/// packages, at 1 s) imported into sonde and into a Prometheus 2.42 server, then the same instant
/// queries and Grafana's range queries for 15-minute, 6-hour, 24-hour and 7-day panels sent to both
/// HTTP APIs (`scripts/promql-real-data-differential.py`). Every series, timestamp and value must
/// agree, to within Prometheus' summation-order noise.
@Suite("real host data, sonde against a Prometheus 2.42 server", .exclusiveMachineUse)
struct PrometheusRealDataTests {
    @Test("Grafana's panels and instant queries over a real recording answer as Prometheus does")
    func realDataAgrees() throws {
        try #require(
            TestFiles.run(["sh", "-c", "command -v prometheus && command -v prometheus-node-exporter && command -v prometheus-postgres-exporter"]) == 0,
            "needs prometheus, prometheus-node-exporter and prometheus-postgres-exporter (scripts/install-deps.sh --test)")
        let scratch = TemporaryDirectory("sonde-real-data")
        let dump = scratch.path + "/host.om"
        let repository = PromtoolCompatibilityTests.repository
        // 15 minutes of scrapes, recorded back to back (about 30 s) and stamped a second apart.
        let recorded = TestFiles.run([
            "sh", "-c", "\"$0\" \"$1\" 900 --fast > \"$2\" 2>&1", repository + "/Benchmarks/data/record-host-dump.sh", dump, scratch.path + "/record.log",
        ])
        #expect(recorded == 0, "\(String(decoding: TestFiles.read(scratch.path + "/record.log"), as: UTF8.self))")
        try #require(recorded == 0)
        let output = scratch.path + "/differential.out"
        let status = TestFiles.run([
            "sh", "-c", "SONDE=\"$0\" python3 \"$1\" \"$2\" \"$3\" > \"$4\" 2>&1",
            Sonde.binary, repository + "/scripts/promql-real-data-differential.py", dump, scratch.path + "/work", output,
        ])
        let text = String(decoding: TestFiles.read(output), as: UTF8.self)
        #expect(status == 0 && text.contains("real differences: 0"), "\(text)")
    }
}
