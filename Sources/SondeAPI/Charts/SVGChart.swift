/// Line charts as standalone SVG documents, for the status page and for alert notifications.
///
/// The document holds only shapes and text with inline attributes: no scripts, no links, no external
/// fonts or images, so it can be served under `default-src 'none'; style-src 'unsafe-inline'` and
/// embedded with `<img>`. Everything that comes from the caller is stripped of control characters and
/// XML-escaped.
///
/// `height` is the height of the chart itself (title, plot, time axis); the legend adds one 16-pixel
/// row per series below it, so many series do not squeeze the plot.
public enum SVGChart {
    /// Tableau 10: distinguishable from each other, and for the common kinds of colour blindness.
    static let palette = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ]
    static let legendRowHeight = 16
    /// Roughly the advance of one character of the 11-pixel sans-serif labels.
    static let characterWidth = 6.5

    /// A complete SVG document showing `series` between `start` and `end` (Unix milliseconds). See the
    /// type's description for what it contains; with no finite point it shows the frame and "no data".
    public static func render(
        title: String, series: [ChartSeries], start: Int64, end: Int64,
        unit: ChartUnit = .plain, width: Int = 640, height: Int = 240, maxSeries: Int = 10
    ) -> String {
        let width = max(width, 200)
        let height = max(height, 120)
        let data = ChartData(series: series, start: start, end: end, maxSeries: maxSeries)
        let legendRows = data.lines.count + (data.hiddenCount > 0 ? 1 : 0)
        let totalHeight = height + (legendRows > 0 ? legendRows * legendRowHeight + 8 : 0)

        var valueTicks: [Double] = []
        if let bounds = data.valueBounds {
            let range = AxisScale.dataRange(minimum: bounds.minimum, maximum: bounds.maximum)
            valueTicks = AxisScale.niceTicks(lower: range.lower, upper: range.upper, maxCount: 6, unit: unit)
        }
        let valueLabels = valueTicks.map { ValueLabel.string($0, unit: unit) }
        let widestValueLabel = valueLabels.map(\.count).max() ?? 0
        let plot = PlotArea(
            left: 12 + Double(widestValueLabel) * characterWidth, top: 30,
            right: Double(width) - 16, bottom: Double(height) - 26)

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(totalHeight)\" "
        svg += "viewBox=\"0 0 \(width) \(totalHeight)\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n"
        let cleanTitle = ChartText.xmlEscaped(ChartText.cleaned(title, maxCharacters: Int(Double(width - 24) / 7.5)))
        svg += "<title>\(cleanTitle)</title>\n"
        svg += "<rect width=\"\(width)\" height=\"\(totalHeight)\" fill=\"#ffffff\"/>\n"
        svg += "<text x=\"12\" y=\"19\" font-size=\"13\" font-weight=\"bold\" fill=\"#222222\">\(cleanTitle)</text>\n"

        // Grid and labels of the value axis; the first and last tick are the bottom and top of the plot.
        svg += "<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n"
        for tick in valueTicks {
            let y = plot.y(fraction: AxisScale.fraction(of: tick, ticks: valueTicks))
            svg += "<line x1=\"\(number(plot.left))\" y1=\"\(number(y))\" x2=\"\(number(plot.right))\" y2=\"\(number(y))\"/>\n"
        }
        let labelWidth = Double(TimeTicks.widestLabel(start: start, end: end)) * characterWidth + 24
        let timeTicks = TimeTicks.axis(start: start, end: end, maxCount: max(2, Int(plot.width / labelWidth)))
        for (time, _) in timeTicks {
            let x = plot.x(fraction: data.timeFraction(time))
            svg += "<line x1=\"\(number(x))\" y1=\"\(number(plot.top))\" x2=\"\(number(x))\" y2=\"\(number(plot.bottom))\"/>\n"
        }
        svg += "</g>\n"
        svg += "<rect x=\"\(number(plot.left))\" y=\"\(number(plot.top))\" width=\"\(number(plot.width))\" height=\"\(number(plot.height))\" "
        svg += "fill=\"none\" stroke=\"#999999\" stroke-width=\"1\"/>\n"

        svg += "<g fill=\"#555555\" text-anchor=\"end\">\n"
        for (tick, label) in zip(valueTicks, valueLabels) {
            let y = plot.y(fraction: AxisScale.fraction(of: tick, ticks: valueTicks)) + 4
            svg += "<text x=\"\(number(plot.left - 5))\" y=\"\(number(y))\">\(ChartText.xmlEscaped(label))</text>\n"
        }
        svg += "</g>\n<g fill=\"#555555\" text-anchor=\"middle\">\n"
        for (time, label) in timeTicks {
            let x = plot.x(fraction: data.timeFraction(time))
            // A label centred on a tick near an edge would be cut off: start or end it at the tick instead.
            let halfLabel = Double(label.count) * characterWidth / 2
            let anchor = x - halfLabel < 2 ? " text-anchor=\"start\"" : x + halfLabel > Double(width) - 2 ? " text-anchor=\"end\"" : ""
            svg += "<text x=\"\(number(x))\" y=\"\(number(plot.bottom + 16))\"\(anchor)>\(label)</text>\n"
        }
        svg += "</g>\n"

        if data.valueBounds == nil {
            svg += "<text x=\"\(number((plot.left + plot.right) / 2))\" y=\"\(number((plot.top + plot.bottom) / 2 + 5))\" "
            svg += "text-anchor=\"middle\" font-size=\"14\" fill=\"#888888\">no data</text>\n"
        }
        for (index, line) in data.lines.enumerated() {
            let colour = palette[index % palette.count]
            for segment in line.segments {
                var points = segment.map { point in
                    "\(number(plot.x(fraction: data.timeFraction(point.time)))),\(number(plot.y(fraction: AxisScale.fraction(of: point.value, ticks: valueTicks))))"
                }
                if points.count == 1 { points.append(points[0]) }  // a lone point: a zero-length line with round caps is a dot
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-linejoin=\"round\" "
                svg += "stroke-linecap=\"round\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
        }

        // The legend: a swatch, the name and the last value of each drawn series.
        for (index, line) in data.lines.enumerated() {
            let baseline = height + 4 + index * legendRowHeight + 12
            let name = ChartText.xmlEscaped(ChartText.cleaned(line.series.name, maxCharacters: 60))
            let value = line.series.legendValue.map { ValueLabel.string($0, unit: unit) } ?? "no data"
            svg += "<rect x=\"12\" y=\"\(baseline - 9)\" width=\"10\" height=\"10\" rx=\"2\" fill=\"\(palette[index % palette.count])\"/>\n"
            svg += "<text x=\"28\" y=\"\(baseline)\" fill=\"#222222\">\(name)"
            svg += "<tspan dx=\"8\" font-weight=\"bold\">\(ChartText.xmlEscaped(value))</tspan></text>\n"
        }
        if data.hiddenCount > 0 {
            let baseline = height + 4 + data.lines.count * legendRowHeight + 12
            svg += "<text x=\"28\" y=\"\(baseline)\" fill=\"#666666\">+\(data.hiddenCount) more</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    struct PlotArea {
        var left, top, right, bottom: Double
        var width: Double { right - left }
        var height: Double { bottom - top }
        func x(fraction: Double) -> Double { left + fraction * width }
        func y(fraction: Double) -> Double { bottom - fraction * height }
    }

    /// A coordinate with at most one decimal: "12", "12.5". Tenths of a pixel are finer than any screen.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int64((min(max(value, -1e9), 1e9) * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let whole = tenths.magnitude / 10
        let tenth = tenths.magnitude % 10
        return tenth == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(tenth)"
    }
}
