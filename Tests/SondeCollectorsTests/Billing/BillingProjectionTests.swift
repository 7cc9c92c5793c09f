import SondeAWS
import SondeCollectors
import Testing

/// Equal to within floating-point rounding (the projection divides and multiplies milliseconds).
func nearly(_ value: Double?, _ expected: Double) -> Bool {
    guard let value else { return false }
    return abs(value - expected) <= 1e-9 * max(1, abs(expected))
}

@Suite("Month-end projection of EstimatedCharges")
struct BillingProjectionTests {
    typealias Point = MetricDataResult.Point
    let hour: Int64 = 3_600_000

    @Test("month bounds: 28, 29, 30 and 31 days, and the year's turn")
    func monthBounds() {
        #expect(BillingProjection.monthBounds(containing: utc(2, 14, 12, year: 2023)) == (utc(2, 1, 0, year: 2023), utc(3, 1, 0, year: 2023)))
        #expect(BillingProjection.monthBounds(containing: utc(2, 29, 23, year: 2024)) == (utc(2, 1, 0), utc(3, 1, 0)))
        #expect(BillingProjection.monthBounds(containing: utc(2, 14, 0, year: 2100)).end - utc(2, 1, 0, year: 2100) == 28 * 24 * hour)  // not a leap year
        #expect(BillingProjection.monthBounds(containing: utc(2, 14, 0, year: 2000)).end - utc(2, 1, 0, year: 2000) == 29 * 24 * hour)  // a leap year
        #expect(BillingProjection.monthBounds(containing: utc(4, 30, 23)) == (utc(4, 1, 0), utc(5, 1, 0)))
        #expect(BillingProjection.monthBounds(containing: utc(12, 31, 23, year: 2023) + hour - 1) == (utc(12, 1, 0, year: 2023), utc(1, 1, 0, year: 2024)))
        #expect(BillingProjection.monthBounds(containing: utc(1, 1, 0)) == (utc(1, 1, 0), utc(2, 1, 0)))
    }

    @Test("linear through the earliest and latest points, to the month's last instant")
    func linear() {
        // April (30 days): $10 on the 1st at 00:00, $100 on the 10th at 00:00 → $10 a day for 21 more days.
        let points = [Point(timestamp: utc(4, 1, 0), value: 10), Point(timestamp: utc(4, 5, 0), value: 50), Point(timestamp: utc(4, 10, 0), value: 100)]
        #expect(nearly(BillingProjection.project(points, now: utc(4, 10, 3)), 310))
        // The same in May (31 days) reaches one day further.
        let may = points.map { Point(timestamp: $0.timestamp + 30 * 24 * hour, value: $0.value) }
        #expect(nearly(BillingProjection.project(may, now: utc(5, 10, 3)), 320))
        // Order of the input does not matter.
        #expect(nearly(BillingProjection.project(points.reversed(), now: utc(4, 10, 3)), 310))
    }

    @Test("February: 28 days in 2023, 29 in 2024")
    func february() {
        let common = [Point(timestamp: utc(2, 1, 0, year: 2023), value: 0), Point(timestamp: utc(2, 11, 0, year: 2023), value: 50)]
        #expect(nearly(BillingProjection.project(common, now: utc(2, 11, 1, year: 2023)), 140))
        let leap = [Point(timestamp: utc(2, 1, 0), value: 0), Point(timestamp: utc(2, 11, 0), value: 50)]
        #expect(nearly(BillingProjection.project(leap, now: utc(2, 11, 1)), 145))
    }

    @Test("the first hours of a month: no projection until six hours of points")
    func firstHours() {
        let points = [Point(timestamp: utc(3, 1, 1), value: 0.5), Point(timestamp: utc(3, 1, 5), value: 2)]
        #expect(BillingProjection.project(points, now: utc(3, 1, 6)) == nil)
        #expect(BillingProjection.project([Point(timestamp: utc(3, 1, 1), value: 40)], now: utc(3, 1, 2)) == nil)
        #expect(BillingProjection.project([], now: utc(3, 1, 2)) == nil)
        let later = points + [Point(timestamp: utc(3, 1, 7), value: 3)]
        #expect(nearly(BillingProjection.project(later, now: utc(3, 1, 8)), 3 + 2.5 / 6 * Double(31 * 24 - 7)))
    }

    @Test("a reset at the month boundary: last month's points do not count")
    func reset() {
        let points = [
            Point(timestamp: utc(1, 30, 0), value: 900), Point(timestamp: utc(1, 31, 18), value: 1000),
            Point(timestamp: utc(2, 1, 6), value: 2), Point(timestamp: utc(2, 2, 6), value: 12),
        ]
        #expect(BillingProjection.currentMonth(points, now: utc(2, 2, 7)).map(\.value) == [2, 12])
        #expect(nearly(BillingProjection.project(points, now: utc(2, 2, 7)), 12 + 10.0 / 24 * Double(27 * 24 + 18)))
        // Just after midnight, only January's points exist: nothing for February yet.
        #expect(BillingProjection.project(points.prefix(2).map { $0 }, now: utc(2, 1, 0) + 1) == nil)
        #expect(BillingProjection.currentMonth(points.prefix(2).map { $0 }, now: utc(2, 1, 0) + 1).isEmpty)
    }

    @Test("a falling estimate (a credit) projects the latest value, never less; future points are ignored")
    func falling() {
        let points = [Point(timestamp: utc(6, 1, 6), value: 80), Point(timestamp: utc(6, 15, 6), value: 50), Point(timestamp: utc(6, 20, 0), value: 500)]
        #expect(nearly(BillingProjection.project(points, now: utc(6, 16, 0)), 50))
    }
}
