/// CloudWatch's published prices for what the shipper causes (us-east-1, in US dollars; other
/// regions differ by a few percent): custom metrics per month in tiers, and PutMetricData requests.
/// A metric is one namespace, name and set of dimensions; it is billed for a month once any datum
/// reaches it, prorated by the hour.
public enum CloudWatchPricing {
    /// (metrics in the tier, dollars per metric and month).
    public static let metricTiers: [(count: Int, dollars: Double)] = [(10_000, 0.30), (240_000, 0.10), (750_000, 0.05), (Int.max, 0.02)]
    /// Dollars per 1,000 PutMetricData requests.
    public static let dollarsPerThousandRequests = 0.01
    /// Minutes in the month CloudWatch bills by (30 days).
    public static let minutesPerMonth = 43_200

    /// The month's cost of `metrics` distinct metrics.
    public static func metricsCost(_ metrics: Int) -> Double {
        var left = metrics
        var dollars = 0.0
        for tier in metricTiers where left > 0 {
            let here = min(left, tier.count)
            dollars += Double(here) * tier.dollars
            left -= here
        }
        return dollars
    }

    /// The month's cost of `requests` PutMetricData requests.
    public static func requestsCost(_ requests: Int) -> Double {
        Double(requests) / 1000 * dollarsPerThousandRequests
    }
}
