import SondeAWS
import Testing

/// The published AWS Signature Version 4 test suite (aws-sig-v4-test-suite, as botocore and the
/// AWS CRT carry it): credentials `AKIDEXAMPLE`, region `us-east-1`, service `service`, time
/// 2015-08-30T12:36:00Z, host `example.amazonaws.com`. The expected canonical requests, string-to-sign
/// hashes and signatures are the suite's own files, copied as data.
@Suite("SigV4 against the published test suite")
struct SigV4SignerTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", source: "test suite")
    /// 2015-08-30T12:36:00Z.
    static let time: Int64 = 1_440_938_160_000
    static let signer = SigV4Signer(service: "service", region: "us-east-1")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var url: String
        var headers: [(name: String, value: String)] = []
        var body: String = ""
        var sessionToken: String?
        var canonicalRequest: String
        /// The last line of the string to sign: the canonical request's SHA-256.
        var canonicalRequestHash: String
        var signedHeaders: String
        var signature: String
        var testDescription: String { name }
    }

    static let stsToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

    static let vectors: [Vector] = [
        Vector(
            name: "get-vanilla", method: "GET", url: "https://example.amazonaws.com/",
            canonicalRequest: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            canonicalRequestHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            signedHeaders: "host;x-amz-date", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(
            name: "post-vanilla", method: "POST", url: "https://example.amazonaws.com/",
            canonicalRequest: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            canonicalRequestHash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            signedHeaders: "host;x-amz-date", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(
            name: "get-vanilla-query-order-key-case", method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            canonicalRequest: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            canonicalRequestHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
            signedHeaders: "host;x-amz-date", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(
            name: "post-x-www-form-urlencoded", method: "POST", url: "https://example.amazonaws.com/",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
            canonicalRequest:
                "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            canonicalRequestHash: "",
            signedHeaders: "content-type;host;x-amz-date", signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        Vector(
            name: "post-sts-header-before", method: "POST", url: "https://example.amazonaws.com/", sessionToken: stsToken,
            canonicalRequest:
                "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:\(stsToken)\n\nhost;x-amz-date;x-amz-security-token\n\(emptyHash)",
            canonicalRequestHash: "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
            signedHeaders: "host;x-amz-date;x-amz-security-token", signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    ]

    @Test("canonical request, string to sign, signature and Authorization exactly as published", arguments: vectors)
    func vector(_ vector: Vector) throws {
        var credentials = Self.credentials
        if let token = vector.sessionToken { credentials = AWSCredentials(accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey.value, sessionToken: token, source: "test suite") }
        let signed = try Self.signer.sign(
            method: vector.method, url: vector.url, headers: vector.headers, body: Array(vector.body.utf8), credentials: credentials, milliseconds: Self.time)
        #expect(signed.canonicalRequest == vector.canonicalRequest)
        let lines = signed.stringToSign.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(Array(lines.prefix(3)) == ["AWS4-HMAC-SHA256", "20150830T123600Z", "20150830/us-east-1/service/aws4_request"])
        if !vector.canonicalRequestHash.isEmpty { #expect(lines.last.map(String.init) == vector.canonicalRequestHash) }
        #expect(signed.signedHeaders == vector.signedHeaders)
        #expect(signed.signature == vector.signature)
        let headers = Dictionary(uniqueKeysWithValues: signed.headers.map { ($0.name, $0.value) })
        #expect(headers["Authorization"] == "AWS4-HMAC-SHA256 Credential=\(Self.scope), SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)")
        #expect(headers["X-Amz-Date"] == "20150830T123600Z")
        #expect(headers["X-Amz-Security-Token"] == vector.sessionToken)
    }

    @Test("the signing key of the SigV4 documentation's example (secret wJalr…, 20120215, us-east-1, iam)")
    func signingKey() {
        let key = SigV4Signer.signingKey(secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", dateStamp: "20120215", region: "us-east-1", service: "iam")
        let hex = key.withUnsafeBytes { $0.map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined() }
        #expect(hex == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test("a non-default port is part of the signed host; a default one is not; secrets never print")
    func hostAndRedaction() throws {
        let withPort = try Self.signer.sign(method: "POST", url: "http://127.0.0.1:5000/", body: [], credentials: Self.credentials, milliseconds: Self.time)
        #expect(withPort.canonicalRequest.contains("\nhost:127.0.0.1:5000\n"))
        let defaultPort = try Self.signer.sign(method: "POST", url: "https://example.amazonaws.com:443/", body: [], credentials: Self.credentials, milliseconds: Self.time)
        #expect(defaultPort.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
        #expect(throws: AWSError.self) { try Self.signer.sign(method: "GET", url: "ftp://example.com/", body: [], credentials: Self.credentials, milliseconds: Self.time) }
        let described = "\(AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI", sessionToken: "TOKEN123", source: "environment"))"
        #expect(described == "AKIDEXAMPLE from environment")
        #expect(!described.contains("wJalr") && !described.contains("TOKEN123"))
    }

    @Test("x-amz-date across years and the epoch")
    func amzDate() {
        #expect(SigV4Signer.amzDate(milliseconds: 0) == "19700101T000000Z")
        #expect(SigV4Signer.amzDate(milliseconds: 1_709_164_799_999) == "20240228T235959Z")
        #expect(SigV4Signer.amzDate(milliseconds: 1_709_164_800_000) == "20240229T000000Z")
    }

    @Test("query-protocol bodies are RFC 3986 encoded: space as %20, unreserved kept, UTF-8 bytes escaped")
    func formEncoding() {
        #expect(FormEncoding.queryBody(action: "GetMetricData", version: "2010-08-01", parameters: [("A.b", "x y+z/~_-."), ("Name", "é")])
            == "Action=GetMetricData&Version=2010-08-01&A.b=x%20y%2Bz%2F~_-.&Name=%C3%A9")
        #expect(FormEncoding.percentDecode("a%20b%2") == "a b%2")
        #expect(FormEncoding.percentDecode(FormEncoding.percentEncode("AWS/Billing: 100% & more")) == "AWS/Billing: 100% & more")
    }
}
