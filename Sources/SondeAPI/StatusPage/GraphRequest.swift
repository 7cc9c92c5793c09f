import SondeCore
import SondeRules

/// What `/graph` is asked to draw: `expr` over the last `range`, with a title, a unit for the axis
/// and the legend, and a size. Every parameter is checked here, so a wrong one is a 400 that names
/// it, never a 500 and never a silently different chart.
struct GraphRequest: Sendable {
    var expr: PromQLExpr
    var title: String
    /// Milliseconds back from now.
    var range: Int64
    var unit: ChartUnit
    var width: Int
    var height: Int

    static let defaultRange: Int64 = 3_600_000
    /// A month; the 1-hour tier keeps far more, but a chart of a year at ~300 points says little.
    static let maximumRange: Int64 = 31 * 86_400_000
    /// About this many points per series: enough for a smooth line at the page's 600 pixels, few
    /// enough that a week of 10-second samples evaluates in milliseconds.
    static let points: Int64 = 300
    static let widths = 200...2000
    static let heights = 120...1200

    init(_ parameters: RequestParameters) throws(APIError) {
        let text = parameters["expr"]
        expr = try PrometheusParameters.expression(text, name: "expr")
        title = parameters["title"].flatMap { $0.isEmpty ? nil : $0 } ?? text ?? ""
        range = try Self.range(parameters["range"])
        let unitText = parameters["unit"] ?? ""
        if unitText.isEmpty {
            unit = .plain
        } else if let chosen = ChartUnit(rawValue: unitText) {
            unit = chosen
        } else {
            let known = ChartUnit.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badData("invalid parameter \"unit\": expected one of \(known), got \"\(unitText)\"")
        }
        width = try Self.size(parameters["width"], name: "width", default: 640, allowed: Self.widths)
        height = try Self.size(parameters["height"], name: "height", default: 240, allowed: Self.heights)
    }

    /// A chart's range: a Prometheus duration (`15m`, `1h`, `7d`, `1h30m`) or seconds, at most 31 days.
    static func range(_ text: String?) throws(APIError) -> Int64 {
        guard let text, !text.isEmpty else { return defaultRange }
        let range = try PrometheusParameters.duration(text, name: "range")
        guard range > 0, range <= maximumRange else {
            throw APIError.badData("invalid parameter \"range\": must be more than 0s and at most \(DurationParser.format(maximumRange)), got \"\(text)\"")
        }
        return range
    }

    /// The step that gives about `points` points over `range`: whole seconds, at least one, so the
    /// same range always gives the same step.
    static func step(forRange range: Int64) -> Int64 {
        let seconds = (range / points + 999) / 1000
        return max(1, seconds) * 1000
    }

    var step: Int64 { Self.step(forRange: range) }

    private static func size(_ text: String?, name: String, default fallback: Int, allowed: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text, !text.isEmpty else { return fallback }
        guard let value = Int(text), allowed.contains(value) else {
            let bounds = "\(allowed.lowerBound) to \(allowed.upperBound)"
            throw APIError.badData("invalid parameter \"\(name)\": expected a whole number of pixels from \(bounds), got \"\(text)\"")
        }
        return value
    }
}
