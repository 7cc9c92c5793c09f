import Foundation
import SondeTestSupport
import Testing

/// `sonde run` with ship.cloudwatch on, against a real moto server: what CloudWatch then holds
/// (read back with boto3, an independent client) equals what the dry run reads from the store.
@Suite("sonde run ships to CloudWatch", .exclusiveMachineUse)
struct ShipAgentTests {
    @Test("the agent ships whole minutes; CloudWatch's SampleCount and Sum equal the store's; the cursor and self-metrics follow")
    func shipsToMoto() async throws {
        try await MotoServer.with { server in
            let scratch = TemporaryDirectory("sonde-ship-agent")
            defer { scratch.remove() }
            let data = scratch.path + "/data"
            let config = scratch.path + "/sonde.yaml"
            writeFile(config, """
                storage: {flush_interval: 500ms}
                api: {listen: '127.0.0.1:0'}
                collectors: {host: {interval: 1s}, process: {interval: 1s}, statsd: {enabled: false}, systemd: {enabled: false}}
                ship:
                  cloudwatch:
                    enabled: true
                    region: us-east-1
                    endpoint: '\(server.endpoint)'
                    namespace: SondeTest
                    interval: 10s
                    include: ['sonde_collector_duration_seconds{collector="host"}', host_memory_used_percent]
                    dimensions: [collector]
                    append_dimensions: [InstanceId, {Environment: test}]
                    naming: cwagent
                    cwagent_metrics: [cpu_usage_active, mem_used_percent, disk_used_percent, diskio_io_time, net_bytes_sent, procstat_lookup_pid_count]
                """)
            let credentials = ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true"]
            let running = Sonde.start(["run", "--config", config, "--data-dir", data], environment: credentials)
            defer { running.stop() }
            #expect(waitForFile(running.errPath, containing: "ship ready"), "\(readFile(running.errPath))")
            let address = try #require(running.listeningAddress())
            func requestsSent() -> Double {
                let answer = shell("curl -s 'http://\(address)/api/v1/query?query=sonde_ship_requests_total'").output
                return Double(answer.firstMatch(of: /"value":\[[0-9.]+,"([0-9.]+)"\]/)?.1 ?? "") ?? 0
            }
            // The first whole minute after start ships 15 s after it ends, at the next 10 s round.
            let cursorPath = data + "/ship/cloudwatch-cursor.json"
            func cursorMinute() -> Int64? { Int64(readFile(cursorPath).firstMatch(of: /"minute":([0-9]+)/)?.1 ?? "") }
            #expect(await waitUntil(seconds: 30) { cursorMinute() != nil }, "the first round saves where shipping starts: \(readFile(running.errPath))")
            let start = try #require(cursorMinute())
            // A minute with data has gone once a request has.
            #expect(await waitUntil(seconds: 110) { requestsSent() >= 1 }, "\(readFile(running.errPath))")
            #expect((cursorMinute() ?? 0) > start)
            let shippedThrough = try #require(cursorMinute())

            // The last shipped minute as the store has it, through the dry run's statistics.
            let minute = shippedThrough - 60_000
            let dry = Sonde.run(["ship", "--dry-run", "--since", "5m", "--config", config, "--data-dir", data])
            let stamp = Self.rfc3339(minute)
            let line = try #require(dry.stdout.split(separator: "\n").first { $0.contains(stamp) && $0.contains("sonde_collector_duration_seconds") }, "\(dry.stdout)")
            #expect(!dry.stdout.contains("host_memory_used_percent"), "with naming: cwagent host metrics go under the agent's names")
            let count = try #require(Double(line.firstMatch(of: /SampleCount=([0-9.]+)/)?.1 ?? ""))
            let sum = try #require(Double(line.firstMatch(of: /Sum=([0-9.e+-]+)/)?.1 ?? ""))

            let read = shell("""
                python3 -c 'import boto3, datetime; c = boto3.client("cloudwatch", endpoint_url="\(server.endpoint)", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"); \
                t = datetime.datetime.fromtimestamp(\(minute / 1000), datetime.timezone.utc); \
                r = c.get_metric_statistics(Namespace="SondeTest", MetricName="sonde_collector_duration_seconds", Dimensions=[{"Name": "collector", "Value": "host"}, {"Name": "Environment", "Value": "test"}], StartTime=t, EndTime=t + datetime.timedelta(minutes=1), Period=60, Statistics=["SampleCount", "Sum"]); \
                p = r["Datapoints"][0]; print(p["SampleCount"], repr(p["Sum"]), p["Unit"])'
                """)
            #expect(read.status == 0, "\(read.output)")
            let fields = read.output.split(whereSeparator: \.isWhitespace)
            #expect(fields.count == 3 && Double(fields[0]) == count && fields[2] == "Seconds", "moto \(read.output) against the store's \(line)")
            #expect(fields.count == 3 && abs((Double(fields[1]) ?? 0) - sum) <= 1e-9 * abs(sum), "moto \(read.output) against the store's \(line)")
            // The agent's metrics, in its namespace, with its dimensions; off EC2 `host` stands for the instance.
            func listed() -> String {
                shell("""
                    python3 -c 'import boto3; c = boto3.client("cloudwatch", endpoint_url="\(server.endpoint)", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"); \
                    [print(m["MetricName"], ",".join(sorted(d["Name"] for d in m["Dimensions"]))) for m in c.list_metrics(Namespace="CWAgent")["Metrics"]]'
                    """).output
            }
            // CPU shares need a minute of CPU time: the first, partial minute may have one sample.
            #expect(await waitUntil(seconds: 90) { listed().contains("cpu_usage_active") }, "\(listed())")
            let listing = listed()
            let metrics = Set(listing.split(separator: "\n").map(String.init))
            #expect(metrics.contains("cpu_usage_active Environment,cpu,host"), "\(listing)")
            #expect(metrics.contains("mem_used_percent Environment,host"), "\(listing)")
            #expect(metrics.contains("disk_used_percent Environment,device,fstype,host,path"), "\(listing)")
            #expect(metrics.contains("procstat_lookup_pid_count Environment,exe,host,pid_finder"), "\(listing)")
            #expect(metrics.allSatisfy { ["cpu_usage_active", "mem_used_percent", "disk_used_percent", "diskio_io_time", "net_bytes_sent", "procstat_lookup_pid_count"].contains($0.split(separator: " ")[0]) }, "\(listing)")
            let backlog = shell("curl -s 'http://\(address)/api/v1/query?query=sonde_ship_backlog_seconds'").output
            #expect(backlog.contains(#""destination":"cloudwatch""#), "\(backlog)")
            let status = shell("curl -s 'http://\(address)/api/v1/status/sonde'").output
            #expect(status.firstMatch(of: /"shipperBacklogSeconds":[0-9.]+/) != nil, "\(status)")
            // The bill so far: every metric of both namespaces, priced; a billing rule can add it up.
            let cost = shell("curl -s 'http://\(address)/api/v1/query?query=sonde_ship_estimated_monthly_cost_usd'").output
            let dollars = Double(cost.firstMatch(of: /"value":\[[0-9.]+,"([0-9.e+-]+)"\]/)?.1 ?? "") ?? 0
            let metricsThisMonth = shell("curl -s 'http://\(address)/api/v1/query?query=sonde_ship_metrics_this_month'").output
            let billed = Double(metricsThisMonth.firstMatch(of: /"value":\[[0-9.]+,"([0-9.]+)"\]/)?.1 ?? "") ?? 0
            #expect(billed >= Double(metrics.count + 1) && dollars >= billed * 0.30, "\(metricsThisMonth) \(cost)")
        }
    }

    static func rfc3339(_ milliseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
