public struct StorageConfig: Sendable, Equatable {
    public var maxBytes: Int64 = 256 << 20
    public var maxSeries = 50_000
    public var flushInterval: Duration = .seconds(1)
    /// Shares of the budget per tier (raw, 1m, 1h); normalised by the store.
    public var tierShares: [String: Double] = ["raw": 0.6, "1m": 0.25, "1h": 0.15]

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["max_bytes", "max_series", "flush_interval", "tier_shares"])
        if let value = keys["max_bytes"] { maxBytes = try value.bytes(in: (1 << 20)...(1 << 50)) }
        if let value = keys["max_series"] { maxSeries = try value.int(in: 1...10_000_000) }
        if let value = keys["flush_interval"] { flushInterval = try value.duration(in: .milliseconds(100)...(.seconds(60))) }
        if let value = keys["tier_shares"] {
            let shares = try value.mapping(allowed: ["raw", "1m", "1h"])
            for (tier, share) in shares {
                let number = try share.double()
                guard number >= 0 else { throw share.error("a share must not be negative") }
                tierShares[tier] = number
            }
            guard tierShares.values.contains(where: { $0 > 0 }) else { throw value.error("at least one tier needs a share above 0") }
        }
    }
}
