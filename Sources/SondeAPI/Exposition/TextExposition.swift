import SondeCore

/// Prometheus' text exposition format 0.0.4, and OpenMetrics 1.0 for scrapers that ask for it.
/// Samples are grouped into families by metric name, each with a `# TYPE` line.
enum TextExposition {
    enum Format {
        case prometheus
        case openMetrics

        var contentType: String {
            switch self {
            case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
            case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }

        /// OpenMetrics when the `Accept` header lists it, as Prometheus 2.x asks; the text format otherwise.
        static func negotiate(_ accept: String?) -> Format {
            guard let accept, accept.contains("application/openmetrics-text") else { return .prometheus }
            // A q=0 on it refuses it.
            for part in accept.split(separator: ",") where part.contains("application/openmetrics-text") {
                if part.replacing(" ", with: "").contains(";q=0,") || part.replacing(" ", with: "").hasSuffix(";q=0") { return .prometheus }
            }
            return .openMetrics
        }
    }

    struct Sample {
        var labels: Labels
        var value: Double
        var timestamp: Int64?
    }

    /// `typed`: name-inferred types (counter for `_total`) for sonde's own metrics; otherwise every
    /// family is `untyped` (`unknown` in OpenMetrics), as Prometheus' `/federate` writes them.
    static func render(_ samples: [Sample], format: Format, typed: Bool) -> String {
        var byName: [String: [Sample]] = [:]
        for sample in samples { byName[sample.labels.metricName, default: []].append(sample) }
        var out = ""
        out.reserveCapacity(samples.count * 96)
        for name in byName.keys.sorted() {
            let family = byName[name]!.sorted { $0.labels.description < $1.labels.description }
            let isCounter = typed && name.hasSuffix("_total")
            switch format {
            case .prometheus:
                out += "# TYPE \(name) \(isCounter ? "counter" : typed ? "gauge" : "untyped")\n"
            case .openMetrics:
                // An OpenMetrics counter family is named without `_total`; its samples keep it.
                let familyName = isCounter ? String(name.dropLast("_total".count)) : name
                out += "# TYPE \(familyName) \(isCounter ? "counter" : typed ? "gauge" : "unknown")\n"
            }
            for sample in family {
                out += name
                let pairs = sample.labels.pairs.filter { $0.name != Labels.metricNameLabel }
                if !pairs.isEmpty {
                    out += "{"
                    for (index, pair) in pairs.enumerated() {
                        if index > 0 { out += "," }
                        out += pair.name + "=\"" + escape(pair.value) + "\""
                    }
                    out += "}"
                }
                out += " " + ValueFormat.string(sample.value)
                if let timestamp = sample.timestamp {
                    switch format {
                    case .prometheus: out += " \(timestamp)"
                    case .openMetrics: out += " " + TimestampFormat.unixSeconds(milliseconds: timestamp)
                    }
                }
                out += "\n"
            }
        }
        if format == .openMetrics { out += "# EOF\n" }
        return out
    }

    /// A label value as the exposition formats escape it: backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else { return value }
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
