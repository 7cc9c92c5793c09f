/// `api:`, the local HTTP API: where it listens and the limits every query runs under.
public struct APIConfig: Sendable, Equatable {
    public var listen = ListenAddress("127.0.0.1:9733")
    /// A Unix socket to serve on as well (file permissions then decide who may ask).
    public var unixSocket: String?
    /// A file holding the bearer token; required when `listen` is not a loopback address.
    public var tokenFile: String?
    /// The longest one query may evaluate before it is cancelled (Prometheus' `query.timeout`).
    public var queryTimeout: Duration = .seconds(30)
    /// The samples one query may load (Prometheus' `query.max-samples`).
    public var maxSamples = 50_000_000
    /// Queries evaluated at once (Prometheus' `query.max-concurrency`); the rest wait.
    public var maxConcurrentQueries = 4

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["listen", "unix_socket", "token_file", "query_timeout", "max_samples", "max_concurrent_queries"])
        if let value = keys["listen"] {
            // An empty string turns the TCP listener off (a Unix socket may still serve).
            listen = try value.text().isEmpty ? nil : value.listenAddress()
        }
        if let value = keys["unix_socket"] {
            let path = try value.text()
            guard path.hasPrefix("/"), path.utf8.count < 108 else {
                throw value.error("expected an absolute path shorter than 108 bytes (a Unix socket's limit), found \"\(path)\"")
            }
            unixSocket = path
        }
        if let value = keys["token_file"] { tokenFile = try value.text() }
        if let value = keys["query_timeout"] { queryTimeout = try value.duration(in: Duration.seconds(1)...Duration.seconds(3600)) }
        if let value = keys["max_samples"] { maxSamples = try value.int(in: 1_000...1_000_000_000) }
        if let value = keys["max_concurrent_queries"] { maxConcurrentQueries = try value.int(in: 1...64) }
        if let listen, !listen.isLoopback, tokenFile == nil {
            throw (keys["listen"] ?? node).error("listening on \(listen) (not loopback) requires api.token_file")
        }
    }
}
