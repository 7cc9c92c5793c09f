/// `ship:`, where sonde sends chosen series beyond the host. Only CloudWatch for now.
public struct ShipConfig: Sendable, Equatable {
    public var cloudwatch = CloudWatchShipConfig()

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["cloudwatch"])
        if let value = keys["cloudwatch"] { cloudwatch = try CloudWatchShipConfig(value) }
    }
}

/// `ship.cloudwatch`: which series go to CloudWatch's PutMetricData, how often, at which
/// resolution, under which names and dimensions (docs/configuration.md, docs/shipping.md).
public struct CloudWatchShipConfig: Sendable, Equatable {
    public enum Resolution: String, Sendable, Equatable {
        /// One datum per series and minute, from the 1-minute tier, as StatisticValues.
        case minute = "60s"
        /// High resolution: one datum per series and second, StorageResolution=1.
        case second = "1s"
    }

    public enum Naming: String, Sendable, Equatable {
        /// sonde's own metric names, in `namespace`.
        case sonde
        /// Host and process metrics under the CloudWatch agent's names, units and dimensions, in `CWAgent`.
        case cwagent
    }

    /// A dimension added to every datum: one of the instance's own, read from IMDS, or a fixed pair.
    public enum AppendedDimension: Sendable, Equatable {
        case instance(String)
        case fixed(name: String, value: String)

        public var name: String {
            switch self {
            case .instance(let name): name
            case .fixed(let name, _): name
            }
        }
    }

    /// What IMDS can tell about the instance, as the CloudWatch agent's `append_dimensions` names them.
    public static let instanceDimensions = ["InstanceId", "InstanceType", "ImageId", "AutoScalingGroupName"]

    /// What ships when `include` is not given: the few series a fleet dashboard needs, since each
    /// distinct metric costs money every month.
    public static let defaultInclude = [
        "host_cpu_utilization_percent", "host_memory_used_percent", "host_filesystem_used_percent",
        "gunicorn_requests_total", "gunicorn_request_duration_seconds_sum", "gunicorn_request_duration_seconds_count",
        "gunicorn_worker_timeouts_total", "postgres_connections", "postgres_replication_lag_seconds",
        "probe_success", "probe_duration_seconds", "aws_billing_estimated_charges_usd",
    ]

    /// Every CloudWatch agent metric `naming: cwagent` can produce, with its unit as the agent's
    /// default-unit table gives it. The part of the name before the first `_` is the agent's
    /// section (cpu, mem, swap, disk, diskio, net, netstat, processes, procstat).
    public static let cwagentMetricUnits: [String: String] = {
        var table: [String: String] = [:]
        func add(_ prefix: String, _ fields: [String], _ unit: String) {
            for field in fields { table[prefix + field] = unit }
        }
        add("cpu_usage_", ["active", "idle", "nice", "guest", "guest_nice", "iowait", "irq", "softirq", "steal", "system", "user"], "Percent")
        add("mem_", ["total", "available", "free", "buffered", "cached", "active", "inactive", "used"], "Bytes")
        add("mem_", ["used_percent", "available_percent"], "Percent")
        add("swap_", ["used", "free", "total"], "Bytes")
        add("swap_", ["used_percent"], "Percent")
        add("disk_", ["total", "free", "used"], "Bytes")
        add("disk_", ["inodes_total", "inodes_free", "inodes_used"], "Count")
        add("disk_", ["used_percent"], "Percent")
        add("diskio_", ["reads", "writes", "iops_in_progress"], "Count")
        add("diskio_", ["read_bytes", "write_bytes"], "Bytes")
        add("diskio_", ["read_time", "write_time", "io_time"], "Milliseconds")
        add("net_", ["bytes_sent", "bytes_recv"], "Bytes")
        add("net_", ["packets_sent", "packets_recv", "err_in", "err_out", "drop_in", "drop_out"], "Count")
        add("netstat_tcp_", ["established", "time_wait"], "Count")
        add("processes_", ["running", "blocked"], "Count")
        add("procstat_", ["cpu_usage"], "Percent")
        add("procstat_", ["memory_rss", "memory_vms"], "Bytes")
        // The agent's unit table has no entry for it: it goes without a unit.
        add("procstat_", ["lookup_pid_count"], "None")
        return table
    }()

