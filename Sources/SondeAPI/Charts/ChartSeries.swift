/// One line on a chart: the legend text and its points. Timestamps are Unix milliseconds in
/// ascending order; values that are NaN or infinite are drawn as gaps, never clamped to the axis.
///
/// `Equatable` compares values as `Double` does, so a series holding NaN is not equal to itself.
public struct ChartSeries: Sendable, Equatable {
    /// Legend text, e.g. `{cpu="0",mode="user"}` or `node_load1`.
    public var name: String
    public var timestamps: [Int64]
    public var values: [Double]

    public init(name: String, timestamps: [Int64], values: [Double]) {
        self.name = name
        self.timestamps = timestamps
        self.values = values
    }
}

/// A point that can be drawn: its value is finite and its time lies in the chart's range.
struct ChartPoint: Equatable {
    var time: Int64
    var value: Double
}

extension ChartSeries {
    /// The runs of points to join with lines. A run ends at a value that is not finite, at a point
    /// outside `start...end`, and where two consecutive points are further apart than 2.5 times the
    /// series' median spacing: a scrape that stopped for a while shows as a gap, not as a straight line.
    func segments(start: Int64, end: Int64) -> [[ChartPoint]] {
        let count = min(timestamps.count, values.count)
        let maximumStep = Double(medianSpacing(count: count)) * 2.5
        var segments: [[ChartPoint]] = []
        var current: [ChartPoint] = []
        for index in 0..<count {
            let time = timestamps[index]
            let value = values[index]
            if index > 0, maximumStep > 0, Double(time) - Double(timestamps[index - 1]) > maximumStep {
                if !current.isEmpty { segments.append(current) }
                current = []
            }
            if value.isFinite, time >= start, time <= end {
                current.append(ChartPoint(time: time, value: value))
            } else {
                if !current.isEmpty { segments.append(current) }
                current = []
            }
        }
        if !current.isEmpty { segments.append(current) }
        return segments
    }

    /// The value the legend shows: the last finite one, or the last one (NaN, ±Inf) when none is finite.
    var legendValue: Double? {
        let count = min(timestamps.count, values.count)
        return values[..<count].last(where: { $0.isFinite }) ?? values[..<count].last
    }

    /// 0 when there are fewer than two points or timestamps repeat: then no gap is detected.
    private func medianSpacing(count: Int) -> Int64 {
        guard count >= 2 else { return 0 }
        var spacings: [Int64] = []
        spacings.reserveCapacity(count - 1)
        for index in 1..<count {
            let (spacing, overflow) = timestamps[index].subtractingReportingOverflow(timestamps[index - 1])
            spacings.append(overflow ? Int64.max : spacing)
        }
        spacings.sort()
        return max(0, spacings[spacings.count / 2])
    }
}

/// What both renderers draw: the series that fit, cut into segments, and the range of their values.
struct ChartData {
    struct Line {
        var series: ChartSeries
        var segments: [[ChartPoint]]
    }

    var lines: [Line]
    /// Series beyond `maxSeries`, counted in the legend as "+N more".
    var hiddenCount: Int
    var start: Int64
    var end: Int64
    /// Smallest and largest drawable value; nil when there is no finite point in the range.
    var valueBounds: (minimum: Double, maximum: Double)?

    init(series: [ChartSeries], start: Int64, end: Int64, maxSeries: Int) {
        let shown = series.prefix(max(0, maxSeries))
        self.start = start
        self.end = end
        self.hiddenCount = series.count - shown.count
        self.lines = shown.map { Line(series: $0, segments: $0.segments(start: start, end: end)) }
        var bounds: (minimum: Double, maximum: Double)?
        for line in lines {
            for point in line.segments.joined() {
                bounds = (min(bounds?.minimum ?? point.value, point.value), max(bounds?.maximum ?? point.value, point.value))
            }
        }
        self.valueBounds = bounds
    }

    /// Where `time` lies between start (0) and end (1). Computed in Double so extreme ranges cannot overflow.
    func timeFraction(_ time: Int64) -> Double {
        let span = max(Double(end) - Double(start), 1)
        return (Double(time) - Double(start)) / span
    }
}
