import SondeCore
import SondeTestSupport
import Testing

@Suite struct SeriesSelectorTests {
    func matchers(_ text: String) throws -> [String] {
        try SeriesSelector.parse(text).matchers.map(\.description)
    }

    @Test func metricNameAlone() throws {
        #expect(try matchers("up") == ["__name__=\"up\""])
        #expect(try matchers("  job:rate5m:sum  ") == ["__name__=\"job:rate5m:sum\""])
    }

    @Test func allOperators() throws {
        #expect(
            try matchers(#"name{a="x",b=~"re.*",c!="y",d!~"z"}"#)
                == ["__name__=\"name\"", "a=\"x\"", "b=~\"re.*\"", "c!=\"y\"", "d!~\"z\""])
    }

    @Test func nameInsideBraces() throws {
        #expect(try matchers(#"{__name__=~"node_.*",job="x"}"#) == ["__name__=~\"node_.*\"", "job=\"x\""])
        #expect(try matchers(#"{"my.metric", "label.name"="x"}"#) == ["__name__=\"my.metric\"", "label.name=\"x\""])
    }

    @Test func trailingCommaWhitespaceAndComments() throws {
        #expect(try matchers("up{job=\"a\",}") == ["__name__=\"up\"", "job=\"a\""])
        #expect(try matchers("up { job = \"a\" , } # comment") == ["__name__=\"up\"", "job=\"a\""])
        #expect(try matchers("up{}") == ["__name__=\"up\""])
    }

    @Test func quotingStyles() throws {
        #expect(try SeriesSelector.parse(#"a{b='x\'y'}"#).matchers[1].value == "x'y")
        #expect(try SeriesSelector.parse(#"a{b="x\"y\\z\n"}"#).matchers[1].value == "x\"y\\z\n")
        #expect(try SeriesSelector.parse("a{b=`C:\\temp\\x`}").matchers[1].value == "C:\\temp\\x")
        #expect(try SeriesSelector.parse(#"a{b="\x41\101\u00e9\U0001F600"}"#).matchers[1].value == "AAé😀")
        #expect(try SeriesSelector.parse(#"a{b="\a\b\f\r\t\v"}"#).matchers[1].value == "\u{7}\u{8}\u{C}\r\t\u{B}")
    }

