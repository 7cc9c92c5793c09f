#if canImport(Glibc)
import Glibc
#endif
import SondeAWS
import SondeCore
import SondeNet
import SondeTestSupport
import Synchronization
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("capped exponential backoff with full jitter; no delay once the attempts are used")
    func schedule() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(1_000))
        #expect((1...5).map { policy.delay(afterAttempt: $0, random: 0.999_999) } == [99, 199, 399, 799, 999].map(Duration.milliseconds))
        #expect(policy.delay(afterAttempt: 3, random: 0) == .zero)
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 6, random: 0.5) == nil)
        #expect(RetryPolicy.none.delay(afterAttempt: 1, random: 0.5) == nil)
        // Huge attempt numbers neither overflow nor exceed the cap.
        #expect(RetryPolicy(maxAttempts: 1_000, baseDelay: .milliseconds(1 << 40), maxDelay: .milliseconds(20_000)).delay(afterAttempt: 999, random: 0.5) == .milliseconds(10_000))
    }

    @Test("throttling and 5xx are retried; other 4xx are not; transport failures depend on the kind")
    func retryable() {
        #expect(RetryPolicy.isRetryable(status: 400, code: "Throttling"))
        #expect(RetryPolicy.isRetryable(status: 400, code: "ThrottlingException"))
        #expect(RetryPolicy.isRetryable(status: 429, code: nil))
        #expect(RetryPolicy.isRetryable(status: 500, code: "InternalFailure"))
        #expect(RetryPolicy.isRetryable(status: 503, code: nil))
        #expect(!RetryPolicy.isRetryable(status: 403, code: "AccessDenied"))
        #expect(!RetryPolicy.isRetryable(status: 403, code: "SignatureDoesNotMatch"))
        #expect(!RetryPolicy.isRetryable(status: 400, code: "InvalidParameterValue"))
        #expect(!RetryPolicy.isRetryable(status: 404, code: nil))
        #expect(RetryPolicy.isRetryable(HTTPError(kind: .connect, url: "u", message: "m")))
        #expect(RetryPolicy.isRetryable(HTTPError(kind: .timeout, url: "u", message: "m")))
        #expect(!RetryPolicy.isRetryable(HTTPError(kind: .tls, url: "u", message: "m")))
        #expect(!RetryPolicy.isRetryable(HTTPError(kind: .cancelled, url: "u", message: "m")))
    }
}

@Suite("Credentials chain and region")
struct CredentialsChainTests {
    func chain(_ environment: [String: String]) -> AWSCredentialsChain { .standard(environment: environment, instanceRole: nil) }

    @Test("the environment comes first, with its session token")
    func environment() async throws {
        let home = try ScratchTree()
        defer { home.remove() }
        try home.write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n")
        let found = try await chain(["HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok"]).credentials()
        #expect(found.accessKeyID == "AKIDENV")
        #expect(found.secretAccessKey.value == "envsecret")
        #expect(found.sessionToken?.value == "tok")
        #expect(found.source == "environment")
    }

    @Test("half a key pair in the environment is an error, not a fall-through")
    func halfEnvironment() async {
        let error = await #expect(throws: AWSError.self) { try await chain(["AWS_ACCESS_KEY_ID": "AKIDENV"]).credentials() }
        #expect(error?.message == "the environment has AWS_ACCESS_KEY_ID but no AWS_SECRET_ACCESS_KEY")
    }

    @Test("the shared credentials file: default profile, AWS_PROFILE, comments, nested settings")
    func sharedFile() async throws {
        let home = try ScratchTree()
        defer { home.remove() }
        try home.write(".aws/credentials", """
            # keys
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default/secret#kept
            s3 =
              max_concurrent_requests = 10
            [work]
            aws_access_key_id=AKIDWORK
            aws_secret_access_key=worksecret ; a comment
            aws_session_token = worktoken

            """)
        let found = try await chain(["HOME": home.path]).credentials()
        #expect(found.accessKeyID == "AKIDDEFAULT")
        #expect(found.secretAccessKey.value == "default/secret#kept")
        #expect(found.source == home.path + "/.aws/credentials (profile default)")
        let work = try await chain(["HOME": home.path, "AWS_PROFILE": "work"]).credentials()
        #expect(work.accessKeyID == "AKIDWORK")
        #expect(work.secretAccessKey.value == "worksecret")
        #expect(work.sessionToken?.value == "worktoken")
    }

