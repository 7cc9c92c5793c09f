#if canImport(Glibc)
import Glibc
#endif
import SondeNet
import SondeTestSupport
import Testing

/// What probes need from the client, against real servers on 127.0.0.1: per-request options,
/// timings, versions, certificates, and many requests at once on the one multi-handle thread.
@Suite("HTTP client: probe features against real servers on 127.0.0.1", .exclusiveMachineUse)
struct HTTPClientProbeFeatureTests {
    let client = HTTPClient()

    func withServer<T>(_ arguments: [String] = [], _ body: (LoopbackServer) async throws -> T) async throws -> T {
        try await LoopbackServer.with(script: httpTestServerScript, arguments: arguments, body)
    }

    /// Runs `body` with an HTTPS server whose certificate (its own CA) is at `DIR/cert.pem`.
    func withTLSServer<T>(expired: Bool = false, _ body: (LoopbackServer, String) async throws -> T) async throws -> T {
        let directory = TestFiles.makeDirectory("sonde-net-tls")
        defer { TestFiles.removeTree(directory) }
        return try await withServer(["tls", directory] + (expired ? ["expired"] : [])) { server in try await body(server, directory + "/cert.pem") }
    }

    @Test("per-request redirect policy: followed and counted, or returned; a chain longer than the limit fails")
    func redirects() async throws {
        try await withServer { server in
            let followed = try await client.send(HTTPRequest(url: server.base + "/redirect?n=3", options: .init(followRedirects: true)))
            #expect(followed.status == 200)
            #expect(followed.info.redirectCount == 3)
            #expect(followed.text == "hello, sonde")
            let returned = try await client.send(HTTPRequest(url: server.base + "/redirect?n=3", options: .init(followRedirects: false)))
            #expect(returned.status == 302)
            #expect(returned.info.redirectCount == 0)
            let error = await expectHTTPError { () async throws(HTTPError) in
                try await client.send(HTTPRequest(url: server.base + "/redirect?n=3", options: .init(followRedirects: true, maxRedirects: 2)))
            }
            #expect(error?.kind == .other)
        }
    }

    @Test("a gzip response is asked for and decoded; without acceptCompressed it is not asked for")
    func gzip() async throws {
        try await withServer { server in
            let compressed = try await client.send(HTTPRequest(url: server.base + "/gzip"))
            #expect(compressed.headers["x-gzipped"] == "yes")
            #expect(compressed.text == "hello, compressed")
            let plain = try await client.send(HTTPRequest(url: server.base + "/gzip", options: .init(acceptCompressed: false)))
            #expect(plain.headers["x-gzipped"] == nil)
            #expect(plain.text == "hello, compressed")
        }
    }

    @Test("timings are ordered and add up; the HTTP version is reported")
    func timings() async throws {
        try await withServer { server in
            let response = try await client.send(HTTPRequest(url: server.base + "/slow?ms=200", options: .init(freshConnection: true)))
            let timing = response.info.timing
            #expect(timing.connect >= timing.nameLookup)
            #expect(timing.firstByte >= timing.connect)
            #expect(timing.total >= timing.firstByte)
            #expect(timing.firstByte >= 0.2)  // the server waited 200 ms before its first byte
            #expect(timing.tlsHandshake == 0)
            let phases = timing.phases
            #expect(phases.processing >= 0.2)
            #expect(abs(phases.dns + phases.connect + phases.tls + phases.processing + phases.transfer - timing.total) < 0.001)
            #expect(response.info.httpVersion == "1.1")
            #expect(response.info.tlsVersion == nil)
            #expect(response.info.earliestCertificateExpiry == nil)
        }
    }

    @Test("TLS: per-request CA file; TLS version, handshake time and certificate expiry reported")
    func tlsInfo() async throws {
        try await withTLSServer { server, caFile in
            let url = "https://127.0.0.1:\(server.port)/hello"
            let refused = await expectHTTPError { () async throws(HTTPError) in try await client.send(HTTPRequest(url: url)) }
            #expect(refused?.kind == .tls)
            let response = try await client.send(HTTPRequest(url: url, options: .init(tls: .init(caFile: caFile), certificateInfo: true)))
            #expect(response.status == 200)
            #expect(response.info.tlsVersion?.hasPrefix("TLSv1.") == true)
            #expect(response.info.timing.tlsHandshake >= response.info.timing.connect)
            #expect(response.info.timing.tlsHandshake > 0)
            // The server's certificate is valid for one day from its start.
            let now = Int64(time(nil))
            let expiry = try #require(response.info.earliestCertificateExpiry)
            #expect(expiry > now + 86_400 - 600 && expiry <= now + 86_400 + 60)
            let insecure = try await client.send(HTTPRequest(url: url, options: .init(tls: .init(insecure: true))))
            #expect(insecure.status == 200)
        }
    }

