import SondeCore
import SondeStore
import SondeTestSupport
import Testing

@Suite struct ImportOpenMetricsParserTests {
    /// Parses `text` as one line with a fresh parser.
    func parse(_ text: String, lineNumber: Int = 1) throws(ParseError) -> OpenMetricsLine {
        var parser = OpenMetricsParser(fileName: "in.om")
        return try parse(&parser, text, lineNumber: lineNumber)
    }

    func parse(_ parser: inout OpenMetricsParser, _ text: String, lineNumber: Int = 1) throws(ParseError) -> OpenMetricsLine {
        let bytes = Array(text.utf8)
        let result: Result<OpenMetricsLine, ParseError> = bytes.withUnsafeBytes { buffer in
            do throws(ParseError) {
                return .success(try parser.parseLine(buffer, lineNumber: lineNumber))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    func sample(_ text: String) throws -> (series: String, value: Double, timestamp: Int64) {
        guard case .sample(let series, let value, let timestamp) = try parse(text) else {
            Issue.record("not a sample: \(text)")
            return ("", 0, 0)
        }
        let seriesText = String(decoding: Array(text.utf8)[series], as: UTF8.self)
        return (seriesText, value, timestamp)
    }

    func labels(_ text: String) throws(ParseError) -> Labels {
        let bytes = Array(text.utf8)
        let result: Result<Labels, ParseError> = bytes.withUnsafeBytes { buffer in
            do throws(ParseError) {
                return .success(try OpenMetricsParser.parseSeries(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: Samples

    @Test func sampleWithLabels() throws {
        let line = #"http_requests_total{method="GET",code="200"} 1027 1795331271.123"#
        let (series, value, timestamp) = try sample(line)
        #expect(series == #"http_requests_total{method="GET",code="200"}"#)
        #expect(value == 1027)
        #expect(timestamp == 1_795_331_271_123)
    }

    @Test func sampleWithoutLabelsAndExtraSpacing() throws {
        let (series, value, timestamp) = try sample("up \t 1   1795331271")
        #expect(series == "up")
        #expect(value == 1)
        #expect(timestamp == 1_795_331_271_000)
        #expect(try sample("up{} 0 1").series == "up{}")
        #expect(try sample(#"a{b="c",} 0 1"#).series == #"a{b="c",}"#)
    }

    @Test func seriesTextWithTrickyValues() throws {
        let line = #"x{path="/a b}",q="\"} 1 2\\"} 3.5 4"#
        let (series, value, timestamp) = try sample(line)
        #expect(series == #"x{path="/a b}",q="\"} 1 2\\"}"#)
        #expect(value == 3.5)
        #expect(timestamp == 4000)
    }

    @Test(arguments: [
        ("NaN", Double.nan), ("nan", .nan), ("+Inf", .infinity), ("-Inf", -.infinity), ("Inf", .infinity),
        ("inf", .infinity), ("+Infinity", .infinity), ("-infinity", -.infinity),
        ("1e3", 1000), ("1.5E-3", 0.0015), ("-0", -0.0), ("+0.0", 0), (".5", 0.5), ("5.", 5),
        ("0.1", 0.1), ("123456789012345678", 123_456_789_012_345_680),
        ("1.7976931348623157e308", .greatestFiniteMagnitude), ("1e309", .infinity), ("4.9e-324", .leastNonzeroMagnitude),
        ("1e-400", 0), ("0.000000000000000000000000000001", 1e-30),
        ("9007199254740993", 9_007_199_254_740_992),  // 2^53 + 1 rounds to even
        ("2.2250738585072011e-308", Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)),
    ] as [(String, Double)])
    func values(text: String, expected: Double) throws {
        let value = try sample("m \(text) 1").value
        if expected.isNaN {
            #expect(value.isNaN)
        } else {
            #expect(value.bitPattern == expected.bitPattern, "\(text) → \(value)")
        }
    }

    @Test func valuesAreBitExactWithTheStandardLibrary() throws {
        // Double(String) is correctly rounded (strtod in the C locale); the fast path must agree.
        var generator = SplitMix64(seed: 7)
        var parser = OpenMetricsParser(fileName: nil)
        for round in 0..<50_000 {
            let digits = 1 + Int(generator.next() % 22)
            var text = round % 3 == 0 ? "-" : ""
            for position in 0..<digits {
                if position == Int(generator.next() % UInt64(digits + 1)) { text += "." }
                text += String(generator.next() % 10)
            }
            if round % 4 == 0 { text += "e" + String(Int(generator.next() % 60) - 30) }
            guard let expected = Double(text) else { continue }
            guard case .sample(_, let value, _) = try parse(&parser, "m \(text) 1") else {
                Issue.record("not a sample")
                continue
            }
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) != \(expected)")
        }
    }

    @Test(arguments: [
        ("1795331271", 1_795_331_271_000 as Int64),
        ("1795331271.5", 1_795_331_271_500),
        ("1795331271.1239", 1_795_331_271_123),
        ("-1.0001", -1001),
        ("1.7953312715e9", 1_795_331_271_500),
        ("0", 0),
    ] as [(String, Int64)])
    func timestamps(text: String, expected: Int64) throws {
        #expect(try sample("m 1 \(text)").timestamp == expected)
    }

    @Test func exemplarsAreSkipped() throws {
        let (series, value, timestamp) = try sample(#"foo_bucket{le="0.5"} 12 1795331271 # {trace_id="abc"} 0.3 1795331270.9"#)
        #expect(series == #"foo_bucket{le="0.5"}"#)
        #expect(value == 12)
        #expect(timestamp == 1_795_331_271_000)
    }

    // MARK: Comments, blank lines, EOF

    @Test func commentsAndBlankLines() throws {
        #expect(try parse("") == .blank)
        #expect(try parse("   \t") == .blank)
        #expect(try parse("# HELP http_requests_total The total number of requests.") == .comment)
        #expect(try parse("# HELP x") == .comment)
        #expect(try parse("# TYPE http_requests_total counter") == .comment)
        #expect(try parse("# TYPE g gaugehistogram") == .comment)
        #expect(try parse("# UNIT temperature celsius") == .comment)
        #expect(try parse("# a free-form comment, as the Prometheus text format allows") == .comment)
        #expect(try parse("#") == .comment)
        #expect(try parse("# EOF") == .eof)
        #expect(try parse("# EOF  ") == .eof)
    }

    @Test func eofEndsTheInput() throws {
        var parser = OpenMetricsParser(fileName: "in.om")
        #expect(throws: ParseError(file: "in.om", line: 3, column: 1, message: "unexpected end of input, expected \"# EOF\"")) {
            try parser.finish(lineNumber: 3)
        }
        #expect(try parse(&parser, "a 1 1", lineNumber: 1) != .eof)
        #expect(try parse(&parser, "# EOF", lineNumber: 2) == .eof)
        #expect(parser.sawEOF)
        try parser.finish(lineNumber: 3)
        #expect(try parse(&parser, "", lineNumber: 3) == .blank)
        for (number, text) in ["a 1 1", "# EOF", "# comment", "garbage"].enumerated() {
            #expect(
                throws: ParseError(file: "in.om", line: 4 + number, column: 1, message: "unexpected content after \"# EOF\", expected the end of the input")
            ) {
                try parse(&parser, text, lineNumber: 4 + number)
            }
        }
    }

    // MARK: Errors

    @Test(arguments: [
        ("up 1", 5, "unexpected end of line, expected a timestamp"),
        ("up 1 ", 6, "unexpected end of line, expected a timestamp"),
        (#"up 1 # {a="b"} 1 2"#, 6, "unexpected \"#\", expected a timestamp"),
        ("up", 3, "unexpected end of line, expected a space and a value after the series"),
        ("up ", 4, "unexpected end of line, expected a value"),
        ("up-down 1 2", 3, "unexpected \"-\", expected \"{\" or a space after the metric name"),
        (#"up{a="b"}1 2"#, 10, "unexpected \"1\", expected a space after \"}\""),
        (#"up{a "b"} 1 2"#, 5, "unexpected \" \", expected \"=\" after label name"),
        (#"up{a:b="c"} 1 2"#, 5, "unexpected \":\", expected \"=\" after label name"),
        (#"up{a=b} 1 2"#, 6, "unexpected \"b\", expected a quoted label value"),
        (#"up{a="b} 1 2"#, 13, "unexpected end of line, expected \"\\\"\" to close the label value"),
        (#"up{a="b\"} 1 2"#, 15, "unexpected end of line, expected \"\\\"\" to close the label value"),
        (#"up{a="b\"#, 9, "unexpected end of line, expected \"\\\"\" to close the label value"),
        (#"up{a="b" c="d"} 1 2"#, 9, "unexpected \" \", expected \",\" or \"}\" after label value"),
        (#"up{a="b""#, 9, "unexpected end of line, expected \",\" or \"}\""),
        (#"up{a="b",,} 1 2"#, 10, "unexpected \",\", expected a label name or \"}\""),
        (#"up{ a="b"} 1 2"#, 4, "unexpected \" \", expected a label name or \"}\""),
        (#"up{1="b"} 1 2"#, 4, "unexpected \"1\", expected a label name or \"}\""),
        ("up{", 4, "unexpected end of line, expected a label name or \"}\""),
        ("up abc 1", 4, "invalid value \"abc\", expected a number, NaN, +Inf or -Inf"),
        ("up 0x10 1", 4, "invalid value \"0x10\", expected a number, NaN, +Inf or -Inf"),
        ("up 1e 1", 4, "invalid value \"1e\", expected a number, NaN, +Inf or -Inf"),
        ("up 1,5 1", 4, "invalid value \"1,5\", expected a number, NaN, +Inf or -Inf"),
        ("up 1 17953x", 6, "invalid timestamp \"17953x\", expected seconds since the epoch like 1795331271.123"),
        ("up 1 NaN", 6, "invalid timestamp \"NaN\", expected seconds since the epoch like 1795331271.123"),
        ("up 1 1e20", 6, "invalid timestamp \"1e20\", expected seconds since the epoch like 1795331271.123"),
        ("up 1 2 3", 8, "unexpected \"3\" after the timestamp, expected the end of the line or an exemplar (\"# {…}\")"),
        (" up 1 2", 2, "unexpected leading whitespace, expected a metric name or \"#\" at the start of the line"),
        ("1up 1 2", 1, "unexpected \"1\", expected a metric name or \"#\""),
        ("{\"quoted\"} 1 2", 1, "unexpected \"{\", expected a metric name or \"#\""),
        ("é 1 2", 1, "unexpected \"é\", expected a metric name or \"#\""),
        ("\u{0} 1 2", 1, "unexpected \"\\x00\", expected a metric name or \"#\""),
        ("# TYPE", 7, "unexpected end of line, expected a space and a metric name after \"# TYPE\""),
        ("# TYPE ", 8, "unexpected end of line, expected a metric name after \"# TYPE\""),
        ("# TYPE 9x counter", 8, "unexpected \"9\", expected a metric name after \"# TYPE\""),
        ("# TYPE x", 9, "unexpected end of line, expected a metric type after \"x\""),
        ("# TYPE x  ", 10, "unexpected \" \", expected a metric type after \"x\""),
        ("# TYPE x-y counter", 9, "unexpected \"-\" in metric name, expected a space"),
        ("# TYPE x countr", 10, "unknown metric type \"countr\", expected one of counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown, untyped"),
        ("# HELP", 7, "unexpected end of line, expected a space and a metric name after \"# HELP\""),
        ("# UNIT  x", 8, "unexpected \" \", expected a metric name after \"# UNIT\""),
    ] as [(String, Int, String)])
    func malformedLines(text: String, column: Int, message: String) {
        #expect(throws: ParseError(file: "in.om", line: 7, column: column, message: message)) {
            try parse(text, lineNumber: 7)
        }
    }

    @Test func errorsPrintFileLineColumn() {
        do {
            _ = try parse("up 1", lineNumber: 12)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "in.om:12:5: unexpected end of line, expected a timestamp")
        }
    }

    // MARK: parseSeries

    @Test func parseSeriesBuildsSortedLabels() throws {
        let labels = try labels(#"http_requests_total{method="GET",code="200",a="x\\y\"z\nw"}"#)
        #expect(labels.pairs.map(\.name) == ["__name__", "a", "code", "method"])
        #expect(labels.metricName == "http_requests_total")
        #expect(labels["a"] == "x\\y\"z\nw")
        #expect(try self.labels("up") == Labels(name: "up"))
        #expect(try self.labels("up{}") == Labels(name: "up"))
        #expect(try self.labels(#"up{a="b",}"#) == Labels(name: "up", ["a": "b"]))
    }

    @Test func parseSeriesKeepsUnknownEscapesVerbatim() throws {
        #expect(try labels(#"x{path="C:\temp\x"}"#)["path"] == #"C:\temp\x"#)
    }

    @Test func parseSeriesAgreesWithParseLine() throws {
        // Every series text parseLine accepts must build labels.
        for line in [#"a{b="}",c="\\"} 1 2"#, #"a:b{_="",x="é"} 1 2"#, "z 1 2"] {
            let bytes = Array(line.utf8)
            guard case .sample(let series, _, _) = try parse(line) else { continue }
            _ = try labels(String(decoding: bytes[series], as: UTF8.self))
        }
    }

    @Test(arguments: [
        (#"up{a="1",a="2"}"#, 10, "duplicate label name \"a\""),
        (#"up{__name__="x"}"#, 4, "duplicate label name \"__name__\""),
        (#"up{a="\xff"}"#, 6, nil),
        ("", 1, "unexpected end of input, expected a metric name"),
        ("up x", 3, "unexpected \" \", expected \"{\" or the end of the series"),
        (#"up{a="b"}x"#, 10, "unexpected \"x\" after \"}\", expected the end of the series"),
        (#"up{a="b"#, 8, "unexpected end of input, expected \"\\\"\" to close the label value"),
        (#"up{a="b\"#, 9, "unexpected end of input, expected \"\\\"\" to close the label value"),
        (#"up{a="#, 6, "unexpected end of input, expected a quoted label value"),
        (#"up{a=""#, 7, "unexpected end of input, expected \"\\\"\" to close the label value"),
    ] as [(String, Int, String?)])
    func parseSeriesErrors(text: String, column: Int, message: String?) {
        var bytes = Array(text.utf8)
        if message == nil {  // invalid UTF-8 in a value: "\xff" above is a placeholder for byte 0xFF
            bytes = Array(#"up{a=""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        }
        let result: Result<Labels, ParseError> = bytes.withUnsafeBytes { buffer in
            do throws(ParseError) {
                return .success(try OpenMetricsParser.parseSeries(buffer, fileName: "f", lineNumber: 3, columnOffset: 0))
            } catch {
                return .failure(error)
            }
        }
        #expect(throws: ParseError(file: "f", line: 3, column: column, message: message ?? "label value is not valid UTF-8")) {
            try result.get()
        }
    }

    // MARK: Hostile input

    @Test func randomBytesAndTruncationsNeverCrash() throws {
        var generator = SplitMix64(seed: 1234)
        let valid = [
            #"http_requests_total{method="GET",code="200"} 1027 1795331271.123"#,
            #"foo_bucket{le="+Inf",a="\"\\\n"} 1.5e3 1795331271 # {trace_id="abc"} 0.3"#,
            "# TYPE foo histogram", "# EOF", "up NaN 1",
        ].map { Array($0.utf8) }
        let alphabet = Array("a_:{}=\",\\ #.+-eE0123456789InfNa\t\r\n".utf8) + [0, 0xC3, 0xFF]
        var samples = 0
        for round in 0..<100_000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                let base = valid[Int(generator.next() % UInt64(valid.count))]
                bytes = Array(base.prefix(Int(generator.next() % UInt64(base.count + 1))))
            case 1:
                bytes = valid[Int(generator.next() % UInt64(valid.count))]
                for _ in 0..<(1 + generator.next() % 3) where !bytes.isEmpty {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                }
            default:
                bytes = (0..<Int(generator.next() % 48)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            }
            var parser = OpenMetricsParser(fileName: "fuzz")
            let outcome: Result<OpenMetricsLine, ParseError> = bytes.withUnsafeBytes { buffer in
                do throws(ParseError) {
                    return .success(try parser.parseLine(buffer, lineNumber: 1))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(.sample(let series, _, _)):
                samples += 1
                #expect(series.lowerBound == 0 && series.upperBound <= bytes.count)
                // Whatever parseLine accepts, parseSeries must either accept or reject cleanly.
                _ = bytes.withUnsafeBytes { buffer in
                    try? OpenMetricsParser.parseSeries(UnsafeRawBufferPointer(rebasing: buffer[series]))
                }
            case .success:
                break
            case .failure(let error):
                #expect(error.column >= 1 && error.column <= bytes.count + 1, "\(error)")
                #expect(error.file == "fuzz" && error.line == 1)
            }
        }
        #expect(samples > 100)
    }
}

/// A small deterministic generator so fuzz failures reproduce.

@Suite struct ImportRealCaptureTests {
    /// `Tests/SondeStoreTests/Fixtures/hostdump-excerpt.om.gz`: a real node_exporter + postgres_exporter
    /// capture (label values with spaces, `#`, `@`, parentheses and empty values).
    static var fixture: String {
        var path = #filePath
        for _ in 0..<2 {
            if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
        }
        return path + "/Fixtures/hostdump-excerpt.om.gz"
    }

    @Test func everyLineOfTheCaptureParses() throws {
        let reader = try LineReader(path: Self.fixture)
        var parser = OpenMetricsParser(fileName: Self.fixture)
        var seriesTexts: [[UInt8]: Labels] = [:]
        var samples = 0
        var timestamps: Set<Int64> = []
        var lastLine = 0
        try reader.forEachLine { line, number in
            lastLine = number
            guard case .sample(let series, _, let timestamp) = try parser.parseLine(line, lineNumber: number) else { return }
            samples += 1
            timestamps.insert(timestamp)
            let key = Array(line[series])
            if seriesTexts[key] == nil {
                seriesTexts[key] = try OpenMetricsParser.parseSeries(
                    UnsafeRawBufferPointer(rebasing: line[series]), fileName: Self.fixture, lineNumber: number, columnOffset: 0)
            }
        }
        try parser.finish(lineNumber: lastLine + 1)
        #expect(lastLine == 20_161)
        #expect(samples == 20_160)
        #expect(seriesTexts.count == 1008)
        #expect(timestamps.min() == 1_795_331_271_000 && timestamps.max() == 1_795_331_290_000 && timestamps.count == 20)
        let uname = seriesTexts.values.first { $0.metricName == "node_uname_info" }
        #expect(uname?["version"] == "#1 SMP PREEMPT_DYNAMIC @0")
        #expect(uname?["domainname"] == "(none)")
        let os = seriesTexts.values.first { $0.metricName == "node_os_info" }
        #expect(os?["pretty_name"] == "Debian GNU/Linux 12 (bookworm)")
        #expect(os?["id_like"] == nil)  // empty value = no label
        #expect(reader.bytesConsumed == reader.fileSize)
    }
}
