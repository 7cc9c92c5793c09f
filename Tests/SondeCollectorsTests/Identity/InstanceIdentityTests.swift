import Logging
import SondeAWS
import SondeCollectors
import SondeCore
import SondeNet
import SondeTestSupport
import Testing

@Suite("EC2 instance identity through IMDSv2, against a fake metadata service on 127.0.0.1", .exclusiveMachineUse)
struct InstanceIdentityTests {
    static let quiet = Logger(label: "test.identity", factory: { _ in SwiftLogNoOpLogHandler() })
    let client = HTTPClient()

    func withIMDS<T>(_ mode: String = "normal", _ body: (LoopbackServer) async throws -> T) async throws -> T {
        try await FakeIMDS.with(mode: mode, body)
    }

    func discover(_ endpoint: String, client: HTTPClient? = nil) async -> InstanceIdentity {
        await InstanceIdentity.discover(
            metadata: InstanceMetadataClient(client: client ?? self.client, endpoint: endpoint, timeout: .seconds(2)),
            hostname: "build-host-7", logger: Self.quiet)
    }

    /// Tokens granted, and metadata GETs that came without one.
    func stats(_ imds: LoopbackServer) async throws -> (tokens: Int, tokenless: Int) {
        let text = try await client.send(HTTPRequest(url: imds.base + FakeIMDS.statsPath)).text
        let counts = FakeIMDS.counts(text)
        let tokens = try #require(counts["tokens"], "stats: \(text)")
        let tokenless = try #require(counts["tokenless"], "stats: \(text)")
        return (tokens, tokenless)
    }

    @Test("on EC2: one token, then every field read with it; never an IMDSv1 request")
    func onEC2() async throws {
        try await withIMDS { imds in
            let identity = await discover(imds.base)
            #expect(identity == InstanceIdentity(
                instanceID: "i-0abc123def4567890", instanceType: "m7g.large", availabilityZone: "eu-west-1b", region: "eu-west-1",
                amiID: "ami-0fedcba9876543210", autoScalingGroup: "web-asg", hostname: "build-host-7", onEC2: true))
            #expect(identity.instance == "i-0abc123def4567890")
            let stats = try await HTTPClient().send(HTTPRequest(url: imds.base + FakeIMDS.statsPath)).text
            #expect(FakeIMDS.counts(stats) == ["tokens": 1, "tokenless": 0, "fetches": 0])
        }
    }

    @Test("the fake, like IMDSv2, rejects metadata GETs without the token")
    func fakeRejectsIMDSv1() async throws {
        try await withIMDS { imds in
            let response = try await client.send(HTTPRequest(url: imds.base + "/latest/meta-data/instance-id"))
            #expect(response.status == 401)
            let counts = try await stats(imds)
            #expect(counts.tokenless == 1)
        }
    }

    @Test("an older service without placement/region: the region comes from the zone")
    func regionFallback() async throws {
        try await withIMDS("no-region") { imds in
            let identity = await discover(imds.base)
            #expect(identity.onEC2)
            #expect(identity.availabilityZone == "eu-west-1b")
            #expect(identity.region == "eu-west-1")
            #expect(identity.autoScalingGroup.isEmpty, "no instance tags in the metadata: no group")
        }
    }

    @Test("a closed port as endpoint: off EC2, the host name as identity")
    func closedPort() async throws {
        try await LoopbackServer.withClosedPort { port in
            let identity = await discover("http://127.0.0.1:\(port)")
            #expect(identity == InstanceIdentity.offEC2(hostname: "build-host-7"))
            #expect(!identity.onEC2)
            #expect(identity.instance == "build-host-7")
        }
    }

    @Test("a 401 on the token PUT: off EC2, nothing else asked")
    func tokenRefused() async throws {
        try await withIMDS("token-401") { imds in
            let identity = await discover(imds.base)
            #expect(identity == InstanceIdentity.offEC2(hostname: "build-host-7"))
            let counts = try await stats(imds)
            #expect(counts.tokenless == 0)
        }
    }

    @Test("a 403 on the GETs after a token: off EC2")
    func getsForbidden() async throws {
        try await withIMDS("get-403") { imds in
            let identity = await discover(imds.base)
            #expect(identity == InstanceIdentity.offEC2(hostname: "build-host-7"))
            let counts = try await stats(imds)
            #expect(counts.tokens == 1)
        }
    }

    @Test("metadata requests bypass the client's proxy")
    func noProxy() async throws {
        try await LoopbackServer.withClosedPort { proxyPort in
            try await withIMDS { imds in
                let proxied = HTTPClient(configuration: .init(proxy: .url("http://127.0.0.1:\(proxyPort)")))
                let identity = await discover(imds.base, client: proxied)
                #expect(identity.onEC2)
                #expect(identity.instanceID == "i-0abc123def4567890")
            }
        }
    }

    @Test("region from availability zone names", arguments: [
        ("us-east-1a", "us-east-1"), ("eu-west-1b", "eu-west-1"), ("ap-southeast-2c", "ap-southeast-2"),
        ("us-gov-west-1a", "us-gov-west-1"), ("cn-north-1a", "cn-north-1"), ("us-west-2-lax-1a", "us-west-2"),
        ("us-east-1-wl1-bos-wlz-1", "us-east-1"), ("il-central-1c", "il-central-1"), ("", ""), ("nonsense", ""), ("1a", ""),
    ])
    func regionFromZone(zone: String, region: String) {
        #expect(InstanceIdentity.regionFromAvailabilityZone(zone) == region)
    }
}

@Suite("Instance identity collector", .exclusiveMachineUse)
struct InstanceIdentityCollectorTests {
    static func info(_ collector: InstanceIdentityCollector) async throws -> Labels {
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        try #require(batch.count == 1)
        #expect(batch.samples[0].value == 1)
        return batch.samples[0].labels
    }

    @Test("on EC2: sonde_instance_info with the instance id as instance")
    func onEC2() async throws {
        let identity = InstanceIdentity(
            instanceID: "i-0abc", instanceType: "t4g.small", availabilityZone: "us-east-1a", region: "us-east-1", amiID: "ami-1",
            hostname: "ip-10-0-0-1", onEC2: true)
        let collector = InstanceIdentityCollector(identity: identity)
        #expect(collector.name == "identity")
        let labels = try await Self.info(collector)
        #expect(labels.description
            == #"sonde_instance_info{ami_id="ami-1",availability_zone="us-east-1a",instance="i-0abc",instance_id="i-0abc",instance_type="t4g.small",region="us-east-1"}"#)
    }

    @Test("off EC2: only the host name, as instance")
    func offEC2() async throws {
        let labels = try await Self.info(InstanceIdentityCollector(identity: .offEC2(hostname: "laptop")))
        #expect(labels.description == #"sonde_instance_info{instance="laptop"}"#)
    }

    @Test("discovers once, on the first collect, and keeps the result")
    func discoversOnce() async throws {
        try await FakeIMDS.with { imds in
            let collector = InstanceIdentityCollector(
                metadata: InstanceMetadataClient(client: HTTPClient(), endpoint: imds.base, timeout: .seconds(2)), hostname: "h",
                logger: InstanceIdentityTests.quiet)
            #expect(collector.current == nil)
            #expect(try await Self.info(collector)["instance"] == "i-0abc123def4567890")
            #expect(try await Self.info(collector)["region"] == "eu-west-1")
            let stats = try await HTTPClient().send(HTTPRequest(url: imds.base + FakeIMDS.statsPath)).text
            #expect(FakeIMDS.counts(stats) == ["tokens": 1, "tokenless": 0, "fetches": 0])
        }
    }
}