    /// The names of `cwagentMetricUnits`, sorted: what `cwagent_metrics` may list.
    public static let cwagentMetricNames = cwagentMetricUnits.keys.sorted()

    /// What `naming: cwagent` ships by default: the agent wizard's "Standard" set for EC2, with
    /// `cpu_usage_active`, which most CPU alarms use.
    public static let defaultCWAgentMetrics = [
        "cpu_usage_active", "cpu_usage_idle", "cpu_usage_iowait", "cpu_usage_user", "cpu_usage_system", "mem_used_percent", "swap_used_percent",
        "disk_used_percent", "disk_inodes_free", "diskio_io_time",
    ]

    /// CloudWatch takes at most 30 dimensions per datum.
    public static let maxDimensions = 30

    public var enabled = false
    /// nil: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the instance's region from IMDSv2.
    public var region: String?
    /// An endpoint other than the region's (a VPC endpoint, LocalStack, moto).
    public var endpoint: String?
    public var namespace = "Sonde"
    public var interval: Duration = .seconds(60)
    public var resolution = Resolution.minute
    public var include: [SeriesSelector] = defaultInclude.map { try! SeriesSelector.parse($0) }
    public var exclude: [SeriesSelector] = []
    /// Series whose raw samples of each period go as Values/Counts (latencies), so CloudWatch can
    /// compute percentiles.
    public var distribution: [SeriesSelector] = []
    /// The labels that become dimensions (the rest are dropped, summing the series they told apart).
    public var dimensions: [String] = ["instance", "app", "status_class", "mountpoint", "server", "state", "target"]
    public var appendDimensions: [AppendedDimension] = [.instance("InstanceId")]
    public var naming = Naming.sonde
    /// With `naming: cwagent`, which of the agent's metrics go (in `CWAgent`).
    public var cwagentMetrics = defaultCWAgentMetrics
    /// gzip PutMetricData bodies when that makes them smaller (CloudWatch takes it; an endpoint
    /// that does not can turn it off).
    public var gzip = true

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: [
            "enabled", "region", "endpoint", "namespace", "interval", "resolution", "include", "exclude", "distribution",
            "dimensions", "append_dimensions", "naming", "gzip", "cwagent_metrics",
        ])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["region"] {
            let text = try value.text()
            // us-east-1, eu-central-2, us-gov-west-1, cn-north-1: letters and digits between dashes.
            guard text.split(separator: "-", omittingEmptySubsequences: false).count >= 3,
                text.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") })
            else { throw value.error("expected an AWS region such as us-east-1, found \"\(text)\"") }
            region = text
        }
        if let value = keys["endpoint"] { endpoint = try value.httpURL() }
        if let value = keys["namespace"] { namespace = try Self.namespace(value) }
        if let value = keys["interval"] { interval = try value.duration(in: Duration.seconds(10)...Duration.seconds(3600)) }
        if let value = keys["resolution"] {
            let text = try value.text()
            guard let parsed = Resolution(rawValue: text) else { throw value.error("expected 60s or 1s, found \"\(text)\"") }
            resolution = parsed
        }
        if let value = keys["include"] { include = try Self.selectors(value) }
        if let value = keys["exclude"] { exclude = try Self.selectors(value) }
        if let value = keys["distribution"] {
            distribution = try Self.selectors(value)
        }
        if let value = keys["dimensions"] {
            dimensions = try value.list().map { (item) throws(ParseError) -> String in
                let name = try item.text()
                guard MetricNames.isValidLabelName(name) else { throw item.error("expected a label name, found \"\(name)\"") }
                return name
            }
        }
        if let value = keys["gzip"] { gzip = try value.bool() }
        if let value = keys["cwagent_metrics"] {
            cwagentMetrics = try value.list().map { (item) throws(ParseError) -> String in
                let name = try item.text()
                guard Self.cwagentMetricNames.contains(name) else {
                    throw item.error("\"\(name)\" is not a CloudWatch agent metric sonde produces; expected one of \(Self.cwagentMetricNames.joined(separator: ", "))")
                }
                return name
            }
        }
        if let value = keys["append_dimensions"] { appendDimensions = try value.list().map(Self.appendedDimension) }
        if let value = keys["naming"] {
            let text = try value.text()
            guard let parsed = Naming(rawValue: text) else { throw value.error("expected sonde or cwagent, found \"\(text)\"") }
            naming = parsed
        }
        if naming != .cwagent, let value = keys["cwagent_metrics"] { throw value.error("cwagent_metrics applies with naming: cwagent") }
        if resolution == .second, !distribution.isEmpty, let value = keys["distribution"] {
            throw value.error("distribution applies to resolution 60s; at 1s every sample already goes as it is")
        }
        let total = Set(dimensions).count + appendDimensions.count
        if total > Self.maxDimensions {
            throw (keys["dimensions"] ?? keys["append_dimensions"] ?? node).error(
                "\(total) dimensions (dimensions and append_dimensions together); CloudWatch takes at most \(Self.maxDimensions) per datum")
        }
    }

    /// CloudWatch's rule: 1 to 255 of letters, digits and `.-_/#: `, not starting with `AWS/`.
    static func namespace(_ node: ConfigNode) throws(ParseError) -> String {
        let text = try node.text()
        let allowed = Set(".-_/#: ".utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard (1...255).contains(text.utf8.count), !text.hasPrefix("AWS/"), text.utf8.allSatisfy({ allowed.contains($0) || isAlphanumeric($0) })
        else { throw node.error("expected a CloudWatch namespace (1 to 255 of letters, digits and .-_/#: and space, not starting with AWS/), found \"\(text)\"") }
        return text
    }

    static func selectors(_ node: ConfigNode) throws(ParseError) -> [SeriesSelector] {
        try node.list().map { (item) throws(ParseError) -> SeriesSelector in
            let text = try item.text()
            do throws(ParseError) {
                return try SeriesSelector.parse(text)
            } catch {
                throw item.error("expected a series selector such as node_load1 or {__name__=~\"host_.*\"}: \(error.message)")
            }
        }
    }

    /// `InstanceId` (from IMDS) or `{Environment: production}` (fixed).
    static func appendedDimension(_ item: ConfigNode) throws(ParseError) -> AppendedDimension {
        if let entries = item.node.mapping {
            guard entries.count == 1, let entry = entries.first else { throw item.error("expected one {Name: value} pair per item") }
            let value = try item.child(entry.key, entry.value).text()
            // CloudWatch: a name of 1 to 255 ASCII characters not starting with a colon, a value of 1 to 1024.
            guard (1...255).contains(entry.key.utf8.count), entry.key.utf8.allSatisfy({ $0 > 32 && $0 < 127 }), !entry.key.hasPrefix(":") else {
                throw entry.keyPosition.error("\(item.path): expected a dimension name of 1 to 255 visible ASCII characters, not starting with a colon, found \"\(entry.key)\"")
            }
            guard (1...1024).contains(value.utf8.count) else { throw item.error("a dimension value must be 1 to 1024 bytes") }
            return .fixed(name: entry.key, value: value)
        }
        let name = try item.text()
        guard instanceDimensions.contains(name) else {
            throw item.error("expected one of \(instanceDimensions.joined(separator: ", ")) or a fixed {Name: value}, found \"\(name)\"")
        }
        return .instance(name)
    }
}
