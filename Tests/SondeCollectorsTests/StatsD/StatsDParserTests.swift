import SondeCollectors
import SondeCore
import Testing

@Suite("StatsD parser")
struct StatsDParserTests {
    private func metric(_ text: String) throws -> StatsDMetric {
        let results = StatsDParser.parse(text)
        try #require(results.count == 1)
        return try results[0].get()
    }

    private func rejection(_ text: String) -> StatsDRejection? {
        let results = StatsDParser.parse(text)
        guard results.count == 1, case .failure(let reason) = results[0] else { return nil }
        return reason
    }

    @Test("reads every type")
    func types() throws {
        #expect(try metric("page.views:1|c") == StatsDMetric(type: .counter, name: "page_views", value: 1))
        #expect(try metric("queue.depth:42|g") == StatsDMetric(type: .gauge, name: "queue_depth", value: 42))
        #expect(try metric("db.query:12.5|ms") == StatsDMetric(type: .timer, name: "db_query", value: 12.5))
        #expect(try metric("payload:512|h") == StatsDMetric(type: .histogram, name: "payload", value: 512))
        #expect(try metric("payload:512|d") == StatsDMetric(type: .histogram, name: "payload", value: 512))
        #expect(try metric("users:alice|s") == StatsDMetric(type: .set, name: "users", value: 0, member: "alice"))
    }

    @Test("sample rates are read on counters and timers, refused outside (0, 1]")
    func sampleRates() throws {
        #expect(try metric("hits:3|c|@0.1").sampleRate == 0.1)
        #expect(try metric("t:3|ms|@0.25").sampleRate == 0.25)
        #expect(try metric("hits:3|c|@1").sampleRate == 1)
        #expect(rejection("hits:3|c|@0") == .invalidSampleRate)
        #expect(rejection("hits:3|c|@1.5") == .invalidSampleRate)
        #expect(rejection("hits:3|c|@-0.5") == .invalidSampleRate)
        #expect(rejection("hits:3|c|@abc") == .invalidSampleRate)
        #expect(rejection("hits:3|c|@nan") == .invalidSampleRate)
        #expect(rejection("hits:3|c|@") == .invalidSampleRate)
    }

    @Test("a leading sign makes a gauge value a delta")
    func gaugeDeltas() throws {
        let plus = try metric("g:+5|g")
        #expect(plus.isDelta && plus.value == 5)
        let minus = try metric("g:-5|g")
        #expect(minus.isDelta && minus.value == -5)
        let absolute = try metric("g:5|g")
        #expect(!absolute.isDelta && absolute.value == 5)
    }