    @Test("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE; keys and region from the config file's [profile x]")
    func configFile() async throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try tree.write("creds", "[other]\naws_access_key_id = A\naws_secret_access_key = B\n")
        try tree.write("config", "[default]\nregion = eu-west-1\n[profile ops]\nregion = ap-south-1\naws_access_key_id = AKIDOPS\naws_secret_access_key = opssecret\n")
        let environment = ["AWS_SHARED_CREDENTIALS_FILE": tree.path + "/creds", "AWS_CONFIG_FILE": tree.path + "/config", "AWS_PROFILE": "ops"]
        #expect(try await chain(environment).credentials().accessKeyID == "AKIDOPS")
        #expect(AWSRegion.resolve(configured: nil, environment: environment) == "ap-south-1")
        #expect(AWSRegion.resolve(configured: nil, environment: environment.merging(["AWS_DEFAULT_REGION": "us-west-2"]) { $1 }) == "us-west-2")
        #expect(AWSRegion.resolve(configured: nil, environment: environment.merging(["AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "us-west-2"]) { $1 }) == "eu-north-1")
        #expect(AWSRegion.resolve(configured: "us-east-1", environment: environment.merging(["AWS_REGION": "eu-north-1"]) { $1 }) == "us-east-1")
        #expect(AWSRegion.resolve(configured: nil, environment: ["AWS_CONFIG_FILE": tree.path + "/config"]) == "eu-west-1")
        #expect(AWSRegion.resolve(configured: nil, environment: [:], fallback: "sa-east-1") == "sa-east-1")
        #expect(AWSRegion.resolve(configured: nil, environment: [:]) == nil)
        let missing = await #expect(throws: AWSError.self) { try await chain(environment.merging(["AWS_PROFILE": "nope"]) { $1 }).credentials() }
        #expect(missing?.message == "profile nope (AWS_PROFILE) is in neither \(tree.path)/creds nor \(tree.path)/config")
    }

    @Test("nothing anywhere: one error listing what was tried")
    func nothing() async {
        let error = await #expect(throws: AWSError.self) { try await chain(["HOME": "/nonexistent"]).credentials() }
        #expect(error?.kind == .credentials)
        #expect(error?.message == "no AWS credentials found (tried environment, shared credentials files)")
    }
}

@Suite("Instance role credentials over IMDSv2", .exclusiveMachineUse)
struct InstanceRoleCredentialsTests {
    func stats(_ server: LoopbackServer) async throws -> String {
        try await HTTPClient().send(HTTPRequest(url: server.base + FakeIMDS.statsPath)).text
    }

    @Test("token, role, credentials; cached while fresh, fetched again once within the refresh margin")
    func refresh() async throws {
        // Credentials live one hour; the provider refreshes ten minutes before expiry.
        try await FakeIMDS.with(credentialLifetime: 3600) { server in
            let clock = Mutex<Int64>(SystemClock().wallMilliseconds)
            let provider = InstanceRoleCredentialsProvider(client: HTTPClient(), endpoint: server.base, now: { clock.withLock { $0 } })
            let chain = AWSCredentialsChain.standard(environment: [:], instanceRole: provider)
            let first = try await chain.credentials()
            #expect(first.accessKeyID == "ASIAROLE1")
            #expect(first.secretAccessKey.value == "role/secret")
            #expect(first.sessionToken?.value == "role-session-token")
            #expect(first.source == "instance role sonde-role")
            #expect(abs((first.expiration ?? 0) - SystemClock().wallMilliseconds - 3_600_000) < 120_000)
            clock.withLock { $0 += 45 * 60_000 }
            #expect(try await chain.credentials().accessKeyID == "ASIAROLE1")
            clock.withLock { $0 += 6 * 60_000 }
            #expect(try await chain.credentials().accessKeyID == "ASIAROLE2")
            #expect(try await stats(server) == "fetches=2 tokenless=0 tokens=2")
        }
    }

    @Test("an unreachable metadata service is a credentials error naming it")
    func unreachable() async throws {
        try await LoopbackServer.withClosedPort { port in
            let provider = InstanceRoleCredentialsProvider(client: HTTPClient(), endpoint: "http://127.0.0.1:\(port)", timeout: .milliseconds(500))
            let error = await #expect(throws: AWSError.self) { try await AWSCredentialsChain.standard(environment: [:], instanceRole: provider).credentials() }
            #expect(error?.kind == .credentials)
            #expect(error?.message.hasPrefix("EC2 metadata service at http://127.0.0.1:\(port): no session token: ") == true)
        }
    }
}
