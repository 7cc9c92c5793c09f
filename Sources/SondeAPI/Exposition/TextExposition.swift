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
    /// Families are sorted by name and samples by their labels, compared label by label as
    /// Prometheus compares label sets. Written straight into bytes: a scrape of 10,000 series
    /// should not build 10,000 intermediate strings.
    static func render(_ samples: [Sample], format: Format, typed: Bool) -> [UInt8] {
        var byName: [String: [Sample]] = [:]
        for sample in samples { byName[sample.labels.metricName, default: []].append(sample) }
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 96)
        func append(_ text: String) { out.append(contentsOf: text.utf8) }
        for name in byName.keys.sorted() {
            let family = byName[name]!.sorted { $0.labels.pairs.lexicographicallyPrecedes($1.labels.pairs) }
            let isCounter = typed && name.hasSuffix("_total")
            switch format {
            case .prometheus:
                append("# TYPE \(name) \(isCounter ? "counter" : typed ? "gauge" : "untyped")\n")
            case .openMetrics:
                // An OpenMetrics counter family is named without `_total`; its samples keep it.
                let familyName = isCounter ? String(name.dropLast("_total".count)) : name
                append("# TYPE \(familyName) \(isCounter ? "counter" : typed ? "gauge" : "unknown")\n")
            }
            for sample in family {
                append(name)
                var first = true
                for pair in sample.labels.pairs where pair.name != Labels.metricNameLabel {
                    out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
                    first = false
                    append(pair.name)
                    out.append(contentsOf: "=\"".utf8)
                    appendEscaped(pair.value, to: &out)
                    out.append(UInt8(ascii: "\""))
                }
                if !first { out.append(UInt8(ascii: "}")) }
                out.append(UInt8(ascii: " "))
                append(ValueFormat.string(sample.value))
                if let timestamp = sample.timestamp {
                    out.append(UInt8(ascii: " "))
                    switch format {
                    case .prometheus: append(String(timestamp))
                    case .openMetrics: append(TimestampFormat.unixSeconds(milliseconds: timestamp))
                    }
                }
                out.append(UInt8(ascii: "\n"))
            }
        }
        if format == .openMetrics { append("# EOF\n") }
        return out
    }

    /// Appends a label value escaped as the exposition formats escape it: backslash, double quote
    /// and newline.
    static func appendEscaped(_ value: String, to out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: out.append(byte)
            }
        }
    }
}
