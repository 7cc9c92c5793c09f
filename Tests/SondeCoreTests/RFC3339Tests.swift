import SondeCore
import Testing

/// The forms particular to RFC3339's callers; TimeExpressionTests covers the grammar and its errors.
@Suite struct RFC3339Tests {
    @Test(arguments: [
        ("2024-03-01T12:00:00.123+01:00", 1_709_290_800_123 as Int64),
        ("2024-03-01 11:00:00,123Z", 1_709_290_800_123),
        ("2024-03-01T11:00:00,5z", 1_709_290_800_500),
        ("2024-02-15T12:00:00.123456789Z", 1_707_998_400_123),
        ("2024-02-15T12:00:00-00:00", 1_707_998_400_000),
    ] as [(String, Int64)])
    func readsTimestamps(text: String, expected: Int64) {
        #expect(RFC3339.milliseconds(text) == expected)
    }

    @Test(arguments: [
        "", "2024-03-01", "2024-03-01T12:00:00", "2024-03-01T12:00:60Z", "2024-03-01T12:00:00+0100",
        "2024-03-01T12:00:00Z ", " 2024-03-01T12:00:00Z", "2024-03-01T12:00:00,Z", "2024-3-01T12:00:00Z",
    ])
    func refusesOthers(text: String) {
        #expect(RFC3339.milliseconds(text) == nil)
    }

    @Test func errorNamesTheSeparatorItSaw() {
        #expect(throws: ParseError(line: 1, column: 21, message: "unexpected \"Z\", expected fractional seconds after \",\"")) {
            try "2024-03-01T12:00:00,Z".withParsingBytes { (bytes) throws(ParseError) in try RFC3339.parse(bytes) }
        }
    }
}
