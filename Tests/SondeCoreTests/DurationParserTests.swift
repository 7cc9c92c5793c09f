import SondeCore
import Testing

@Suite struct DurationParserTests {
    @Test(arguments: [
        ("0", 0 as Int64),
        ("500ms", 500),
        ("10s", 10_000),
        ("5m", 300_000),
        ("1h30m", 5_400_000),
        ("2d", 172_800_000),
        ("1w", 604_800_000),
        ("1y", 31_536_000_000),
        ("1y2w3d4h5m6s7ms", 33_019_506_007),
        ("0s", 0),
        ("90m", 5_400_000),
        ("1m1ms", 60_001),
        ("0005s", 5000),
    ] as [(String, Int64)])
    func parsesPrometheusDurations(text: String, expected: Int64) throws {
        #expect(try DurationParser.parse(text) == expected)
    }

    @Test(arguments: [
        ("", 1, "unexpected end of input, expected a duration like 5m or 1h30m"),
        ("5", 2, "unexpected end of input, expected a unit (ms, s, m, h, d, w or y) after \"5\""),
        ("5x", 2, "unknown unit \"x\", expected ms, s, m, h, d, w or y"),
        ("5sec", 2, "unknown unit \"sec\", expected ms, s, m, h, d, w or y"),
        ("1.5h", 2, "unknown unit \".\", expected ms, s, m, h, d, w or y"),
        ("-5m", 1, "unexpected \"-\", expected a number"),
        ("h", 1, "unexpected \"h\", expected a number"),
        ("1m1h", 4, "unit \"h\" after \"m\", expected each unit at most once, from largest to smallest (y, w, d, h, m, s, ms)"),
        ("1m2m", 4, "unit \"m\" after \"m\", expected each unit at most once, from largest to smallest (y, w, d, h, m, s, ms)"),
        ("5m ", 3, "unexpected \" \", expected a number"),
        ("99999999999y", 1, "duration \"99999999999y\" is too large"),
        ("99999999999999999999ms", 1, "duration \"99999999999999999999ms\" is too large"),
    ] as [(String, Int, String)])
    func rejectsMalformedDurations(text: String, column: Int, message: String) {
        #expect(throws: ParseError(line: 1, column: column, message: message)) { try DurationParser.parse(text) }
    }

    @Test(arguments: [
        (0 as Int64, "0s"),
        (500, "500ms"),
        (5_400_000, "1h30m"),
        (8 * 86_400_000, "1w1d"),
        (31_536_000_000, "1y"),
        (1500, "1s500ms"),
        (-60_000, "-1m"),
    ] as [(Int64, String)])
    func formatsLikePrometheus(milliseconds: Int64, expected: String) throws {
        #expect(DurationParser.format(milliseconds) == expected)
        if milliseconds >= 0 {
            #expect(try DurationParser.parse(expected) == milliseconds)
        }
    }

    @Test func formatHandlesExtremes() {
        #expect(DurationParser.format(Int64.min).hasPrefix("-"))
        #expect(DurationParser.format(Int64.max).hasSuffix("ms"))
    }
}