    @Test("DogStatsD tags become sorted, sanitised labels")
    func tags() throws {
        let parsed = try metric("checkout.total:1|c|#region:eu-west-1,env:prod,canary,empty:,http.status:200,url:/a:b")
        #expect(
            parsed.labels == [
                Label("canary", "true"), Label("env", "prod"), Label("http_status", "200"),
                Label("region", "eu-west-1"), Label("url", "/a:b"),
            ])
        // Sample rate and tags in either order; container id and timestamp fields ignored.
        let both = try metric("x:1|c|#a:1|@0.5|c:abc123|T1700000000")
        #expect(both.sampleRate == 0.5 && both.labels == [Label("a", "1")])
        // Repeated key: the last wins; empty entries are skipped.
        #expect(try metric("x:1|c|#a:1,,a:2").labels == [Label("a", "2")])
        // UTF-8 values are kept as sent.
        #expect(try metric("x:1|c|#city:Zürich").labels == [Label("city", "Zürich")])
        #expect(try metric("x:1|c|#9lives:yes").labels == [Label("_9lives", "yes")])
    }

    @Test("names: dots and invalid characters become _, a leading digit gets a _ prefix")
    func names() throws {
        #expect(try metric("app.http-requests/sec:1|c").name == "app_http_requests_sec")
        #expect(try metric("5xx.errors:1|c").name == "_5xx_errors")
        #expect(try metric("café.visits:1|c").name == "caf__visits")  // é is one `_`
        #expect(try metric("Mixed_Case9:1|g").name == "Mixed_Case9")
    }

    @Test("several metrics per packet, CRLF and blank lines tolerated")
    func multiLine() {
        let results = StatsDParser.parse("a:1|c\nb:2|g\r\n\nc:3|ms\nbroken\n")
        #expect(results.count == 4)
        #expect((try? results[0].get())?.name == "a")
        #expect((try? results[1].get())?.value == 2)
        #expect((try? results[2].get())?.type == .timer)
        #expect(results[3] == .failure(.malformed))
    }

    @Test("each kind of bad line has its reason", arguments: [
        ("no_separator", StatsDRejection.malformed),
        ("name:1", .malformed),
        ("name|c", .malformed),
        (":1|c", .invalidName),
        ("na\u{01}me:1|c", .invalidName),
        ("name:|c", .invalidValue),
        ("name:abc|c", .invalidValue),
        ("name:-1|c", .invalidValue),
        ("name:1:2:3|h", .invalidValue),
        ("name:1|x", .invalidType),
        ("name:1|", .invalidType),
        ("name:1|cc", .invalidType),
        ("name:1|c|@2", .invalidSampleRate),
        ("name:1|c|#:v", .invalidTag),
        ("name:1|c|#__name__:evil", .invalidTag),
        ("name:1|ms|#quantile:0.5", .invalidTag),
        ("_e{5,4}:title|text", .unsupported),
        ("_sc|db.up|0|#env:prod", .unsupported),
    ])
    func rejections(line: String, reason: StatsDRejection) {
        #expect(StatsDParser.parse(line) == [.failure(reason)])
    }

    @Test("tag values must be UTF-8")
    func tagNotUTF8() {
        let bytes = Array("x:1|c|#k:".utf8) + [0xFF, 0xFE]
        #expect(StatsDParser.parse(bytes) == [.failure(.invalidTag)])
    }

    @Test("NaN, Inf, hex and overflowing values are refused; huge finite values kept")
    func numbers() throws {
        for text in ["NaN", "nan", "Inf", "+Inf", "-inf", "infinity", "0x10", "1e999", "1.2.3", "--1", "1e", "."] {
            #expect(rejection("v:\(text)|g") == .invalidValue, "\(text)")
        }
        #expect(try metric("v:1e308|g").value == 1e308)
        #expect(try metric("v:-1.5e-3|h").value == -0.0015)
        #expect(try metric("v:12345678901234567890123|g").value == 12345678901234567890123.0)
        #expect(try metric("v:0.1|g").value == 0.1)
        #expect(try metric("v:.5|g").value == 0.5)
        #expect(try metric("v:5.|g").value == 5)
        #expect(try metric("v:3.14159265358979|g").value == 3.14159265358979)
    }

    @Test("the fast number path agrees with the standard library")
    func numberFastPath() {
        var random = StatsDTestRandom(seed: 7)
        for _ in 0..<20_000 {
            let integer = random.next() % 10_000_000
            let fraction = random.next() % 1_000_000
            let text = "\(integer).\(String(fraction).leftPadded(6))"
            let parsed = Array(text.utf8).withUnsafeBytes { StatsDParser.parseNumber($0) }
            #expect(parsed == Double(text), "\(text)")
        }
    }

    @Test("an empty packet yields nothing")
    func empty() {
        #expect(StatsDParser.parse([UInt8]()).isEmpty)
        #expect(StatsDParser.parse("\n\n\r\n").isEmpty)
    }

    @Test("random bytes never crash the parser, and lines are always accounted for")
    func fuzz() {
        var random = StatsDTestRandom(seed: 42)
        let alphabet = Array("abc.:|@#,-+0123456789eE\n_sgmcdh ".utf8)
        for round in 0..<20_000 {
            let length = Int(random.next() % 200)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                // Half the rounds are pure binary garbage, half are protocol-shaped noise.
                bytes.append(round % 2 == 0 ? UInt8(truncatingIfNeeded: random.next()) : alphabet[Int(random.next() % UInt64(alphabet.count))])
            }
            let aggregatorInput = bytes
            var aggregator = StatsDAggregator(maxSeries: 50)
            var seen = 0
            aggregatorInput.withUnsafeBytes { buffer in
                StatsDParser.forEachLine(in: buffer) { outcome in
                    seen += 1
                    if case .metric(let line) = outcome { _ = aggregator.add(line) }
                }
            }
            var batch = MetricBatch()
            aggregator.flush(into: &batch)
            #expect(seen >= StatsDParser.parse(bytes).count)
        }
    }
}

/// SplitMix64: a small deterministic generator so that fuzz failures reproduce.
struct StatsDTestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
