import SondeCollectors
import SondeCore
import SondeTestSupport
import Testing

/// Lines as Gunicorn 20/21 writes them with the default `access_log_format`.
private enum Fixture {
    static let defaultLines = [
        #"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /api/v1/standards/42/ HTTP/1.1" 200 2326 "-" "curl/8.5.0""#,
        #"2001:db8::1 - - [29/Feb/2024:23:59:59 +0530] "POST /api/v1/login?next=%2F HTTP/1.1" 302 - "https://example.com/login" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36""#,
        #"10.0.0.7 - alice [01/Jan/2023:00:00:00 +0000] "DELETE /items/5 HTTP/1.0" 204 0 "-" "python-requests/2.31.0""#,
        #"10.0.0.8 - - [31/Dec/1999:23:59:59 -1200] "GET /search?q=%22x%22 HTTP/1.1" 404 - "-" "bot \"quoted\" agent/1.0""#,
        #"::ffff:192.168.1.4 - - [15/Jun/2022:08:30:00 +0200] "HEAD / HTTP/2.0" 500 -1 "-" "-""#,
    ]
}

@Suite("AccessLogParser")
struct AccessLogParserTests {
    let parser = AccessLogParser()

    @Test("Gunicorn default format on real-looking lines")
    func defaultFormat() throws {
        let r0 = try parser.parse(Fixture.defaultLines[0])
        #expect(r0 == AccessLogRecord(
            timestampMilliseconds: 971_211_336_000, method: "GET", path: "/api/v1/standards/42/", status: 200,
            responseBytes: 2326))

        let r1 = try parser.parse(Fixture.defaultLines[1] + "\n")
        #expect(r1.method == "POST")
        #expect(r1.path == "/api/v1/login")
        #expect(r1.status == 302)
        #expect(r1.responseBytes == nil)
        #expect(r1.timestampMilliseconds == 1_709_231_399_000)
        #expect(r1.durationSeconds == nil)

        let r2 = try parser.parse(Fixture.defaultLines[2] + "\r\n")
        #expect(r2.method == "DELETE")
        #expect(r2.status == 204)
        #expect(r2.responseBytes == 0)
        #expect(r2.timestampMilliseconds == 1_672_531_200_000)

        let r3 = try parser.parse(Fixture.defaultLines[3])
        #expect(r3.path == "/search")
        #expect(r3.status == 404)

        // "-1" is not a size Gunicorn prints: a format error, not a crash
        #expect(throws: AccessLogMalformed.format) { try parser.parse(Fixture.defaultLines[4]) }
        let fixed = Fixture.defaultLines[4].replacingOccurrences(" -1 ", " - ")
        let r4 = try parser.parse(fixed)
        #expect(r4.method == "HEAD")
        #expect(r4.path == "/")
        #expect(r4.status == 500)
    }

    @Test("the bytes parser and the String parser agree")
    func bytesAPI() throws {
        for line in Fixture.defaultLines.prefix(4) {
            let bytes = Array(line.utf8)
            let a = bytes.withUnsafeBytes { p in Result { () throws(AccessLogMalformed) in try parser.parse(p) } }
            #expect(try a.get() == (try parser.parse(line)))
        }
    }

    @Test("timestamps with negative and positive offsets convert to the exact millisecond")
    func timestamps() throws {
        let cases: [(String, Int64)] = [
            ("10/Oct/2000:13:55:36 -0700", 971_211_336_000),
            ("29/Feb/2024:23:59:59 +0530", 1_709_231_399_000),
            ("31/Dec/1969:23:00:00 -0200", 3_600_000),
            ("01/Jan/1970:00:00:00 +0000", 0),
            ("01/Jan/1970:01:00:00 +0100", 0),
            ("31/Dec/1969:23:59:59 +0000", -1_000),
            ("01/Mar/2000:00:00:00 +0000", 951_868_800_000),
        ]
        for (text, ms) in cases {
            let line = #"1.2.3.4 - - ["# + text + #"] "GET / HTTP/1.1" 200 1 "-" "-""#
            #expect(try parser.parse(line).timestampMilliseconds == ms, "\(text)")
        }
    }

    @Test("every atom compiles and parses", arguments: [
        ("%(h)s", "2001:db8::2"), ("%(l)s", "-"), ("%(u)s", "bob"), ("%(t)s", "[10/Oct/2000:13:55:36 -0700]"),
        ("%(r)s", "GET /a?b=1 HTTP/1.1"), ("%(m)s", "PUT"), ("%(U)s", "/x/y"), ("%(q)s", "a=1&b=2"),
        ("%(H)s", "HTTP/1.1"), ("%(s)s", "201"), ("%(B)s", "123"), ("%(b)s", "-"), ("%(f)s", "http://r/"),
        ("%(a)s", "agent"), ("%(T)s", "2"), ("%(D)s", "1500"), ("%(L)s", "0.012345"), ("%(M)s", "12"),
        ("%(p)s", "<12345>"), ("%({X-Request-Id}i)s", "abc"), ("%({content-type}o)s", "text/html"),
        ("%({REMOTE_PORT}e)s", "5555"),
    ])
    func everyAtom(atom: String, value: String) throws {
        let format = try AccessLogFormat("<" + atom + "> %(s)s")
        let parser = AccessLogParser(format: format)
        let line = "<" + value + "> 200"
        let status = atom == "%(s)s" ? Int(value) ?? 0 : 200
        let record = try parser.parse(atom == "%(s)s" ? "<201> 201" : line)
        #expect(record.status == status)
        switch atom {
        case "%(t)s": #expect(record.timestampMilliseconds == 971_211_336_000)
        case "%(r)s":
            #expect(record.method == "GET")
            #expect(record.path == "/a")
        case "%(m)s": #expect(record.method == "PUT")
        case "%(U)s": #expect(record.path == "/x/y")
        case "%(B)s": #expect(record.responseBytes == 123)
        case "%(b)s": #expect(record.responseBytes == nil)
        case "%(T)s": #expect(record.durationSeconds == 2)
        case "%(D)s": #expect(record.durationSeconds == 0.0015)
        case "%(L)s": #expect(record.durationSeconds == 0.012345)
        case "%(M)s": #expect(record.durationSeconds == 0.012)
        default: #expect(record.timestampMilliseconds == nil)
        }
    }

    @Test("atom names map back and headers are lower-cased")
    func atomNames() throws {
        let f = try AccessLogFormat("%({X-Forwarded-For}i)s %(h)s %%")
        #expect(f.elements == [
            .atom(.requestHeader("x-forwarded-for")), .literal([0x20]), .atom(.remoteAddress), .literal(Array(" %".utf8)),
        ])
        #expect(try AccessLogFormat(AccessLogFormat.gunicornDefaultString).elements == AccessLogFormat.gunicornDefault.elements)
    }

    @Test("default format plus %(L)s, and the most precise time atom wins")
    func withDuration() throws {
        let f = try AccessLogFormat(AccessLogFormat.gunicornDefaultString + " %(L)s")
        let p = AccessLogParser(format: f)
        #expect(p.hasDuration)
        let r = try p.parse(Fixture.defaultLines[0] + " 0.250000")
        #expect(r.durationSeconds == 0.25)
        let both = AccessLogParser(format: try AccessLogFormat("%(s)s %(T)s %(D)s"))
        #expect(try both.parse("200 1 1234567").durationSeconds == 1.234567)
    }

    @Test("unknown atoms and malformed %( are errors with the column")
    func formatErrors() {
        let cases: [(String, Int)] = [
            ("%(h)s %(z)s", 7), ("%(h)s %(h", 7), ("abc %", 5), ("%(h)d", 1), ("x %y", 3), ("%(h)", 1),
            ("%({}i)s", 1), ("%({a}x)s", 1),
        ]
        for (format, column) in cases {
            do {
                _ = try AccessLogFormat(format, file: "gunicorn.conf.py", line: 4)
                Issue.record("\(format) compiled")
            } catch {
                #expect(error.column == column, "\(format)")
                #expect(error.line == 4)
                #expect(error.file == "gunicorn.conf.py")
            }
        }
    }

    @Test("nginx combined preset")
    func nginx() throws {
        let p = AccessLogParser(format: .nginxCombined)
        let r = try p.parse(
            #"203.0.113.9 - - [12/Mar/2024:06:25:24 +0000] "GET /static/app.3f9a1c2e.js HTTP/2.0" 200 51234 "https://example.com/" "Mozilla/5.0 (Macintosh) \x22x\x22""#)
        #expect(r.status == 200)
        #expect(r.responseBytes == 51234)
        #expect(r.method == "GET")
        #expect(r.path == "/static/app.3f9a1c2e.js")
        #expect(r.timestampMilliseconds == 1_710_224_724_000)
    }

    @Test("malformed lines give their reason")
    func malformed() throws {
        let good = Fixture.defaultLines[0]
        #expect(throws: AccessLogMalformed.format) { try parser.parse("") }
        #expect(throws: AccessLogMalformed.format) { try parser.parse("hello world") }
        #expect(throws: AccessLogMalformed.format) { try parser.parse(good + " trailing") }
        #expect(throws: AccessLogMalformed.format) { try parser.parse(String(good.dropLast(3))) }
        #expect(throws: AccessLogMalformed.timestamp) { try parser.parse(good.replacingOccurrences("Oct", "Okt")) }
        #expect(throws: AccessLogMalformed.timestamp) { try parser.parse(good.replacingOccurrences("10/Oct", "31/Feb")) }
        #expect(throws: AccessLogMalformed.timestamp) { try parser.parse(good.replacingOccurrences("13:55", "25:55")) }
        #expect(throws: AccessLogMalformed.timestamp) { try parser.parse(good.replacingOccurrences("[", "<")) }
        #expect(throws: AccessLogMalformed.status) { try parser.parse(good.replacingOccurrences(" 200 ", " 20x ")) }
        #expect(throws: AccessLogMalformed.status) { try parser.parse(good.replacingOccurrences(" 200 ", " 2000 ")) }
        #expect(throws: AccessLogMalformed.status) { try parser.parse(good.replacingOccurrences(" 200 ", " 020 ")) }
        let long = String(repeating: "a", count: 20_000)
        #expect(throws: AccessLogMalformed.tooLong) { try parser.parse(good.replacingOccurrences("curl/8.5.0", long)) }
        var bad = Array(good.utf8)
        if let i = bad.firstIndex(of: UInt8(ascii: "4")) { bad[i] = 0xFF }
        let result = bad.withUnsafeBytes { p in Result { () throws(AccessLogMalformed) in try parser.parse(p) } }
        #expect(throws: AccessLogMalformed.encoding) { try result.get() }
    }

    @Test("random bytes and mutated lines never crash")
    func fuzz() {
        var rng = SplitMix64(seed: 0x5EED_0ACC_E55)
        let parsers = [parser, AccessLogParser(format: (try? AccessLogFormat("%(s)s %(D)s %(m)s %(U)s%(L)s")) ?? .nginxCombined)]
        let json = AccessLogJSONParser()
        let seeds = Fixture.defaultLines.map { Array($0.utf8) }
        let alphabet = Array(#" "[]\-/:0123456789?{}aA%+,.\"#.utf8) + [0x00, 0xFF, 0xC3, 0x0A]
        var parsed = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
                for _ in 0..<Int(rng.next() % 6) where !bytes.isEmpty {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 3 {
                    case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                    }
                }
            } else {
                let n = Int(rng.next() % 200)
                bytes = (0..<n).map { _ in
                    rng.next() % 2 == 0 ? alphabet[Int(rng.next() % UInt64(alphabet.count))] : UInt8(truncatingIfNeeded: rng.next())
                }
            }
            bytes.withUnsafeBytes { p in
                for parser in parsers where (try? parser.parse(p)) != nil { parsed += 1 }
                _ = try? json.parse(p)
            }
        }
        #expect(parsed > 0)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ a: String, _ b: String) -> String {
        guard let r = firstRange(of: a) else { return self }
        return replacingCharacters(in: r, with: b)
    }
}
