import SondeCore
import Testing

@Suite struct TimeExpressionTests {
    static let now: Int64 = 1_795_331_271_500

    @Test(arguments: [
        ("2026-11-22T07:00:00Z", 1_795_330_800_000 as Int64),
        ("2026-11-22t07:00:00z", 1_795_330_800_000),
        ("2026-11-22 07:00:00Z", 1_795_330_800_000),
        ("2026-11-22T07:00:00.123+01:00", 1_795_327_200_123),
        ("2026-11-22T07:00:00.1Z", 1_795_330_800_100),
        ("2026-11-22T07:00:00.987654321Z", 1_795_330_800_987),
        ("2024-02-29T23:59:59-05:30", 1_709_270_999_000),
        ("1969-12-31T23:59:59Z", -1000),
        ("0001-01-01T00:00:00Z", -62_135_596_800_000),
        ("9999-12-31T23:59:59Z", 253_402_300_799_000),
        ("1795331271", 1_795_331_271_000),
        ("1795331271.5", 1_795_331_271_500),
        ("1795331271.0019", 1_795_331_271_001),
        ("0", 0),
        ("now", now),
        ("-1h", now - 3_600_000),
        ("-90m", now - 5_400_000),
        ("+5m", now + 300_000),
        ("now-1h", now - 3_600_000),
        ("now+1h30m", now + 5_400_000),
        ("now-0", now),
    ] as [(String, Int64)])
    func parsesTimes(text: String, expected: Int64) throws {
        #expect(try TimeExpression.parse(text, now: Self.now) == expected)
    }

    static let expectation =
        "expected an RFC 3339 time (2026-11-22T07:00:00Z), Unix seconds, \"now\" or a relative duration like \"-1h\""

    @Test(arguments: [
        ("", 1, "empty time, " + expectation),
        ("yesterday", 1, "unexpected \"y\", " + expectation),
        ("nowish", 4, "unexpected \"i\" after \"now\", expected \"-\" or \"+\" and a duration"),
        ("now-", 5, "unexpected end of input, expected a duration like 5m or 1h30m"),
        ("now-1x", 6, "unknown unit \"x\", expected ms, s, m, h, d, w or y"),
        ("-1", 3, "unexpected end of input, expected a unit (ms, s, m, h, d, w or y) after \"1\""),
        ("17953x", 6, "unexpected \"x\" in Unix seconds, " + expectation),
        ("1.2.3", 4, "unexpected \".\" in Unix seconds, " + expectation),
        ("99999999999999999", 1, "time \"99999999999999999\" is out of range"),
        ("2026-13-01T00:00:00Z", 6, "month 13 out of range 1-12"),
        ("2026-00-01T00:00:00Z", 6, "month 0 out of range 1-12"),
        ("2026-02-29T00:00:00Z", 9, "day 29 out of range 1-28"),
        ("2026-11-31T00:00:00Z", 9, "day 31 out of range 1-30"),
        ("2026-11-22T24:00:00Z", 12, "hour 24 out of range 0-23"),
        ("2026-11-22T23:60:00Z", 15, "minute 60 out of range 0-59"),
        ("2026-11-22T23:59:60Z", 18, "second 60 out of range 0-59"),
        ("2026-11-22", 11, "unexpected end of input, expected \"T\" and a time of day"),
        ("2026-11-22T7:00:00Z", 13, "unexpected \":\", expected an hour (2 digits)"),
        ("2026-11-22T07:00:00", 20, "unexpected end of input, expected a time zone offset (\"Z\" or like \"+01:00\")"),
        ("2026-11-22T07:00:00.Z", 21, "unexpected \"Z\", expected fractional seconds after \".\""),
        ("2026-11-22T07:00:00+0100", 23, "unexpected \"0\", expected \":\""),
        ("2026-11-22T07:00:00+24:00", 21, "offset hour 24 out of range 0-23"),
        ("2026-11-22T07:00:00ZZ", 21, "unexpected \"Z\", expected end of input"),
        ("2026-11-22T07:00:00 UTC", 20, "unexpected \" \", expected a time zone offset (\"Z\" or like \"+01:00\")"),
        ("2026/11/22", 5, "unexpected \"/\" in Unix seconds, " + expectation),
    ] as [(String, Int, String)])
    func rejectsMalformedTimes(text: String, column: Int, message: String) {
        #expect(throws: ParseError(line: 1, column: column, message: message)) {
            try TimeExpression.parse(text, now: Self.now)
        }
    }

    @Test func relativeOverflowIsAnError() {
        #expect(throws: ParseError(line: 1, column: 1, message: "time \"+1y\" is out of range")) {
            try TimeExpression.parse("+1y", now: Int64.max - 1)
        }
    }
}
