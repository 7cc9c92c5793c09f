import SondeCollectors
import Testing

@Suite("AccessLogJSONParser")
struct AccessLogJSONParserTests {
    let parser = AccessLogJSONParser()

    @Test("a structured-logging line with RFC 3339 time")
    func rfc3339() throws {
        let r = try parser.parse(
            #"{"time":"2024-03-01T12:00:00.123+01:00","method":"GET","path":"/api/v1/standards/42/?x=1","status":200,"bytes":512,"duration":0.0125,"extra":{"a":[1,{"b":"}"}]},"ok":true,"n":null}"#)
        #expect(r == AccessLogRecord(
            timestampMilliseconds: 1_709_290_800_123, method: "GET", path: "/api/v1/standards/42/", status: 200,
            responseBytes: 512, durationSeconds: 0.0125))
    }

    @Test("epoch seconds, milliseconds and alternative keys")
    func epochAndAliases() throws {
        let a = try parser.parse(#"{ "timestamp": 1709290800.5, "url": "https://h.example/x/y?q", "status_code": "404", "request_time": "0.002" }"#)
        #expect(a.timestampMilliseconds == 1_709_290_800_500)
        #expect(a.path == "/x/y")
        #expect(a.status == 404)
        #expect(a.durationSeconds == 0.002)
        let b = try parser.parse(#"{"ts":1709290800123,"status":500,"duration_ms":250,"body_bytes_sent":"7"}"#)
        #expect(b.timestampMilliseconds == 1_709_290_800_123)
        #expect(b.durationSeconds == 0.25)
        #expect(b.responseBytes == 7)
        let c = try parser.parse(#"{"time":"2024-01-01 00:00:00Z","status":201,"path":"/caf\u00e9/\ud83d\ude00"}"#)
        #expect(c.timestampMilliseconds == 1_704_067_200_000)
        #expect(c.path == "/café/😀")
        #expect(try parser.parse(#"{"status":204}"#).timestampMilliseconds == nil)
    }

    @Test("malformed JSON lines give their reason")
    func malformed() {
        #expect(throws: AccessLogMalformed.format) { try parser.parse("") }
        #expect(throws: AccessLogMalformed.format) { try parser.parse(#"{"status":200"#) }
        #expect(throws: AccessLogMalformed.format) { try parser.parse(#"{"status":200} x"#) }
        #expect(throws: AccessLogMalformed.format) { try parser.parse(#"[1,2]"#) }
        #expect(throws: AccessLogMalformed.format) { try parser.parse(#"{"a":tru,"status":200}"#) }
        #expect(throws: AccessLogMalformed.status) { try parser.parse(#"{"method":"GET"}"#) }
        #expect(throws: AccessLogMalformed.status) { try parser.parse(#"{"status":"ok"}"#) }
        #expect(throws: AccessLogMalformed.timestamp) { try parser.parse(#"{"time":"yesterday","status":200}"#) }
        #expect(throws: AccessLogMalformed.timestamp) { try parser.parse(#"{"time":"2024-02-30T00:00:00Z","status":200}"#) }
        #expect(throws: AccessLogMalformed.encoding) { try parser.parse(#"{"path":"/\ud800","status":200}"#) }
        #expect(throws: AccessLogMalformed.encoding) { try parser.parse(#"{"path":"/\q","status":200}"#) }
        #expect(throws: AccessLogMalformed.tooLong) {
            try parser.parse(#"{"status":200,"a":""# + String(repeating: "x", count: 20_000) + #""}"#)
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: AccessLogMalformed.format) { try parser.parse(#"{"a":"# + deep + #","status":200}"#) }
    }
}
