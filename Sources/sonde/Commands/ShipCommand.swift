import ArgumentParser
import SondeAWS
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
        let cloudwatch = try SondeConfig.load(path: config).ship.cloudwatch
        let sinceMs: Int64
        do {
            sinceMs = try DurationParser.parse(since)
        } catch {
            throw ValidationError("--since: \(error.message)")
        }
        guard sinceMs >= 60_000 else { throw ValidationError("--since must cover at least one whole minute") }
        let end = SystemClock().wallMilliseconds / 60_000 * 60_000
        let start = end - sinceMs / 60_000 * 60_000
        let appended = cloudwatch.appendDimensions.map { dimension -> CloudWatchClient.Dimension in
            switch dimension {
            case .instance(let name): CloudWatchClient.Dimension(name, "(from IMDS)")
            case .fixed(let name, let value): CloudWatchClient.Dimension(name, value)
            }
        }
        let store = try Store.open(directory: data.dataDir, readOnly: true)
        let datums = try ShipDatums(config: cloudwatch, appended: appended).datums(from: store, start: start, end: end)
        let plan = DryRunReport(namespace: cloudwatch.namespace, interval: cloudwatch.interval, start: start, end: end, datums: datums)
        (summary ? plan.summaryLines : plan.datumLines).forEach(Terminal.out)
        plan.costLines.forEach(Terminal.out)
    }
}

/// The dry run's text: datums or metrics, then requests and cost.
struct DryRunReport {
    let namespace: String
    let interval: Duration
    let start: Int64
    let end: Int64
    let datums: [CloudWatchClient.Datum]

    /// namespace, name and dimensions: what CloudWatch bills as one metric.
    var metrics: [String: Int] {
        var counts: [String: Int] = [:]
        for datum in datums { counts[Self.metric(datum), default: 0] += 1 }
        return counts
    }

    static func metric(_ datum: CloudWatchClient.Datum) -> String {
        datum.metricName + " {" + datum.dimensions.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + "}"
    }

    var header: String {
        "namespace \(namespace): \(datums.count) datums for the minutes \(TimestampFormat.rfc3339(milliseconds: start)) to \(TimestampFormat.rfc3339(milliseconds: end)) (end excluded)"
    }

    var datumLines: [String] {
        [header] + datums.map { datum in
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

    var summaryLines: [String] {
        [header] + metrics.sorted { $0.key < $1.key }.map { "  \($0.key)  \($0.value) datums" }
    }

    var costLines: [String] {
        let minutes = max(1, Int((end - start) / 60_000))
        let intervalMinutes = max(1, Int(interval.inMilliseconds / 60_000))
        // Each flush sends the interval's datums, at most 1,000 per request.
        let datumsPerFlush = Double(datums.count) / Double(minutes) * Double(intervalMinutes)
        let requestsPerFlush = Int((datumsPerFlush / 1000).rounded(.up))
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
