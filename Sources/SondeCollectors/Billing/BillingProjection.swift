import SondeAWS
import SondeCore

/// The month-end projection of AWS's `EstimatedCharges`, a pure function of the month's datapoints.
///
/// `EstimatedCharges` is the bill of the current calendar month (UTC) so far: it climbs through the
/// month and falls back to about zero when the next one starts. So only points of the month that
/// contains `now` count, and the projection starts over at each month boundary.
///
/// The projection is linear through the month's earliest and latest points: the latest value plus
/// the rate between the two, carried to the end of the month. Using the rate rather than
/// "charges so far / elapsed fraction" keeps charges billed once at the start of a month (support
/// plans, reserved-instance and Savings Plans fees, which arrive in the first datapoint) from being
/// multiplied up. A falling estimate (credits, refunds) never projects below the latest value.
/// Fewer than `minimumSpanMilliseconds` between the earliest and the latest point (the first hours
/// of a month) give no projection rather than a wild one.
public enum BillingProjection {
    /// Six hours: AWS publishes `EstimatedCharges` a few times a day.
    public static let minimumSpanMilliseconds: Int64 = 6 * 3_600_000

    /// The UTC calendar month containing `milliseconds`: its first instant and the first of the next.
    public static func monthBounds(containing milliseconds: Int64) -> (start: Int64, end: Int64) {
        CivilDate.monthBounds(containing: milliseconds)
    }

    /// The points of the month containing `now`, up to `now`, in time order.
    public static func currentMonth(_ points: [MetricDataResult.Point], now: Int64) -> [MetricDataResult.Point] {
        let month = monthBounds(containing: now)
        return points.filter { $0.timestamp >= month.start && $0.timestamp < month.end && $0.timestamp <= now }.sorted { $0.timestamp < $1.timestamp }
    }

    /// The projected charges at the end of the month containing `now`, or nil without enough of it.
    public static func project(_ points: [MetricDataResult.Point], now: Int64) -> Double? {
        let month = monthBounds(containing: now)
        let points = currentMonth(points, now: now)
        guard let first = points.first, let last = points.last else { return nil }
        let span = last.timestamp - first.timestamp
        guard span >= minimumSpanMilliseconds else { return nil }
        let rate = max(0, (last.value - first.value) / Double(span))
        return last.value + rate * Double(month.end - last.timestamp)
    }
}
