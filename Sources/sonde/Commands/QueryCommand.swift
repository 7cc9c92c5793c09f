import ArgumentParser
import SondeAPI
import SondeCore
import SondeRules
import SondeStore

extension ChartUnit: ExpressibleByArgument {}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Evaluate a PromQL expression against the store, or read a series' raw samples.",
        discussion: """
            EXPR is a PromQL expression (the subset in docs/rules.md): node_load1, rate(x[5m]),
            sum by (status_class) (rate(gunicorn_requests_total[5m])) ...
            T is RFC 3339 (2026-11-22T07:00:00Z), unix seconds (1795331271.5), now, or relative to now (-1h, now-30m).

            Three forms:
              an instant query at --time (default now): each series' value, as Prometheus' /api/v1/query;
              a range query with --start and --step: the value at each step, as /api/v1/query_range;
              a plain series selector with --start and no --step: every stored sample in the range.
            Raw samples answer while the raw ring holds the range; only what it no longer holds comes from
            the 1-minute or 1-hour rollups. --tier names one tier to read instead.

            Examples:
              sonde query 'rate(node_cpu_seconds_total{mode="idle"}[5m])'
              sonde query 'node_cpu_seconds_total{mode="idle",cpu="0"}' --start now-24h --step 1m --format csv
              sonde query node_load1 --start -15m
              sonde query 'rate(node_cpu_seconds_total{mode="user"}[1m])' --start -6h --plot --unit ratio

            --plot draws the result as a chart in the terminal (braille dots, coloured on a terminal);
            without --start it covers the last hour, and without --step it picks one from the width.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @OptionGroup var data: DataDirOption

    @Argument(help: "A PromQL expression, or a series selector.")
    var expression: String

    // `.unconditional`: relative times start with "-" (`--start -1h`) and must not be read as flags.
    @Option(parsing: .unconditional, help: ArgumentHelp("Time of an instant query (default now).", valueName: "T"))
    var time: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Start of the range (default: 1 hour before --end).", valueName: "T"))
    var start: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("End of the range.", valueName: "T"))
    var end: String = "now"

    @Option(help: ArgumentHelp("Step between values (10s, 1m, 1h).", valueName: "D"))
    var step: String?

    @Option(help: "Output format.")
    var format: Format = .table

    @Option(help: ArgumentHelp("Tier to read: auto, raw, 1m or 1h.", valueName: "TIER"))
    var tier: String = "auto"

    @Flag(help: "Draw the result as a chart in the terminal instead of listing it.")
    var plot = false

    @Option(help: ArgumentHelp("How --plot labels values: \(ChartUnit.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "UNIT"))
    var unit: ChartUnit = .plain

    func run() throws {
        let now = SystemClock().wallMilliseconds
        let expr: PromQLExpr
        do {
            expr = try PromQLParser.parse(expression)
        } catch {
            throw ValidationError("expression: \(error)")
        }
        let choice: Store.TierChoice
        if tier == "auto" {
            choice = .automatic
        } else if let named = Tier(name: tier) {
            choice = .tier(named)
        } else {
            throw ValidationError("--tier: expected auto, raw, 1m or 1h, got \"\(tier)\"")
        }
        if start == nil && step == nil && !plot {
            try instantQuery(expr, now: now, tier: choice)
            return
        }
        guard time == nil else { throw ValidationError("--time is for instant queries; a range takes --start, --end and --step") }
        let endMs: Int64
        let startMs: Int64
        var stepMs: Int64?
        do {
            endMs = try TimeExpression.parse(end, now: now)
            startMs = try start.map { (text) throws(ParseError) in try TimeExpression.parse(text, now: now) } ?? endMs - 3_600_000
            if let step { stepMs = try DurationParser.parse(step) }
        } catch {
            throw ValidationError("\(error.message)")
        }
        let chartWidth = max(20, Terminal.columns - 10)  // room for the value labels
        // Two points per character cell: braille cells are two dots wide.
        if plot, stepMs == nil { stepMs = max(1000, (endMs - startMs) / Int64(chartWidth * 2)) }
        guard startMs <= endMs else { throw ValidationError("--start is after --end") }
        if let stepMs, stepMs <= 0 { throw ValidationError("--step must be positive") }
        if let stepMs, (endMs - startMs) / stepMs > 11_000 {
            throw ValidationError("too many points: (end - start) / step exceeds 11000, as in Prometheus; use a larger --step")
        }
        let store = try Store.open(directory: data.dataDir, readOnly: true)
        var rows: [QueryOutput.Row] = []
        if let stepMs {
            let engine = PromQLEngine(source: StoreSampleSource(store: store, tier: choice))
            for series in try engine.rangeQuery(expr, start: startMs, end: endMs, step: stepMs) {
                rows.append((series.labels, series.timestamps, series.values))
            }
        } else {
            guard case .vectorSelector(let selector) = expr, selector.offsetMilliseconds == 0 else {
                throw ValidationError("a range without --step reads raw samples and takes a plain series selector; add --step to evaluate an expression")
            }
            for data in try store.select(selector.selector.matchers, start: startMs, end: endMs, tier: choice) {
                // Staleness markers mean "no value here"; Prometheus never returns them either.
                let kept = data.timestamps.indices.filter { data.values[$0].bitPattern != StaleMarker.bitPattern }
                rows.append((data.labels, kept.map { data.timestamps[$0] }, kept.map { data.values[$0] }))
            }
        }
        rows.sort { $0.labels.description < $1.labels.description }
        if plot {
            let series = rows.map { ChartSeries(name: $0.labels.description, timestamps: $0.timestamps, values: $0.values) }
            TerminalChart.render(series: series, start: startMs, end: endMs, unit: unit, width: chartWidth, colors: Terminal.stdoutWantsColour)
                .forEach(Terminal.out)
            return
        }
        switch format {
        case .json: Terminal.out(PrometheusJSON.matrix(rows))
        case .csv: QueryOutput.csv(rows).forEach(Terminal.out)
        case .table: QueryOutput.table(rows).forEach(Terminal.out)
        }
    }

    private func instantQuery(_ expr: PromQLExpr, now: Int64, tier: Store.TierChoice) throws {
        let at: Int64
        do {
            at = try TimeExpression.parse(time ?? "now", now: now)
        } catch {
            throw ValidationError("--time: \(error.message)")
        }
        let store = try Store.open(directory: data.dataDir, readOnly: true)
        let engine = PromQLEngine(source: StoreSampleSource(store: store, tier: tier))
        let value = try engine.instantQuery(expr, at: at)
        switch format {
        case .json: Terminal.out(PrometheusJSON.instant(value, at: at))
        case .csv: QueryOutput.csv(value, at: at).forEach(Terminal.out)
        case .table: QueryOutput.table(value, at: at).forEach(Terminal.out)
        }
    }
}

/// Renders query results as CSV and as tables; JSON is SondeRules' `PrometheusJSON`.
enum QueryOutput {
    typealias Row = PrometheusJSON.Series

    static func csv(_ value: PromQLValue, at time: Int64) -> [String] {
        let stamp = TimestampFormat.unixSeconds(milliseconds: time)
        switch value {
        case .scalar(let number): return ["series,timestamp,value", ",\(stamp),\(ValueFormat.string(number))"]
        case .string(let text): return ["series,timestamp,value", ",\(stamp),\(csvField(text))"]
        case .matrix(let series): return csv(series.map { ($0.labels, $0.timestamps, $0.values) })
        case .vector(let samples):
            return ["series,timestamp,value"] + sortedSamples(samples).map {
                "\(csvField($0.labels.description)),\(stamp),\(ValueFormat.string($0.value))"
            }
        }
    }

    /// promtool's instant-query form: `series => value @[time]`.
    static func table(_ value: PromQLValue, at time: Int64) -> [String] {
        let stamp = TimestampFormat.unixSeconds(milliseconds: time)
        switch value {
        case .scalar(let number): return ["scalar: \(ValueFormat.string(number)) @[\(stamp)]"]
        case .string(let text): return ["string: \(text) @[\(stamp)]"]
        case .matrix(let series): return table(series.map { ($0.labels, $0.timestamps, $0.values) })
        case .vector(let samples):
            let lines = sortedSamples(samples).map { "\($0.labels.pairs.isEmpty ? "{}" : $0.labels.description) => \(ValueFormat.string($0.value)) @[\(stamp)]" }
            return lines.isEmpty ? ["no series matched"] : lines
        }
    }

    static func sortedSamples(_ samples: [PromQLSample]) -> [PromQLSample] {
        samples.sorted { $0.labels.description < $1.labels.description }
    }

    static func csv(_ rows: [Row]) -> [String] {
        var lines = ["series,timestamp,value"]
        for row in rows {
            let series = csvField(row.labels.description)
            for position in row.timestamps.indices {
                lines.append("\(series),\(TimestampFormat.unixSeconds(milliseconds: row.timestamps[position])),\(ValueFormat.string(row.values[position]))")
            }
        }
        return lines
    }

    static func table(_ rows: [Row]) -> [String] {
        var lines: [String] = []
        for row in rows {
            lines.append("\(row.labels)  (\(row.timestamps.count) points)")
            for position in row.timestamps.indices {
                lines.append("  \(TimestampFormat.rfc3339(milliseconds: row.timestamps[position]))  \(ValueFormat.string(row.values[position]))")
            }
        }
        if rows.isEmpty { lines.append("no series matched") }
        return lines
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        var out = "\""
        for character in text {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out + "\""
    }
}
