#if canImport(Glibc)
import Glibc
#endif
import SondeNet
import SondeTestSupport
import Testing

/// Runs `body` and returns the `HTTPError` it threw, or nil (recorded as a failure) if it returned.
func expectHTTPError(_ body: () async throws(HTTPError) -> HTTPResponse, sourceLocation: SourceLocation = #_sourceLocation) async -> HTTPError? {
    do {
        let response = try await body()
        Issue.record("expected an HTTPError, got status \(response.status)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

@Suite("HTTP client against real servers on 127.0.0.1", .exclusiveMachineUse)
struct HTTPClientTests {
    let client = HTTPClient()

    func withServer<T>(_ body: (LoopbackServer) async throws -> T) async throws -> T {
        try await LoopbackServer.with(script: httpTestServerScript, body)
    }

    @Test("GET 200: status, lower-cased headers and body")
    func get() async throws {
        try await withServer { server in
            let response = try await client.send(HTTPRequest(url: server.base + "/hello"))
            #expect(response.status == 200)
            #expect(response.text == "hello, sonde")
            #expect(response.headers["x-test"] == "yes")
            #expect(response.headers["content-length"] == "12")
        }
    }

    @Test("a 404 is a response, not an error")
    func notFound() async throws {
        try await withServer { server in
            let response = try await client.send(HTTPRequest(url: server.base + "/missing"))
            #expect(response.status == 404)
            #expect(response.text == "not found")
        }
    }

    @Test("HEAD returns the headers and no body")
    func head() async throws {
        try await withServer { server in
            let response = try await client.send(HTTPRequest(method: "HEAD", url: server.base + "/hello"))
            #expect(response.status == 200)
            #expect(response.headers["x-test"] == "yes")
            #expect(response.body.isEmpty)
        }
    }

    @Test("PUT sends its body and headers; the server echoes them back")
    func putEcho() async throws {
        try await withServer { server in
            let request = HTTPRequest(
                method: "PUT", url: server.base + "/echo",
                headers: [("X-Sonde-Token", "abc 123"), ("Content-Type", "text/plain"), ("X-Sonde-Empty", "")],
                body: Array("the body\u{0}with a NUL".utf8))
            let response = try await client.send(request)
            #expect(response.status == 200)
            #expect(response.headers["x-echo-method"] == "PUT")
            #expect(response.headers["x-echoed-token"] == "abc 123")
            #expect(response.headers["x-echoed-empty"] == "")
            #expect(response.headers["x-echo-content-type"] == "text/plain")
            #expect(response.body == Array("the body\u{0}with a NUL".utf8))
        }
    }

    @Test("POST and an empty-bodied PUT; no made-up form content type")
    func postAndEmptyPut() async throws {
        try await withServer { server in
            let post = try await client.send(HTTPRequest(method: "POST", url: server.base + "/echo", body: Array("{}".utf8)))
            #expect(post.headers["x-echo-method"] == "POST")
            #expect(post.text == "{}")
            #expect(post.headers["x-echo-content-type"] == nil)
            let put = try await client.send(HTTPRequest(method: "PUT", url: server.base + "/echo"))
            #expect(put.status == 200)
            #expect(put.headers["x-echo-method"] == "PUT")
            #expect(put.body.isEmpty)
        }
    }

    @Test("a slow response runs into the request's timeout")
    func timeout() async throws {
        try await withServer { server in
            let error = await expectHTTPError { () async throws(HTTPError) in
                try await client.send(HTTPRequest(url: server.base + "/slow?ms=5000", timeout: .milliseconds(200)))
            }
            #expect(error?.kind == .timeout)
            #expect(error?.message.contains("/slow") == true)
        }
    }

    @Test("a closed port fails with connect")
    func closedPort() async throws {
        try await LoopbackServer.withClosedPort { port in
            let error = await expectHTTPError { () async throws(HTTPError) in
                try await client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/", timeout: .milliseconds(2_000)))
            }
            #expect(error?.kind == .connect)
            #expect(error?.url == "http://127.0.0.1:\(port)/")
        }
    }

    @Test("a name under .invalid fails with dns; credentials and query stay out of the error")
    func unresolvable() async {
        let error = await expectHTTPError { () async throws(HTTPError) in
            try await client.send(HTTPRequest(url: "http://user:hunter2@sonde-test.invalid/path?token=s3cret", timeout: .milliseconds(5_000)))
        }
        #expect(error?.kind == .dns)
        #expect(error?.url == "http://sonde-test.invalid/path?…")
        #expect(error?.message.contains("hunter2") == false)
        #expect(error?.message.contains("s3cret") == false)
        #expect(error?.message.contains("sonde-test.invalid") == true)
    }

    @Test("a body over the cap fails with tooLarge, with and without Content-Length")
    func tooLarge() async throws {
        let small = HTTPClient(configuration: .init(maxResponseBodyBytes: 1_000))
        try await withServer { server in
            for route in ["/bytes", "/stream"] {
                let error = await expectHTTPError { () async throws(HTTPError) in
                    try await small.send(HTTPRequest(url: server.base + route + "?n=200000"))
                }
                #expect(error?.kind == .tooLarge, "\(route)")
                let fits = try await small.send(HTTPRequest(url: server.base + route + "?n=1000"))
                #expect(fits.body.count == 1_000, "\(route)")
            }
        }
    }

    @Test("TLS: a self-signed certificate is refused; trusted through caBundlePath it is accepted")
    func tls() async throws {
        let temporary = TemporaryDirectory("sonde-net-tls")
        let directory = temporary.path
        try await LoopbackServer.with(script: httpTestServerScript, arguments: ["tls", directory]) { server in
            let url = "https://127.0.0.1:\(server.port)/hello"
            let error = await expectHTTPError { () async throws(HTTPError) in try await client.send(HTTPRequest(url: url)) }
            #expect(error?.kind == .tls)
            let trusting = HTTPClient(configuration: .init(caBundlePath: directory + "/cert.pem"))
            let response = try await trusting.send(HTTPRequest(url: url))
            #expect(response.status == 200)
            #expect(response.text == "hello, sonde")
        }
    }

    @Test("redirects are returned unless following is configured")
    func redirects() async throws {
        try await withServer { server in
            let returned = try await client.send(HTTPRequest(url: server.base + "/redirect"))
            #expect(returned.status == 302)
            #expect(returned.headers["location"] == "/hello")
            let following = HTTPClient(configuration: .init(followRedirects: true))
            let followed = try await following.send(HTTPRequest(url: server.base + "/redirect"))
            #expect(followed.status == 200)
            #expect(followed.text == "hello, sonde")
            #expect(followed.headers["location"] == nil)
        }
    }

    @Test("an explicit proxy gets the absolute URL; a per-request .none goes direct")
    func proxy() async throws {
        try await withServer { server in
            let proxied = HTTPClient(configuration: .init(proxy: .url(server.base)))
            let response = try await proxied.send(HTTPRequest(url: "http://sonde-proxied.invalid/hello"))
            #expect(response.text == "proxied http://sonde-proxied.invalid/hello")
            let direct = try await proxied.send(HTTPRequest(url: server.base + "/hello", proxy: HTTPProxy.none))
            #expect(direct.text == "hello, sonde")
        }
    }

    @Test("cancelling the task aborts a transfer in flight")
    func cancellation() async throws {
        try await withServer { server in
            let client = self.client
            let request = HTTPRequest(url: server.base + "/slow?ms=10000", timeout: .milliseconds(30_000))
            let task = Task { () async throws(HTTPError) -> HTTPResponse in try await client.send(request) }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            switch await task.result {
            case .success(let response): Issue.record("expected cancellation, got status \(response.status)")
            case .failure(let error): #expect((error as? HTTPError)?.kind == .cancelled)
            }
        }
    }

    @Test("unusable requests fail before anything is sent")
    func invalidRequests() async {
        let cases = [
            HTTPRequest(url: "ftp://127.0.0.1/file"),
            HTTPRequest(url: "http://127.0.0.1:1/", headers: [("X-Bad", "a\r\nInjected: yes")]),
            HTTPRequest(url: "http://127.0.0.1:1/", headers: [("Bad Name", "x")]),
            HTTPRequest(method: "GET /x", url: "http://127.0.0.1:1/"),
        ]
        for request in cases {
            let error = await expectHTTPError { () async throws(HTTPError) in try await client.send(request) }
            #expect(error?.kind == .invalidRequest, "\(request.url) \(request.headers.map(\.name))")
        }
    }

    @Test("redacted URLs drop user-info, query and fragment")
    func redaction() {
        #expect(HTTPRequest(url: "https://a:b@example.com:8443/x/y?sig=1#f").redactedURL == "https://example.com:8443/x/y?…")
        #expect(HTTPRequest(url: "http://example.com/p@th").redactedURL == "http://example.com/p@th")
        #expect(HTTPRequest(url: "http://169.254.169.254/latest/meta-data/ami-id").redactedURL == "http://169.254.169.254/latest/meta-data/ami-id")
        #expect(HTTPRequest(url: "https://hooks.example/a#frag").redactedURL == "https://hooks.example/a")
        #expect(HTTPRequest(url: "user@host").redactedURL == "host")
    }
}
