import SondeAWS
import SondeCollectors
import SondeCore
import SondeNet
import SondeTestSupport
import Testing

/// 2024-02-20T10:30:00Z: in a leap-year February (29 days).
let billingNow: Int64 = 1_708_425_000_000
/// Milliseconds of `2024-MM-DDTHH:00:00Z`.
func utc(_ month: Int64, _ day: Int64, _ hour: Int64, year: Int64 = 2024) -> Int64 {
    (CivilDate.daysFromCivil(year: year, month: month, day: day) * 24 + hour) * 3_600_000
}

/// The IAM user the moto tests sign as: created through moto's IAM API with sonde's own query
/// client, before moto is told to check every request's signature and permissions from then on.
func authenticatedMoto(_ server: MotoServer) async throws -> AWSCredentials {
    let http = HTTPClient()
    let setup = AWSQueryClient(
        endpoint: server.endpoint, service: "iam", region: "us-east-1", version: "2010-05-08",
        credentials: StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDSETUP", secretAccessKey: "setup", source: "test")), http: http, retry: .none)
    _ = try await setup.call("CreateUser", [("UserName", "sonde")])
    let created = try await setup.call("CreateAccessKey", [("UserName", "sonde")])
    let key = try #require(created.path("CreateAccessKeyResult", "AccessKey"))
    let id = try #require(key.child("AccessKeyId")?.trimmedText)
    let secret = try #require(key.child("SecretAccessKey")?.trimmedText)
    // moto names the actions after the signing service (`monitoring:`), AWS after `cloudwatch:`.
    let policy = #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["cloudwatch:*", "monitoring:*"], "Resource": "*"}]}"#
    _ = try await setup.call("PutUserPolicy", [("UserName", "sonde"), ("PolicyName", "cloudwatch"), ("PolicyDocument", policy)])
    let reset = try await http.send(HTTPRequest(method: "POST", url: server.endpoint + "/moto-api/reset-auth", body: Array("0".utf8)))
    #expect(reset.status == 200)
    return AWSCredentials(accessKeyID: id, secretAccessKey: secret, source: "moto IAM user")
}

/// `EstimatedCharges` as AWS publishes it: the total, and per service. The January point is last
/// month's final bill, which must not count in February.
func loadCharges(_ server: MotoServer, _ credentials: AWSCredentials) async throws {
    let client = CloudWatchClient(endpoint: server.endpoint, region: "us-east-1", credentials: StaticCredentialsProvider(credentials), http: HTTPClient(), retry: .none)
    func datum(_ time: Int64, _ value: Double, service: String? = nil) -> CloudWatchClient.Datum {
        var dimensions = [CloudWatchClient.Dimension("Currency", "USD")]
        if let service { dimensions.insert(CloudWatchClient.Dimension("ServiceName", service), at: 0) }
        return CloudWatchClient.Datum(metricName: "EstimatedCharges", dimensions: dimensions, timestamp: time, value: value, unit: "None")
    }
    try await client.putMetricData(namespace: "AWS/Billing", [
        datum(utc(1, 31, 18), 250),
        datum(utc(2, 1, 6), 3),
        datum(utc(2, 5, 6), 20),
        datum(utc(2, 10, 6), 45),
        datum(utc(2, 20, 6), 95.5),
        datum(utc(2, 1, 6), 1, service: "AmazonEC2"),
        datum(utc(2, 20, 6), 60.25, service: "AmazonEC2"),
        datum(utc(2, 20, 6), 0.42, service: "AWSLambda"),
        datum(utc(1, 31, 18), 99, service: "AmazonRDS"),
    ], gzip: false)  // moto 5.2 with auth on answers SignatureDoesNotMatch to any gzip body, botocore-signed ones too
}

func billingCollector(_ endpoint: String, _ credentials: AWSCredentials, perService: Bool = false, retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))) -> BillingCollector {
    BillingCollector(
        settings: BillingCollector.Settings(endpoint: endpoint, perService: perService, requestTimeout: .seconds(5), retry: retry),
        credentials: StaticCredentialsProvider(credentials), now: { billingNow })
}

func billingSample(_ batch: MetricBatch, _ name: String, service: String? = nil) -> MetricSample? {
    batch.samples.first { $0.labels.metricName == name && $0.labels["currency"] == "USD" && $0.labels["service"] == service }
}

