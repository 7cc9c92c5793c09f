import Logging
import ServiceLifecycle
import SondeAWS
import SondeCollectors
import SondeCore
import SondeNet
import SondeShip
import SondeStore

#if canImport(Glibc)
import Glibc
#endif

/// `ship.cloudwatch` into a running shipper: the region and endpoint, the instance's dimensions,
/// the credentials chain, and the loop that runs a round every interval.
public enum ShipWiring {
    /// The shipper's loop, or nil when shipping is off or has no region to ship to (logged: the
    /// rest of the agent runs on).
    static func runner(
        _ config: SondeConfig, store: Store, dataDirectory: String, identity: InstanceIdentity, credentials: any AWSCredentialsProvider,
        environment: [String: String], clock: any SondeClock, logger: Logger
    ) -> ShipRunner? {
        let cloudwatch = config.ship.cloudwatch
        guard cloudwatch.enabled else { return nil }
        guard let region = cloudwatch.region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? (identity.region.isEmpty ? nil : identity.region)
        else {
            logger.error("ship.cloudwatch: no region (set ship.cloudwatch.region or AWS_REGION, or run on EC2); not shipping")
            return nil
        }
        let endpoint = cloudwatch.endpoint ?? "https://monitoring.\(region).amazonaws.com"
        let client = CloudWatchClient(endpoint: endpoint, region: region, credentials: credentials, http: HTTPClient(), timeout: .seconds(20))
        let planner = planner(config, identity: identity)
        let directory = dataDirectory + "/ship"
        if mkdir(directory, 0o750) != 0, errno != EEXIST {
            logger.error("cannot create \(directory); not shipping", metadata: ["error": "\(String(cString: strerror(errno)))"])
            return nil
        }
        let shipper = CloudWatchShipper(
            planner: planner, store: store,
            cursorPath: directory + "/cloudwatch-cursor.json", interval: cloudwatch.interval, logger: logger
        ) { request throws(AWSError) in try await client.putMetricData(request, gzip: cloudwatch.gzip) }
        logger.info("ship ready", metadata: ["ship.endpoint": "\(HTTPRequest(url: endpoint).redactedURL)", "ship.region": "\(region)", "ship.namespace": "\(cloudwatch.namespace)"])
        // A per-host offset within the interval, so a fleet does not flush in the same second.
        var hash = FNV1a()
        hash.add(identity.instance)
        let jitter = Int64(hash.value % UInt64(max(1, cloudwatch.interval.inMilliseconds / 4)))
        return ShipRunner(shipper: shipper, store: store, interval: cloudwatch.interval, jitterMilliseconds: jitter, clock: clock)
    }
}

extension ShipWiring {
    /// What `ship.cloudwatch` sends, with the instance's dimensions: those IMDS gave (off EC2, or
    /// for a name IMDS did not give, the dimension is left out).
    public static func planner(_ config: SondeConfig, identity: InstanceIdentity) -> ShipDatums {
        let cloudwatch = config.ship.cloudwatch
        let appended = cloudwatch.appendDimensions.compactMap { dimension -> CloudWatchClient.Dimension? in
            switch dimension {
            case .fixed(let name, let value): return CloudWatchClient.Dimension(name, value)
            case .instance(let name):
                let value = switch name {
                case "InstanceId": identity.instanceID
                case "InstanceType": identity.instanceType
                case "ImageId": identity.amiID
                case "AutoScalingGroupName": identity.autoScalingGroup
                default: ""
                }
                return identity.onEC2 && !value.isEmpty ? CloudWatchClient.Dimension(name, value) : nil
            }
        }
        var processes: [String: CWAgentMetrics.ProcessDimensions] = [:]
        for group in ProcessCollector.Settings(config.collectors.process).groups {
            processes[group.name] = processDimensions(group)
        }
        let cwagent = CWAgentMetrics(metrics: cloudwatch.cwagentMetrics, appended: appended, hostname: identity.hostname, processes: processes)
        return ShipDatums(config: cloudwatch, appended: appended, cwagent: cwagent)
    }

