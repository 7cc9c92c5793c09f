import ArgumentParser
import SondeCore
import SondeStore

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Read series from the store: raw samples, or values at step-aligned instants.",
        discussion: """
            SELECTOR is a Prometheus series selector: name{a="x",b=~"re.*",c!="y",d!~"z"}.
            T is RFC 3339 (2026-11-22T07:00:00Z), unix seconds (1795331271.5), now, or relative to now (-1h, now-30m).
            Without --step every stored sample in the range is printed; with it, the value at each step
            (the latest sample within 5 minutes, as Prometheus does). The tier is chosen from range and
            step unless --tier names one.

            Examples:
              sonde query node_load1 --start -15m
              sonde query 'node_cpu_seconds_total{mode="idle",cpu="0"}' --start now-24h --step 1m --format csv
              sonde query 'up{job=~"node|postgres"}' --start 2026-11-01T00:00:00Z --end now --step 1h --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @OptionGroup var data: DataDirOption

    @Argument(help: "A series selector.")
    var selector: String

    // `.unconditional`: relative times start with "-" (`--start -1h`) and must not be read as flags.
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

    func run() throws {
        let now = Store.now()
        let parsedSelector: SeriesSelector
        let endMs: Int64
        let startMs: Int64
        var stepMs: Int64?
        do {
            parsedSelector = try SeriesSelector.parse(selector)
        } catch {
            throw ValidationError("selector: \(error)")
        }
        do {
            endMs = try TimeExpression.parse(end, now: now)
            startMs = try start.map { (text) throws(ParseError) in try TimeExpression.parse(text, now: now) } ?? endMs - 3_600_000
            if let step {
                stepMs = try DurationParser.parse(step)
            }
        } catch {
            throw ValidationError("\(error.message)")
        }
        guard startMs <= endMs else { throw ValidationError("--start is after --end") }
        if let stepMs, stepMs <= 0 { throw ValidationError("--step must be positive") }
        if let stepMs, (endMs - startMs) / stepMs > 11_000 {
            throw ValidationError("too many points: (end - start) / step exceeds 11000, as in Prometheus; use a larger --step")
        }
        let choice: Store.TierChoice
        if tier == "auto" {
            choice = .automatic
        } else if let named = Tier(name: tier) {
            choice = .tier(named)
        } else {
            throw ValidationError("--tier: expected auto, raw, 1m or 1h, got \"\(tier)\"")
        }

        let store = try Store.open(directory: data.dataDir, readOnly: true)
        let readStart = stepMs == nil ? startMs : startMs - StepAlignment.defaultLookback
        var series = try store.select(parsedSelector.matchers, start: readStart, end: endMs, tier: choice, step: stepMs)
        series.sort { $0.labels.description < $1.labels.description }
        var rows: [(labels: Labels, timestamps: [Int64], values: [Double])] = []
        for data in series {
            if let stepMs {
                let aligned = StepAlignment.align(timestamps: data.timestamps, values: data.values, start: startMs, end: endMs, step: stepMs)
                if !aligned.timestamps.isEmpty { rows.append((data.labels, aligned.timestamps, aligned.values)) }
            } else {
                // Staleness markers mean "no value here"; Prometheus never returns them either.
                let kept = data.timestamps.indices.filter { data.values[$0].bitPattern != StaleMarker.bitPattern }
                rows.append((data.labels, kept.map { data.timestamps[$0] }, kept.map { data.values[$0] }))
            }
        }
        switch format {
        case .json: Terminal.out(QueryOutput.json(rows))
        case .csv: QueryOutput.csv(rows).forEach(Terminal.out)
        case .table: QueryOutput.table(rows).forEach(Terminal.out)
        }
    }
}

/// Renders query results in the three output formats.
enum QueryOutput {
    typealias Row = (labels: Labels, timestamps: [Int64], values: [Double])

    /// The `data` object of Prometheus' HTTP API for a range query.
    static func json(_ rows: [Row]) -> String {
        var out = "{\"resultType\":\"matrix\",\"result\":["
        for (index, row) in rows.enumerated() {
            if index > 0 { out += "," }
            out += "{\"metric\":{"
            for (position, pair) in row.labels.pairs.enumerated() {
                if position > 0 { out += "," }
                out += jsonString(pair.name) + ":" + jsonString(pair.value)
            }
            out += "},\"values\":["
            for position in row.timestamps.indices {
                if position > 0 { out += "," }
                out += "[" + TimestampFormat.unixSeconds(milliseconds: row.timestamps[position]) + ","
                out += jsonString(ValueFormat.string(row.values[position])) + "]"
            }
            out += "]}"
        }
        return out + "]}"
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

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
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