@Suite("Billing collector against a real moto server on 127.0.0.1", .exclusiveMachineUse, .serialized)
struct BillingCollectorTests {
    @Test("the month's latest estimate at its own timestamp and the month-end projection; January ignored")
    func total() async throws {
        try await MotoServer.with { server in
            let credentials = try await authenticatedMoto(server)
            try await loadCharges(server, credentials)
            var batch = MetricBatch()
            try await billingCollector(server.endpoint, credentials).collect(into: &batch)
            #expect(batch.count == 2)
            let estimate = try #require(billingSample(batch, "aws_billing_estimated_charges_usd"))
            #expect(estimate.value == 95.5)
            #expect(estimate.timestamp == utc(2, 20, 6))
            let projection = try #require(billingSample(batch, "aws_billing_projected_charges_usd"))
            // From 3.00 on Feb 1 06:00 to 95.50 on Feb 20 06:00 (19 days), carried 9 days 18 hours
            // to Mar 1 00:00 (2024 is a leap year).
            let expected = 95.5 + (95.5 - 3.0) / Double(19 * 24) * Double(9 * 24 + 18)
            #expect(abs(projection.value - expected) < 1e-9)
            #expect(projection.timestamp == nil)
        }
    }

    @Test("per_service: one estimate per service with a USD series this month, besides the total")
    func perService() async throws {
        try await MotoServer.with { server in
            let credentials = try await authenticatedMoto(server)
            try await loadCharges(server, credentials)
            var batch = MetricBatch()
            try await billingCollector(server.endpoint, credentials, perService: true).collect(into: &batch)
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd", service: "AmazonEC2")?.value == 60.25)
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd", service: "AmazonEC2")?.timestamp == utc(2, 20, 6))
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd", service: "AWSLambda")?.value == 0.42)
            // RDS has only January's point: no February estimate.
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd", service: "AmazonRDS") == nil)
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd")?.value == 95.5)
            #expect(batch.count == 4)
        }
    }

    @Test("a wrong secret is refused by moto's signature check: an error naming the call and AWS's code, not retried")
    func wrongSecret() async throws {
        try await MotoServer.with { server in
            var credentials = try await authenticatedMoto(server)
            try await loadCharges(server, credentials)
            credentials.secretAccessKey = Secret("not-the-secret")
            var batch = MetricBatch()
            let error = try await #require(throws: AWSError.self) { try await billingCollector(server.endpoint, credentials).collect(into: &batch) }
            #expect(error.kind == .service)
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.status == 403)
            #expect(!error.retryable)
            #expect(error.message.hasPrefix("GetMetricData at \(server.endpoint)/: HTTP 403: SignatureDoesNotMatch: The request signature we calculated does not match"))
            #expect(!error.message.contains("not-the-secret"))
            #expect(batch.count == 0)
        }
    }

    @Test("a key moto does not know: InvalidClientTokenId")
    func unknownKey() async throws {
        try await MotoServer.with { server in
            _ = try await authenticatedMoto(server)
            var batch = MetricBatch()
            let error = try await #require(throws: AWSError.self) {
                try await billingCollector(server.endpoint, AWSCredentials(accessKeyID: "AKIDUNKNOWN", secretAccessKey: "x", source: "test")).collect(into: &batch)
            }
            #expect(error.code == "InvalidClientTokenId")
        }
    }

    @Test("an unreachable endpoint: a transport error after the retries, naming the endpoint")
    func unreachable() async throws {
        try await LoopbackServer.withClosedPort { port in
            var batch = MetricBatch()
            let collector = billingCollector("http://127.0.0.1:\(port)", AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", source: "test"))
            let error = try await #require(throws: AWSError.self) { try await collector.collect(into: &batch) }
            #expect(error.kind == .transport)
            #expect(error.message.hasPrefix("GetMetricData: POST http://127.0.0.1:\(port)/: "))
            #expect(error.message.hasSuffix("(after 3 attempts)"))
            #expect(!error.message.contains("secret"))
        }
    }

    @Test("no credentials anywhere: a credentials error, and nothing is sent")
    func noCredentials() async throws {
        try await LoopbackServer.withClosedPort { port in
            let collector = BillingCollector(
                settings: BillingCollector.Settings(endpoint: "http://127.0.0.1:\(port)"),
                credentials: AWSCredentialsChain.standard(environment: ["HOME": "/nonexistent"], instanceRole: nil), now: { billingNow })
            var batch = MetricBatch()
            let error = try await #require(throws: AWSError.self) { try await collector.collect(into: &batch) }
            #expect(error.kind == .credentials)
            #expect(error.message == "no AWS credentials found (tried environment, shared credentials files)")
        }
    }
}

/// A CloudWatch stand-in for what moto cannot be made to do: throttle, fail with 5xx, paginate.
/// Modes (first argument): `throttle-then-ok` (two 400 Throttling answers, then a page),
/// `always-500`, `denied` (403 AccessDenied), `paged` (a NextToken page, then the rest).
/// `GET /_count` reports how many POSTs came.
let cloudWatchQuirksScript = #"""
import os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MODE = sys.argv[1]
count = 0
lock = threading.Lock()