    /// How the CloudWatch agent's procstat would name a group: by its one `comm` or `exe` rule
    /// (`exe`), `cmdline` rule (`pattern`) or `pidfile` rule, with `process_name` when the rule is
    /// a plain command name. A group of several rules, or of a user, unit or the agent itself, has
    /// no procstat equivalent: nil.
    static func processDimensions(_ group: ProcessGroup) -> CWAgentMetrics.ProcessDimensions? {
        guard group.rules.count == 1, let rule = group.rules.first else { return nil }
        let plainName = !rule.value.isEmpty && rule.value.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        switch rule.kind {
        case .comm, .exe: return CWAgentMetrics.ProcessDimensions(lookup: CloudWatchClient.Dimension("exe", rule.value), processName: plainName ? rule.value : nil)
        case .cmdline: return CWAgentMetrics.ProcessDimensions(lookup: CloudWatchClient.Dimension("pattern", rule.value), processName: nil)
        case .pidfile: return CWAgentMetrics.ProcessDimensions(lookup: CloudWatchClient.Dimension("pidfile", rule.value), processName: nil)
        case .user, .systemdUnit, .currentProcess: return nil
        }
    }
}

/// Runs a shipping round every interval and stores the `sonde_ship_*` self-metrics after each.
struct ShipRunner: Service {
    let shipper: CloudWatchShipper
    let store: Store
    let interval: Duration
    let jitterMilliseconds: Int64
    let clock: any SondeClock

    func run() async throws {
        await cancelWhenGracefulShutdown {
            let period = interval.inMilliseconds
            while !Task.isCancelled {
                let now = clock.wallMilliseconds
                let next = (now - jitterMilliseconds) / period * period + period + jitterMilliseconds
                do {
                    try await clock.sleep(for: .milliseconds(max(1, next - now)))
                } catch {
                    return
                }
                let cursor = await shipper.ship(now: clock.wallMilliseconds)
                record(cursor: cursor, now: clock.wallMilliseconds)
            }
        }
    }

    func record(cursor: ShipCursor, now: Int64) {
        let statistics = shipper.statistics
        let ledger = shipper.monthLedger(at: now)
        var samples: [(Labels, Double)] = [
            (Labels(name: "sonde_ship_datums_total", ["destination": "cloudwatch"]), Double(statistics.datumsSent)),
            (Labels(name: "sonde_ship_requests_total", ["destination": "cloudwatch"]), Double(statistics.requestsSent)),
            (Labels(name: "sonde_ship_bytes_total", ["destination": "cloudwatch"]), Double(statistics.bytesSent)),
            (Labels(name: "sonde_ship_datums_rejected_total", ["destination": "cloudwatch"]), Double(statistics.datumsRejected)),
            (Labels(name: "sonde_ship_minutes_too_old_total", ["destination": "cloudwatch"]), Double(statistics.minutesTooOld)),
            // How far behind shipping is: the end of the last whole minute shipped, to now.
            (Labels(name: "sonde_ship_backlog_seconds", ["destination": "cloudwatch"]), Double(max(0, now - cursor.minute)) / 1000),
            // What CloudWatch bills: a billing rule can add it to the account's estimated charges.
            (Labels(name: "sonde_ship_metrics_this_month", ["destination": "cloudwatch"]), Double(ledger.metrics.count)),
            (Labels(name: "sonde_ship_requests_this_month", ["destination": "cloudwatch"]), Double(ledger.requests)),
            (Labels(name: "sonde_ship_estimated_monthly_cost_usd", ["destination": "cloudwatch"]), ledger.estimatedMonthlyCost(now: now)),
        ]
        for (code, count) in statistics.errors.sorted(by: { $0.key < $1.key }) {
            samples.append((Labels(name: "sonde_ship_errors_total", ["destination": "cloudwatch", "code": code]), Double(count)))
        }
        for (labels, value) in samples { _ = store.append(labels, timestamp: now, value: value) }
    }
}
