/// Line charts as lines of text for `sonde query` and other terminal output.
///
/// The plot is drawn with Unicode braille (U+2800…U+28FF): each character cell holds 2 × 4 dots, so
/// lines are four times finer vertically than with block characters. The output is `height` plot rows,
/// an axis rule, a row of UTC time labels, then one legend line per drawn series and "+N more" when
/// some were left out. With `colors`, series get ANSI colours (the later series colours a shared cell);
/// without, no escape code is written at all, and each series' marker character is drawn at its last
/// point so lines can still be told apart. Control characters in names are removed either way.
public enum TerminalChart {
    /// Blue, yellow, red, cyan, green, magenta: the foreground colours readable on dark and light backgrounds.
    static let colourCodes = [34, 33, 31, 36, 32, 35]
    static let markers: [Character] = ["*", "+", "o", "x", "#", "@", "%", "&"]

    public static func render(
        series: [ChartSeries], start: Int64, end: Int64, unit: ChartUnit = .plain,
        width: Int = 72, height: Int = 16, colors: Bool = false, maxSeries: Int = 8
    ) -> [String] {
        let width = max(width, 10)
        let height = max(height, 3)
        let data = ChartData(series: series, start: start, end: end, maxSeries: maxSeries)
        guard let bounds = data.valueBounds else { return ["no data"] }
        let range = AxisScale.dataRange(minimum: bounds.minimum, maximum: bounds.maximum)
        // No more labels than rows, so each sits on a row of its own.
        let ticks = AxisScale.niceTicks(lower: range.lower, upper: range.upper, maxCount: min(5, height), unit: unit)

        var canvas = BrailleCanvas(width: width, height: height)
        for (index, line) in data.lines.enumerated() {
            for segment in line.segments {
                let dots = segment.map { point in
                    (x: canvas.dotColumn(data.timeFraction(point.time)),
                     y: canvas.dotRow(AxisScale.fraction(of: point.value, ticks: ticks)))
                }
                for (from, to) in zip(dots, dots.dropFirst()) { canvas.drawLine(from: from, to: to, series: index) }
                if let only = dots.first, dots.count == 1 { canvas.drawLine(from: only, to: only, series: index) }
            }
            if !colors, let last = line.segments.last?.last {
                let dot = (x: canvas.dotColumn(data.timeFraction(last.time)),
                           y: canvas.dotRow(AxisScale.fraction(of: last.value, ticks: ticks)))
                canvas.mark(dot, with: markers[index % markers.count], series: index)
            }
        }

        // The value axis: a label on the row of each tick, right-aligned in a gutter.
        var rowLabels = [String?](repeating: nil, count: height)
        for tick in ticks {
            rowLabels[canvas.dotRow(AxisScale.fraction(of: tick, ticks: ticks)) / 4] = ValueLabel.string(tick, unit: unit)
        }
        let gutter = rowLabels.map { $0?.count ?? 0 }.max() ?? 0
        var lines: [String] = []
        for row in 0..<height {
            let label = rowLabels[row] ?? ""
            let axis = rowLabels[row] == nil ? " │" : " ┤"
            lines.append(String(repeating: " ", count: gutter - label.count) + label + axis + canvas.row(row, colours: colors))
        }
        let (rule, timeLabels) = timeAxis(data: data, canvas: canvas, plotColumn: gutter + 2)
        lines.append(String(repeating: " ", count: gutter) + " └" + rule)
        lines.append(timeLabels)

        for (index, line) in data.lines.enumerated() {
            let marker = String(markers[index % markers.count])
            let swatch = colors ? "\u{1B}[\(colourCodes[index % colourCodes.count])m\(marker)\u{1B}[0m" : marker
            let value = line.series.legendValue.map { ValueLabel.string($0, unit: unit) } ?? "no data"
            lines.append("\(swatch) \(ChartText.cleaned(line.series.name, maxCharacters: 60))  \(value)")
        }
        if data.hiddenCount > 0 { lines.append("+\(data.hiddenCount) more") }
        return lines
    }

