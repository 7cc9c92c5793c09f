import SondeCore
import Testing

@Suite struct MetricNamesTests {
    @Test func metricNames() {
        for valid in ["up", "_x", ":a:b", "node_cpu_seconds_total", "A1", "job:rate5m:sum"] {
            #expect(MetricNames.isValidMetricName(valid), "\(valid)")
        }
        for invalid in ["", "1up", "a-b", "a b", "a.b", "é", "a{", "\u{0}"] {
            #expect(!MetricNames.isValidMetricName(invalid), "\(invalid)")
        }
    }

    @Test func labelNames() {
        for valid in ["job", "_x", "__name__", "A1_b"] {
            #expect(MetricNames.isValidLabelName(valid), "\(valid)")
        }
        for invalid in ["", "1a", "a:b", ":a", "a-b", "a.b", "ä", "`", "[", "@"] {
            #expect(!MetricNames.isValidLabelName(invalid), "\(invalid)")
        }
    }

    @Test func everyByteIsClassifiedAsTheGrammarSays() {
        for byte in UInt8.min...UInt8.max {
            let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            #expect(MetricNames.isLabelNameStart(byte) == (isLetter || byte == UInt8(ascii: "_")))
            #expect(MetricNames.isLabelNameContinuation(byte) == (isLetter || isDigit || byte == UInt8(ascii: "_")))
            #expect(MetricNames.isMetricNameStart(byte) == (isLetter || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")))
            #expect(MetricNames.isMetricNameContinuation(byte) == (isLetter || isDigit || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")))
        }
    }
}
