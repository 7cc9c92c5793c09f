import Foundation
import SondeCore
import SondeTestSupport
import Testing

/// `sonde run` with ship.cloudwatch on, against a real moto server: what CloudWatch then holds
/// (read back with boto3, an independent client) equals what the dry run reads from the store.
@Suite("sonde run ships to CloudWatch", .exclusiveMachineUse)
struct ShipAgentTests {
    @Test("the agent ships whole minutes; CloudWatch's SampleCount and Sum equal the store's; the cursor and self-metrics follow")
    func shipsToMoto() async throws {
        try await MotoServer.with { server in
            let agent = ShippingAgent("sonde-ship-agent", server, collectors: "{host: {interval: 1s}, process: {interval: 1s}, statsd: {enabled: false}, systemd: {enabled: false}}", cloudwatch: [
                "namespace: SondeTest",
                #"include: ['sonde_collector_duration_seconds{collector="host"}', host_memory_used_percent]"#,
                "dimensions: [collector]",
                "append_dimensions: [InstanceId, {Environment: test}]",
                "naming: cwagent",
                "cwagent_metrics: [cpu_usage_active, mem_used_percent, disk_used_percent, diskio_io_time, net_bytes_sent, procstat_lookup_pid_count]",
            ])
            let running = agent.start()
            defer { running.stop() }
            #expect(waitForFile(running.errPath, containing: "ship ready"), "\(readFile(running.errPath))")
            let address = try #require(running.listeningAddress())
            func requestsSent() -> Double {
                let answer = shell("curl -s 'http://\(address)/api/v1/query?query=sonde_ship_requests_total'").output
                return Double(answer.firstMatch(of: /"value":\[[0-9.]+,"([0-9.]+)"\]/)?.1 ?? "") ?? 0
            }
            // The first whole minute after start ships 15 s after it ends, at the next 10 s round.
            #expect(await waitUntil(seconds: 30) { agent.cursorMinute() != nil }, "the first round saves where shipping starts: \(readFile(running.errPath))")
            let start = try #require(agent.cursorMinute())
            // A minute with data has gone once a request has.
            #expect(await waitUntil(seconds: 110) { requestsSent() >= 1 }, "\(readFile(running.errPath))")
            #expect((agent.cursorMinute() ?? 0) > start)
            let shippedThrough = try #require(agent.cursorMinute())

            // The last shipped minute as the store has it, through the dry run's statistics.
            let minute = shippedThrough - 60_000
            let dry = Sonde.run(["ship", "--dry-run", "--since", "5m", "--config", agent.config, "--data-dir", agent.data])
            let stamp = Self.rfc3339(minute)
            let line = try #require(dry.stdout.split(separator: "\n").first { $0.contains(stamp) && $0.contains("sonde_collector_duration_seconds") }, "\(dry.stdout)")
            #expect(!dry.stdout.contains("host_memory_used_percent"), "with naming: cwagent host metrics go under the agent's names")
            let count = try #require(Double(line.firstMatch(of: /SampleCount=([0-9.]+)/)?.1 ?? ""))
            let sum = try #require(Double(line.firstMatch(of: /Sum=([0-9.e+-]+)/)?.1 ?? ""))

            let read = agent.statistics(namespace: "SondeTest", dimensions: #"{"collector": "host", "Environment": "test"}"#, start: minute, end: minute + 60_000)
            #expect(read.status == 0, "\(read.output)")
            let fields = read.output.split(whereSeparator: \.isWhitespace)
            #expect(fields.count == 4 && Double(fields[1]) == count && fields[3] == "Seconds", "moto \(read.output) against the store's \(line)")
            #expect(fields.count == 4 && abs((Double(fields[2]) ?? 0) - sum) <= 1e-9 * abs(sum), "moto \(read.output) against the store's \(line)")
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

    @Test("kill -9 mid-run, then a restart: every minute CloudWatch holds equals the store's, at most one request resent")
    func killedAndRestarted() async throws {
        try await MotoServer.with { server in
            let agent = ShippingAgent("sonde-ship-kill", server, collectors: "{host: {interval: 1s}, process: {enabled: false}, statsd: {enabled: false}, systemd: {enabled: false}}", cloudwatch: [
                "namespace: SondeKill", #"include: ['sonde_collector_duration_seconds{collector="host"}']"#, "dimensions: [collector]",
            ])
            func cursorMinute() -> Int64? { agent.cursorMinute() }

            let first = agent.start()
            #expect(await waitUntil(seconds: 30) { cursorMinute() != nil }, "\(readFile(first.errPath))")
            let start = try #require(cursorMinute())
            // Killed as soon as a minute has gone: mid-run, with no chance to save anything.
            #expect(await waitUntil(seconds: 110) { (cursorMinute() ?? 0) > start }, "\(readFile(first.errPath))")
            kill(first.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(first.pid, &status, 0)
            let atKill = try #require(cursorMinute())

            let second = agent.start()
            defer { second.stop() }
            // The minute of the kill and the restart ships too.
            #expect(await waitUntil(seconds: 110) { (cursorMinute() ?? 0) >= atKill + 60_000 }, "\(readFile(second.errPath))")
            let end = try #require(cursorMinute())

            // The store's minutes, through the dry run, against CloudWatch's.
            let dry = Sonde.run(["ship", "--dry-run", "--since", "10m", "--config", agent.config, "--data-dir", agent.data])
            var stored: [Int64: (count: Double, sum: Double)] = [:]
            for line in dry.stdout.split(separator: "\n") where line.contains("sonde_collector_duration_seconds") {
                guard let stamp = line.firstMatch(of: /^  (\S+)/)?.1, let count = Double(line.firstMatch(of: /SampleCount=([0-9.]+)/)?.1 ?? ""),
                    let sum = Double(line.firstMatch(of: /Sum=([0-9.e+-]+)/)?.1 ?? "")
                else { continue }
                guard let minute = RFC3339.milliseconds(String(stamp)) else { continue }
                stored[minute] = (count, sum)
            }
            let read = agent.statistics(namespace: "SondeKill", dimensions: #"{"collector": "host"}"#, start: start, end: end)
            #expect(read.status == 0, "\(read.output)")
            var shipped: [Int64: (count: Double, sum: Double)] = [:]
            for line in read.output.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count == 4, let minute = Int64(fields[0]), let count = Double(fields[1]), let sum = Double(fields[2]) { shipped[minute] = (count, sum) }
            }
            let minutes = Array(stride(from: start, to: end, by: 60_000))
            #expect(minutes.count >= 2)
            var resent = 0
            for minute in minutes {
                guard let local = stored[minute] else {
                    #expect(shipped[minute] == nil, "minute \(minute): CloudWatch has what the store has not")
                    continue
                }
                let remote = try #require(shipped[minute], "minute \(minute) never reached CloudWatch: \(read.output)")
                if remote.count == 2 * local.count, abs(remote.sum - 2 * local.sum) <= 1e-9 * abs(local.sum) {
                    resent += 1  // the kill fell between the 2xx and the cursor's write
                    continue
                }
                #expect(remote.count == local.count && abs(remote.sum - local.sum) <= 1e-9 * abs(local.sum), "minute \(minute): CloudWatch \(remote), store \(local)")
            }
            #expect(resent <= 1, "only the one request in flight at the kill may go twice")
        }
    }

    /// A scratch folder and a configuration that ships to `server` every 10 s, `cloudwatch`'s lines
    /// added under `ship.cloudwatch`, with the credentials moto takes.
    struct ShippingAgent {
        let scratch: TemporaryDirectory
        let endpoint: String
        var data: String { scratch.path + "/data" }
        var config: String { scratch.path + "/sonde.yaml" }

        init(_ prefix: String, _ server: MotoServer, collectors: String, cloudwatch: [String]) {
            scratch = TemporaryDirectory(prefix)
            endpoint = server.endpoint
            let ship = (["enabled: true", "region: us-east-1", "endpoint: '\(endpoint)'", "interval: 10s"] + cloudwatch).map { "    " + $0 + "\n" }.joined()
            writeFile(config, "storage: {flush_interval: 500ms}\napi: {listen: '127.0.0.1:0'}\ncollectors: \(collectors)\nship:\n  cloudwatch:\n" + ship)
        }

        func start() -> Sonde.Running {
            Sonde.start(["run", "--config", config, "--data-dir", data], environment: [
                "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
            ])
        }

        /// The first minute the shipper has not sent, from its cursor file.
        func cursorMinute() -> Int64? {
            Int64(readFile(data + "/ship/cloudwatch-cursor.json").firstMatch(of: /"minute":([0-9]+)/)?.1 ?? "")
        }

        /// What moto holds for sonde_collector_duration_seconds with `dimensions` (a Python dict),
        /// per minute in [start, end), through boto3, an independent client: a line per minute of
        /// its time in milliseconds, SampleCount, Sum and Unit.
        func statistics(namespace: String, dimensions: String, start: Int64, end: Int64) -> (status: Int32, output: String) {
            shell("""
                python3 -c 'import boto3, datetime; c = boto3.client("cloudwatch", endpoint_url="\(endpoint)", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"); \
                t = datetime.datetime.fromtimestamp(\(start / 1000), datetime.timezone.utc); \
                r = c.get_metric_statistics(Namespace="\(namespace)", MetricName="sonde_collector_duration_seconds", Dimensions=[{"Name": k, "Value": v} for k, v in \(dimensions).items()], StartTime=t, EndTime=t + datetime.timedelta(seconds=\((end - start) / 1000)), Period=60, Statistics=["SampleCount", "Sum"]); \
                [print(int(p["Timestamp"].timestamp() * 1000), p["SampleCount"], repr(p["Sum"]), p["Unit"]) for p in sorted(r["Datapoints"], key=lambda p: p["Timestamp"])]'
                """)
        }
    }

    static func rfc3339(_ milliseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

