import SondeCore
import SondeRules
import SondeStore

/// Prometheus' parameter parsing: times as Unix seconds (`1795331271.5`) or RFC 3339, durations as
/// seconds (`15`, `0.5`) or Prometheus durations (`15s`, `1m30s`), selectors as PromQL writes them.
enum PrometheusParameters {
    static func time(_ parameters: RequestParameters, _ name: String, default fallback: Int64) throws(APIError) -> Int64 {
        guard let text = parameters[name], !text.isEmpty else { return fallback }
        return try time(text, name: name)
    }

    static func time(_ text: String, name: String) throws(APIError) -> Int64 {
        // Prometheus' min and max times, which clients send for "all time".
        if text == "-292273086-05-16T16:47:06Z" || text == "-9223372036854775808" { return Int64.min / 2 }
        if text == "292277026596-12-04T15:30:07Z" || text == "9223372036854775807" { return Int64.max / 2 }
        if let seconds = Double(text) {
            guard seconds.isFinite, abs(seconds) < 9e12 else { throw APIError.badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp") }
            return Int64((seconds * 1000).rounded())
        }
        do {
            return try TimeExpression.parse(text, now: 0)
        } catch {
            throw APIError.badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
        }
    }

    /// A duration in milliseconds.
    static func duration(_ text: String, name: String) throws(APIError) -> Int64 {
        if let seconds = Double(text) {
            guard seconds.isFinite, abs(seconds) < 9e12 else { throw APIError.badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration. It overflows int64") }
            return Int64((seconds * 1000).rounded())
        }
        do {
            return try DurationParser.parse(text)
        } catch {
            throw APIError.badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration")
        }
    }

    static func selectors(_ texts: [String]) throws(APIError) -> [SeriesSelector] {
        var selectors: [SeriesSelector] = []
        for text in texts {
            do {
                let selector = try SeriesSelector.parse(text)
                // Prometheus refuses selectors that would match every series.
                guard selector.matchers.contains(where: { !$0.matchesEmpty }) else {
                    throw APIError.badData("invalid parameter \"match[]\": match[] must contain at least one non-empty matcher")
                }
                selectors.append(selector)
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.badData("invalid parameter \"match[]\": \(error)")
            }
        }
        return selectors
    }

    static func expression(_ parameters: RequestParameters) throws(APIError) -> PromQLExpr {
        try expression(parameters["query"], name: "query")
    }

    /// The PromQL in parameter `name` (`query` for the query API, `expr` for `/graph`). Errors read
    /// `invalid parameter "query": 1:15: parse error: unclosed left parenthesis`; without
    /// `naming` the parameter, as Prometheus' `query_range` words them.
    static func expression(_ text: String?, name: String, naming: Bool = true) throws(APIError) -> PromQLExpr {
        let prefix = naming ? "invalid parameter \"\(name)\": " : ""
        guard let text, !text.isEmpty else { throw APIError.badData(prefix + "unknown position: parse error: no expression found in input") }
        guard text.utf8.count <= 256 * 1024 else { throw APIError.badData("invalid parameter \"\(name)\": longer than 256 KiB") }
        do {
            return try PromQLParser.parse(text)
        } catch {
            throw APIError.badData(prefix + "\(error.line):\(error.column): parse error: \(error.message)")
        }
    }

    /// Thanos' `max_source_resolution`: the coarsest rollup the answer may draw on for what the
    /// raw ring no longer holds (`raw` or `0s`: raw samples only; `1m`; `1h` or `auto`, the default).
    static func maxSourceResolution(_ parameters: RequestParameters) throws(APIError) -> Tier {
        switch parameters["max_source_resolution"] ?? "auto" {
        case "", "auto", "1h": return .hour
        case "1m": return .minute
        case "raw", "0s", "0": return .raw
        case let text: throw APIError.badData("invalid parameter \"max_source_resolution\": expected auto, raw, 1m or 1h, got \"\(text)\"")
        }
    }

    static func tier(_ parameters: RequestParameters) throws(APIError) -> Store.TierChoice {
        guard let text = parameters["tier"], !text.isEmpty, text != "auto" else { return .automatic }
        guard let tier = Tier(name: text) else { throw APIError.badData("invalid parameter \"tier\": expected auto, raw, 1m or 1h, got \"\(text)\"") }
        return .tier(tier)
    }
}
