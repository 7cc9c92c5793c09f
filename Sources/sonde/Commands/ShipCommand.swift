import ArgumentParser
import SondeAWS
import SondeAgent
import SondeCollectors
import SondeCore
import SondeShip
import SondeStore

/// `sonde ship --dry-run`: what `ship.cloudwatch` would send, from the local store, and its bill.
struct ShipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Show what ship.cloudwatch would send to CloudWatch, decoded, and what it would cost a month.",
        discussion: """
            Reads the store (nothing is sent, no credentials are needed): the datums of the whole
            minutes of the last --since, as PutMetricData would carry them (namespace, metric,
            dimensions, unit, statistics), the requests they make, and the month's estimated cost
            at CloudWatch's published prices. Dimensions that come from the instance's metadata
            (append_dimensions such as InstanceId) show as "(from IMDS)".

            Examples:
              sonde ship --dry-run --config /etc/sonde/sonde.yaml --data-dir /var/lib/sonde
              sonde ship --dry-run --since 1h --summary
            """
    )

    @OptionGroup var data: DataDirOption
    @Option(help: ArgumentHelp("Configuration file (YAML); without it, the embedded defaults.", valueName: "FILE"))
    var config: String?
    @Flag(help: "Send nothing: print what would be sent (required: the agent itself ships, with ship.cloudwatch.enabled).")
    var dryRun = false
    @Option(help: ArgumentHelp("How far back to look (whole minutes).", valueName: "D"))
    var since = "10m"
    @Flag(help: "Print one line per metric instead of every datum.")
    var summary = false

    func run() throws {
        guard dryRun else { throw ValidationError("sonde ship only shows what would go (--dry-run); the running agent ships when ship.cloudwatch.enabled is true") }
        let configuration = try SondeConfig.load(path: config)
        let cloudwatch = configuration.ship.cloudwatch
        let sinceMs: Int64
        do {
            sinceMs = try DurationParser.parse(since)
        } catch {
            throw ValidationError("--since: \(error.message)")
        }
        guard sinceMs >= 60_000 else { throw ValidationError("--since must cover at least one whole minute") }
        let end = SystemClock().wallMilliseconds / 60_000 * 60_000
        let start = end - sinceMs / 60_000 * 60_000
        // The instance's dimensions as placeholders: the dry run does not ask IMDS.
        let placeholder = "(from IMDS)"
        let identity = InstanceIdentity(
            instanceID: placeholder, instanceType: placeholder, amiID: placeholder, autoScalingGroup: placeholder, hostname: InstanceIdentity.localHostname(),
            onEC2: true)
        let store = try Store.open(directory: data.dataDir, readOnly: true)
        let sections = try ShipWiring.planner(configuration, identity: identity).sections(from: store, start: start, end: end)
        let plan = DryRunReport(sections: sections.map { DryRunReport.Section(namespace: $0.namespace, datums: $0.datums) }, interval: cloudwatch.interval, start: start, end: end)
        (summary ? plan.summaryLines : plan.datumLines).forEach(Terminal.out)
        plan.costLines.forEach(Terminal.out)
    }
}

/// The dry run's text: datums or metrics for each namespace, then requests and cost.
struct DryRunReport {
    struct Section {
        let namespace: String
        let datums: [CloudWatchClient.Datum]
    }

    let sections: [Section]
    let interval: Duration
    let start: Int64
    let end: Int64

    /// Namespace, name and dimensions: what CloudWatch bills as one metric.
    var metrics: [String: Int] {
        var counts: [String: Int] = [:]
        for section in sections {
            for datum in section.datums { counts[section.namespace + " " + Self.metric(datum), default: 0] += 1 }
        }
        return counts
    }

    static func metric(_ datum: CloudWatchClient.Datum) -> String {
        datum.metricName + " {" + datum.dimensions.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + "}"
    }

    func header(_ section: Section) -> String {
        "namespace \(section.namespace): \(section.datums.count) datums for the minutes \(TimestampFormat.rfc3339(milliseconds: start)) to \(TimestampFormat.rfc3339(milliseconds: end)) (end excluded)"
    }

    var datumLines: [String] {
        sections.flatMap { section in
            [header(section)] + section.datums.map { datum in
                var values = datum.statistics.map {
                    "SampleCount=\(ValueFormat.string($0.sampleCount)) Sum=\(ValueFormat.string($0.sum)) Minimum=\(ValueFormat.string($0.minimum)) Maximum=\(ValueFormat.string($0.maximum))"
                } ?? datum.value.map { "Value=\(ValueFormat.string($0))" } ?? ""
                if let distinct = datum.values, let counts = datum.counts {
                    values = "Values/Counts=" + zip(distinct, counts).map { "\(ValueFormat.string($0)):\(ValueFormat.string($1))" }.joined(separator: ",")
                }
                if let resolution = datum.storageResolution { values += " StorageResolution=\(resolution)" }
                return "  \(TimestampFormat.rfc3339(milliseconds: datum.timestamp))  \(Self.metric(datum))  \(datum.unit ?? "None")  \(values)"
            }
        }
    }

    var summaryLines: [String] {
        sections.flatMap { section in
            var counts: [String: Int] = [:]
            for datum in section.datums { counts[Self.metric(datum), default: 0] += 1 }
            return [header(section)] + counts.sorted { $0.key < $1.key }.map { "  \($0.key)  \($0.value) datums" }
        }
    }

    var costLines: [String] {
        let minutes = max(1, Int((end - start) / 60_000))
        let intervalMinutes = max(1, Int(interval.inMilliseconds / 60_000))
        // Each flush sends the interval's datums, at most 1,000 per request.
        // A request has one namespace: each section makes its own.
        let requestsPerFlush = sections.reduce(0) { sum, section in
            sum + Int((Double(section.datums.count) / Double(minutes) * Double(intervalMinutes) / 1000).rounded(.up))
        }
        let requests = requestsPerFlush * CloudWatchPricing.minutesPerMonth / intervalMinutes
        let metricsCost = CloudWatchPricing.metricsCost(metrics.count)
        let requestsCost = CloudWatchPricing.requestsCost(requests)
        return [
            "\(metrics.count) distinct metrics, \(requestsPerFlush) PutMetricData request(s) every \(DurationParser.format(interval.inMilliseconds))",
            "estimated monthly cost: \(Self.dollars(metricsCost)) for the metrics + \(Self.dollars(requestsCost)) for \(requests) requests = \(Self.dollars(metricsCost + requestsCost)) (us-east-1 prices)",
        ]
    }

    static func dollars(_ value: Double) -> String { "$" + Terminal.format(value, decimals: 2) }
}
