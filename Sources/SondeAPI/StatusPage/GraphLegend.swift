import SondeCore
import SondeRules

/// The legend text of each series of a chart: only what tells the lines apart. The chart's title
/// already says what is drawn, so a metric name or a label every line shares (`app="myapp"` when
/// there is one app) is noise; a series with nothing left is named by the title.
enum GraphLegend {
    static func chartSeries(_ series: [PromQLSeries], title: String) -> [ChartSeries] {
        let shared = sharedLabels(series)
        return series.map { one in
            let distinct = Labels(one.labels.pairs.filter { $0.name != Labels.metricNameLabel && !shared.contains($0) })
            let name = distinct.pairs.isEmpty ? title : distinct.description
            return ChartSeries(name: name, timestamps: one.timestamps, values: one.values)
        }
    }

    /// The labels (name and value) that every series has; none with a single series, whose labels
    /// are all it has to show.
    private static func sharedLabels(_ series: [PromQLSeries]) -> Set<Label> {
        guard series.count > 1, let first = series.first else { return [] }
        var shared = Set(first.labels.pairs)
        for other in series.dropFirst() { shared.formIntersection(other.labels.pairs) }
        return shared
    }
}