    /// The rule under the plot with a "┬" at each tick, and the line of time labels centred under them.
    /// When fewer than two labels fit, the start and end of the range are labelled instead.
    private static func timeAxis(data: ChartData, canvas: BrailleCanvas, plotColumn: Int) -> (rule: String, labels: String) {
        let lineWidth = plotColumn + canvas.width
        let labelWidth = TimeTicks.widestLabel(start: data.start, end: data.end)
        let ticks = TimeTicks.axis(start: data.start, end: data.end, maxCount: min(5, max(2, lineWidth / (labelWidth + 2))))
        var rule = [Character](repeating: "─", count: canvas.width)
        var text = [Character](repeating: " ", count: lineWidth)
        var placed = 0
        var firstFreeColumn = 0
        for (time, label) in ticks {
            let cell = canvas.dotColumn(data.timeFraction(time)) / 2
            let begin = min(max(plotColumn + cell - label.count / 2, 0), lineWidth - label.count)
            guard begin >= firstFreeColumn else { continue }
            text.replaceSubrange(begin..<(begin + label.count), with: label)
            rule[cell] = "┬"
            firstFreeColumn = begin + label.count + 1
            placed += 1
        }
        if placed < 2 {
            let span = data.end &- data.start
            let step = span <= TimeTicks.day * 2 ? TimeTicks.minute : TimeTicks.day
            let first = TimeTicks.label(data.start, step: step, span: span)
            let last = TimeTicks.label(data.end, step: step, span: span)
            rule = [Character](repeating: "─", count: canvas.width)
            text = [Character](repeating: " ", count: lineWidth)
            let firstBegin = max(0, min(plotColumn, lineWidth - first.count - last.count - 1))
            text.replaceSubrange(firstBegin..<(firstBegin + first.count), with: first)
            text.replaceSubrange((lineWidth - last.count)..<lineWidth, with: last)
        }
        while text.last == " " { text.removeLast() }
        return (String(rule), String(text))
    }
}

/// A grid of braille cells to draw dots and lines on. Dot coordinates run from the top left,
/// `width * 2` across and `height * 4` down.
struct BrailleCanvas {
    let width: Int
    let height: Int
    private var dots: [UInt8]
    /// The series that last drew in each cell, which gives the cell its colour; -1 for none.
    private var owners: [Int]
    private var markers: [Character?]

    /// The bit of each dot in a cell, by row then column (Unicode's braille dot numbering).
    private static let dotBits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        dots = [UInt8](repeating: 0, count: width * height)
        owners = [Int](repeating: -1, count: width * height)
        markers = [Character?](repeating: nil, count: width * height)
    }

    /// The dot column of a position from 0 (left) to 1 (right); out-of-range and NaN land on the edge.
    func dotColumn(_ fraction: Double) -> Int { Self.scaled(fraction, to: width * 2 - 1) }
    /// The dot row of a position from 0 (bottom) to 1 (top).
    func dotRow(_ fraction: Double) -> Int { height * 4 - 1 - Self.scaled(fraction, to: height * 4 - 1) }

    private static func scaled(_ fraction: Double, to last: Int) -> Int {
        guard fraction.isFinite else { return 0 }
        return Int((min(max(fraction, 0), 1) * Double(last)).rounded())
    }

    /// Bresenham's line: every dot between the two ends, both included.
    mutating func drawLine(from: (x: Int, y: Int), to: (x: Int, y: Int), series: Int) {
        let deltaX = abs(to.x - from.x)
        let deltaY = -abs(to.y - from.y)
        let stepX = from.x < to.x ? 1 : -1
        let stepY = from.y < to.y ? 1 : -1
        var (x, y) = from
        var error = deltaX + deltaY
        while true {
            setDot(x: x, y: y, series: series)
            if x == to.x && y == to.y { break }
            let doubled = 2 * error
            if doubled >= deltaY { error += deltaY; x += stepX }
            if doubled <= deltaX { error += deltaX; y += stepY }
        }
    }

    mutating func mark(_ dot: (x: Int, y: Int), with marker: Character, series: Int) {
        let cell = (dot.y / 4) * width + dot.x / 2
        markers[cell] = marker
        owners[cell] = series
    }

    private mutating func setDot(x: Int, y: Int, series: Int) {
        let cell = (y / 4) * width + x / 2
        dots[cell] |= Self.dotBits[y % 4][x % 2]
        owners[cell] = series
    }

    /// One row of cells; with colours, each run of cells of one series is wrapped in its escape codes.
    func row(_ row: Int, colours: Bool) -> String {
        var text = ""
        var currentOwner = -1
        for cell in (row * width)..<((row + 1) * width) {
            let owner = dots[cell] == 0 && markers[cell] == nil ? -1 : owners[cell]
            if colours, owner != currentOwner {
                if currentOwner >= 0 { text += "\u{1B}[0m" }
                if owner >= 0 { text += "\u{1B}[\(TerminalChart.colourCodes[owner % TerminalChart.colourCodes.count])m" }
                currentOwner = owner
            }
            if let marker = markers[cell] {
                text.append(marker)
            } else if dots[cell] == 0 {
                text += " "
            } else {
                text.unicodeScalars.append(Unicode.Scalar(0x2800 + UInt32(dots[cell])) ?? " ")
            }
        }
        if colours, currentOwner >= 0 { text += "\u{1B}[0m" }
        return text
    }
}
