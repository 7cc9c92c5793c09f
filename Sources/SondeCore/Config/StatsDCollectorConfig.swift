public struct StatsDCollectorConfig: Sendable, Equatable {
    public var enabled = true
    public var listen = ListenAddress("127.0.0.1:8125")
    public var unixSocket: String?
    public var quantiles: [Double] = [0.5, 0.9, 0.99]
    public var maxSeries = 10_000

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "listen", "unix_socket", "quantiles", "max_series"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["listen"] { listen = try value.listenAddress() }
        if let value = keys["unix_socket"] { unixSocket = try value.text() }
        if let value = keys["quantiles"] {
            quantiles = try value.list().map { (item) throws(ParseError) in
                let quantile = try item.double()
                guard quantile > 0 && quantile < 1 else { throw item.error("a quantile must be between 0 and 1 (exclusive)") }
                return quantile
            }
        }
        if let value = keys["max_series"] { maxSeries = try value.int(in: 1...1_000_000) }
    }
}