    @Test("an expired certificate is refused even with its CA trusted; insecure sees its expiry in the past")
    func expiredCertificate() async throws {
        try await withTLSServer(expired: true) { server, caFile in
            let url = "https://127.0.0.1:\(server.port)/hello"
            let refused = await expectHTTPError { () async throws(HTTPError) in
                try await client.send(HTTPRequest(url: url, options: .init(tls: .init(caFile: caFile))))
            }
            #expect(refused?.kind == .tls)
            #expect(refused?.message.contains("expired") == true)
            let insecure = try await client.send(HTTPRequest(url: url, options: .init(tls: .init(insecure: true), certificateInfo: true)))
            let expiry = try #require(insecure.info.earliestCertificateExpiry)
            let now = Int64(time(nil))
            #expect(expiry < now - 86_400 + 600 && expiry > now - 2 * 86_400)
        }
    }

    @Test("connect: a listening port connects, a closed one fails with connect, a .invalid name with dns")
    func tcpConnect() async throws {
        try await withServer { server in
            let info = try await client.connect(host: "127.0.0.1", port: server.port, timeout: .milliseconds(2_000))
            #expect(info.timing.connect > 0)
            #expect(info.httpVersion == nil)
        }
        try await LoopbackServer.withClosedPort { port in
            let error = await expectHTTPError { () async throws(HTTPError) in
                try await HTTPResponse(status: 0, info: client.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(2_000)))
            }
            #expect(error?.kind == .connect)
        }
        let error = await expectHTTPError { () async throws(HTTPError) in
            try await HTTPResponse(status: 0, info: client.connect(host: "sonde-test.invalid", port: 80, timeout: .milliseconds(5_000)))
        }
        #expect(error?.kind == .dns)
    }

    @Test("IPv4 only against an IPv6 literal fails; IPv4 against 127.0.0.1 works")
    func ipVersion() async throws {
        try await withServer { server in
            let v4 = try await client.send(HTTPRequest(url: server.base + "/hello", options: .init(ipVersion: .v4)))
            #expect(v4.status == 200)
            let error = await expectHTTPError { () async throws(HTTPError) in
                try await client.send(HTTPRequest(url: "http://[::1]:\(server.port)/hello", timeout: .milliseconds(2_000), options: .init(ipVersion: .v4)))
            }
            #expect(error != nil)
        }
    }

    @Test("100 requests at once are all in flight together on the one HTTP thread")
    func concurrency() async throws {
        try await withServer { server in
            let client = self.client
            let base = server.base
            let statuses = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let request = HTTPRequest(url: base + "/held?ms=1500", timeout: .milliseconds(30_000), options: .init(freshConnection: true))
                        return (try? await client.send(request).status) ?? -1
                    }
                }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 100))
            // Each request holds the server for 1.5 s: only if they overlap does it see many at once.
            let maximum = try await client.send(HTTPRequest(url: server.base + "/max-in-flight"))
            #expect((Int(maximum.text) ?? 0) >= 90, "at most \(maximum.text) in flight at once")
        }
    }

    @Test("OpenSSL time format: parsed, and garbage refused")
    func certificateDates() {
        #expect(CertificateDates.parseOpenSSLTime("Jan  2 03:04:05 2030 GMT") == 1_893_553_445)
        #expect(CertificateDates.parseOpenSSLTime("Feb 29 00:00:00 2024 GMT") == 1_709_164_800)
        #expect(CertificateDates.parseOpenSSLTime("Feb 30 00:00:00 2024 GMT") == nil)
        #expect(CertificateDates.parseOpenSSLTime("Foo  2 03:04:05 2030 GMT") == nil)
        #expect(CertificateDates.parseOpenSSLTime("Jan  2 25:04:05 2030 GMT") == nil)
        #expect(CertificateDates.parseOpenSSLTime("Jan  2 03:04:05 2030 PST") == nil)
        #expect(CertificateDates.parseOpenSSLTime("") == nil)
        let earliest = CertificateDates.earliestExpiry(certificates: [
            ["Subject:CN=leaf", "Expire date:Jan  2 03:04:05 2030 GMT"],
            ["Subject:CN=ca", "Expire date:Mar 10 00:00:00 2029 GMT", "Expire date:nonsense"],
        ])
        #expect(earliest == CertificateDates.parseOpenSSLTime("Mar 10 00:00:00 2029 GMT"))
        #expect(CertificateDates.earliestExpiry(certificates: [["Start date:Jan  1 00:00:00 2020 GMT"]]) == nil)
    }

    @Test("phases never go negative, whatever libcurl reports")
    func phasesClamped() {
        let failedEarly = HTTPTiming(nameLookup: 0.01, connect: 0, tlsHandshake: 0, firstByte: 0, total: 0.5)
        let phases = failedEarly.phases
        #expect(phases.dns == 0.01)
        #expect([phases.connect, phases.tls, phases.processing, phases.transfer].allSatisfy { $0 == 0 })
        let redirected = HTTPTiming(nameLookup: 0.001, connect: 0.002, tlsHandshake: 0.01, firstByte: 0.05, total: 0.56, redirect: 0.5)
        #expect(abs(redirected.phases.transfer - 0.01) < 1e-9)
    }
}