def page(values, token=None):
    members = "".join("<member>2024-02-%02dT06:00:00Z</member>" % day for day, _ in values)
    numbers = "".join("<member>%s</member>" % value for _, value in values)
    next_token = "<NextToken>%s</NextToken>" % token if token else ""
    return ('<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult>'
            '<MetricDataResults><member><Id>total</Id><Label>EstimatedCharges</Label><Timestamps>%s</Timestamps>'
            '<Values>%s</Values><StatusCode>%s</StatusCode></member></MetricDataResults>%s</GetMetricDataResult>'
            '<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetMetricDataResponse>'
            % (members, numbers, "PartialData" if token else "Complete", next_token)).encode()

def error(code, message):
    return ('<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
            '<RequestId>r-%d</RequestId></ErrorResponse>' % (code, message, count)).encode()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        with lock:
            self.reply(200, str(count).encode())
    def do_POST(self):
        global count
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        with lock:
            count += 1
            n = count
        if MODE == "throttle-then-ok":
            if n <= 2:
                return self.reply(400, error("Throttling", "Rate exceeded"))
            return self.reply(200, page([(20, 95.5), (1, 3)]))
        if MODE == "always-500":
            return self.reply(500, error("InternalFailure", "internal failure"))
        if MODE == "denied":
            return self.reply(403, error("AccessDenied", "User is not authorized to perform: cloudwatch:GetMetricData"))
        if MODE == "paged":
            if "NextToken" not in form:
                return self.reply(200, page([(1, 3), (5, 20)], token="page-2"))
            if form["NextToken"] != ["page-2"]:
                return self.reply(400, error("InvalidNextToken", "bad token"))
            return self.reply(200, page([(20, 95.5), (10, 45)]))

"""# + LoopbackServer.serveHandler

@Suite("Billing collector against a loopback server that throttles, fails and paginates", .exclusiveMachineUse)
struct BillingQuirksTests {
    static let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", source: "test")

    func requests(_ server: LoopbackServer) async throws -> Int {
        Int(try await HTTPClient().send(HTTPRequest(url: server.base + "/_count")).text) ?? -1
    }

    @Test("throttling is retried with backoff, then the values come through")
    func throttled() async throws {
        try await LoopbackServer.with(script: cloudWatchQuirksScript, arguments: ["throttle-then-ok"]) { server in
            var batch = MetricBatch()
            try await billingCollector(server.base, Self.credentials).collect(into: &batch)
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd")?.value == 95.5)
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd")?.timestamp == utc(2, 20, 6))
            #expect(try await requests(server) == 3)
        }
    }

    @Test("throttling beyond the attempts: an error with AWS's code and message")
    func throttledOut() async throws {
        try await LoopbackServer.with(script: cloudWatchQuirksScript, arguments: ["throttle-then-ok"]) { server in
            var batch = MetricBatch()
            let error = try await #require(throws: AWSError.self) {
                try await billingCollector(server.base, Self.credentials, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10))).collect(into: &batch)
            }
            #expect(error.message == "GetMetricData at \(server.base)/: HTTP 400: Throttling: Rate exceeded (after 2 attempts)")
            #expect(try await requests(server) == 2)
        }
    }

    @Test("a 500 is retried up to the policy's attempts")
    func serverError() async throws {
        try await LoopbackServer.with(script: cloudWatchQuirksScript, arguments: ["always-500"]) { server in
            var batch = MetricBatch()
            let error = try await #require(throws: AWSError.self) { try await billingCollector(server.base, Self.credentials).collect(into: &batch) }
            #expect(error.status == 500)
            #expect(error.code == "InternalFailure")
            #expect(try await requests(server) == 3)
        }
    }

    @Test("access denied is not retried")
    func denied() async throws {
        try await LoopbackServer.with(script: cloudWatchQuirksScript, arguments: ["denied"]) { server in
            var batch = MetricBatch()
            let error = try await #require(throws: AWSError.self) { try await billingCollector(server.base, Self.credentials).collect(into: &batch) }
            #expect(error.message == "GetMetricData at \(server.base)/: HTTP 403: AccessDenied: User is not authorized to perform: cloudwatch:GetMetricData")
            #expect(try await requests(server) == 1)
        }
    }

    @Test("NextToken pages are followed and merged in time order")
    func paged() async throws {
        try await LoopbackServer.with(script: cloudWatchQuirksScript, arguments: ["paged"]) { server in
            var batch = MetricBatch()
            try await billingCollector(server.base, Self.credentials).collect(into: &batch)
            #expect(billingSample(batch, "aws_billing_estimated_charges_usd")?.value == 95.5)
            let expected = 95.5 + (95.5 - 3.0) / Double(19 * 24) * Double(9 * 24 + 18)
            #expect(abs((billingSample(batch, "aws_billing_projected_charges_usd")?.value ?? 0) - expected) < 1e-9)
            #expect(try await requests(server) == 2)
        }
    }
}