    @Test func matchesLabels() throws {
        let selector = try SeriesSelector.parse(#"http_requests_total{code=~"5..",env!="dev",missing=""}"#)
        #expect(selector.matches(Labels(name: "http_requests_total", ["code": "503", "env": "prod"])))
        #expect(!selector.matches(Labels(name: "http_requests_total", ["code": "200", "env": "prod"])))
        #expect(!selector.matches(Labels(name: "http_requests_total", ["code": "503", "env": "dev"])))
        #expect(!selector.matches(Labels(name: "other", ["code": "503"])))
        #expect(!selector.matches(Labels(name: "http_requests_total", ["code": "503", "missing": "x"])))
        #expect(selector.matches(Labels(name: "http_requests_total", ["code": "500"])))  // env missing = ""
    }

    @Test func descriptionParsesBack() throws {
        let selector = try SeriesSelector.parse(#"up{job=~"a|b",x!="q\"\n"}"#)
        #expect(try SeriesSelector.parse(selector.description) == selector)
    }

    @Test(arguments: [
        (#"up{job="a")"#, 11, "unexpected \")\", expected \",\" or \"}\""),
        (#"up{job="api", ) }"#, 15, "unexpected \")\" in label matching, expected identifier or \"}\""),
        (#"http_requests{a="x",)"#, 21, "unexpected \")\" in label matching, expected identifier or \"}\""),
        ("", 1, "unexpected end of input, expected a metric name or \"{\""),
        ("{}", 1, "vector selector must contain at least one non-empty matcher"),
        (#"{job=~".*"}"#, 1, "vector selector must contain at least one non-empty matcher"),
        (#"{job=""}"#, 1, "vector selector must contain at least one non-empty matcher"),
        (#"  {job!="x"}"#, 3, "vector selector must contain at least one non-empty matcher"),
        ("up{", 4, "unexpected end of input inside braces"),
        ("up{job", 7, "unexpected end of input, expected a label matching operator (\"=\", \"!=\", \"=~\" or \"!~\")"),
        ("up{job==\"a\"}", 7, "unexpected \"==\", expected a label matching operator (\"=\", \"!=\", \"=~\" or \"!~\")"),
        ("up{job=a}", 8, "unexpected identifier \"a\" in label matching, expected string"),
        ("up{job=5}", 8, "unexpected number \"5\" in label matching, expected string"),
        ("up{a:b=\"x\"}", 4, "invalid label name \"a:b\", expected [a-zA-Z_][a-zA-Z0-9_]*"),
        ("up{job=\"a\"} extra", 13, "unexpected identifier \"extra\", expected end of input"),
        ("up[5m]", 3, "unexpected \"[\", expected end of input"),
        ("5", 1, "unexpected number \"5\", expected a metric name or \"{\""),
        ("up{job=\"a", 8, "unterminated quoted string"),
        ("up{job=\"a\nb\"}", 8, "unterminated string, expected a closing \"\\\"\" before the end of the line"),
        ("up{job=`a}", 8, "unterminated quoted string"),
        (#"up{job="\q"}"#, 9, "invalid escape \"\\\" followed by \"q\", expected one of \\a \\b \\f \\n \\r \\t \\v \\\\ \\\" \\x \\u \\U or an octal escape"),
        (#"up{job='\"'}"#, 9, "invalid escape \"\\\" followed by \"\\\"\", expected one of \\a \\b \\f \\n \\r \\t \\v \\\\ \\' \\x \\u \\U or an octal escape"),
        (#"up{job="\x4"}"#, 9, "invalid escape \"\\x\", expected 2 hexadecimal digits"),
        (#"up{job="\uD800"}"#, 9, "invalid escape: U+D800 is not a Unicode scalar value"),
        (#"up{job="\400"}"#, 9, "invalid octal escape, expected a value of at most \\377"),
        (#"up{job="\xff"}"#, 8, "string is not valid UTF-8"),
        (#"up{job=~"(x"}"#, 9, nil),
        (#"up{__name__="x"}"#, 4, "metric name must not be set twice: \"up\" or \"x\""),
        (#"up{"x"}"#, 4, "metric name must not be set twice: \"up\" or \"x\""),
        (#"{"x","y"}"#, 6, "metric name must not be set twice: \"x\" or \"y\""),
        (#"{""="x"}"#, 2, "empty label name"),
        ("up{job!\"a\"}", 8, "unexpected \"\\\"\" after \"!\", expected \"=\" or \"~\""),
        ("up{job=\"a\"}\u{7}", 12, "unexpected character \"\\x07\""),
        ("up{é=\"a\"}", 4, "unexpected character \"é\""),
    ] as [(String, Int, String?)])
    func rejectsMalformedSelectors(text: String, column: Int, message: String?) {
        do {
            _ = try SeriesSelector.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.line == 1)
            #expect(error.column == column, "\(error)")
            if let message {
                #expect(error.message == message)
            } else {
                #expect(error.message.hasPrefix("invalid regular expression \"(x\""), "\(error)")
            }
        }
    }

    @Test func multiLineErrorsCountLines() {
        #expect(throws: ParseError(file: "rules.yml", line: 3, column: 3, message: "unexpected \")\" in label matching, expected identifier or \"}\"")) {
            try SeriesSelector.parse("up{\n  job=\"a\",\n  )}", fileName: "rules.yml")
        }
    }

    @Test func randomInputNeverCrashes() {
        var generator = SplitMix64(seed: 42)
        let alphabet = Array("up{}()[]=~!,\"'`\\ job:_x9.5m#\n\u{7}é".utf8)
        let seeds = [#"up{job="api",code=~"5.."}"#, #"{__name__=~"node_.*",job!~'x\'y'}"#, "a{b=`c`,}"]
        var parsed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                let length = Int(generator.next() % 40)
                bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            } else {
                // Truncations and single-byte mutations of valid selectors.
                bytes = Array(seeds[round % seeds.count].utf8)
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
                if !bytes.isEmpty, generator.next() % 2 == 0 {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try SeriesSelector.parse(text)
                parsed += 1
            } catch {
                #expect(error.line >= 1 && error.column >= 1 && error.column <= text.utf8.count + 1, "\(error) for \(text.debugDescription)")
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed > 0)
    }
}

/// A small deterministic generator so fuzz failures reproduce.
