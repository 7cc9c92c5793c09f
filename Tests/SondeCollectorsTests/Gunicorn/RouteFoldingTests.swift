import SondeCollectors
import Testing

@Suite("RouteFolding")
struct RouteFoldingTests {
    @Test("id-like segments fold to :id", arguments: [
        ("/api/v1/standards/42/", "/api/v1/standards/:id/"),
        ("/api/v1/standards/42", "/api/v1/standards/:id"),
        ("/users/550e8400-e29b-41d4-a716-446655440000/orders/7?x=1", "/users/:id/orders/:id"),
        ("/blobs/3f9a1c2e4b5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f", "/blobs/:id"),
        ("/archive/2024-01-31/", "/archive/:id/"),
        ("/t/AbCdEfGhIjKlMnOp12345xyz", "/t/:id"),
        ("/users/alice/profile", "/users/alice/profile"),
        ("/api/v2/health", "/api/v2/health"),
        ("/static/app.js", "/static/app.js"),
        ("/facade", "/facade"),
        ("/", "/"),
        ("", "/"),
        ("/?q=1", "/"),
        ("http://example.com/items/9#frag", "/items/:id"),
    ])
    func folding(path: String, route: String) {
        #expect(RouteFolding.route(forPath: path) == route)
    }

    @Test("user patterns are tried first, * matches one segment")
    func patterns() {
        let folding = RouteFolding(patterns: [
            (pattern: "/u/*/settings", route: "/u/:user/settings"),
            (pattern: "/api/*/standards/*", route: "/api/:version/standards/:id"),
        ])
        #expect(folding.route(forPath: "/u/alice/settings") == "/u/:user/settings")
        #expect(folding.route(forPath: "/u/alice/settings/?tab=2") == "/u/:user/settings")
        #expect(folding.route(forPath: "/api/v1/standards/42/") == "/api/:version/standards/:id")
        #expect(folding.route(forPath: "/u/alice/other") == "/u/alice/other")
        #expect(folding.route(forPath: "/u/alice/settings/7") == "/u/alice/settings/:id")
    }

    @Test("the cardinality cap returns other for new routes once reached")
    func cardinality() {
        var cap = RouteCardinality(max: 2)
        #expect(cap.admit("/a") == "/a")
        #expect(cap.admit("/b") == "/b")
        #expect(cap.admit("/c") == "other")
        #expect(cap.admit("/a") == "/a")
        #expect(cap.admit("/b") == "/b")
        #expect(cap.seen.count == 2)
        var none = RouteCardinality(max: 0)
        #expect(none.admit("/a") == "other")
    }
}
