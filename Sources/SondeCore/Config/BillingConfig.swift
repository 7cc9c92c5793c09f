/// `collectors.billing`: the AWS bill from CloudWatch's `AWS/Billing` metrics (docs/billing.md).
public struct BillingConfig: Sendable, Equatable {
    public var enabled = false
    public var interval: Duration = .seconds(3_600)
    /// CloudWatch's endpoint; billing metrics exist only in us-east-1, so only its endpoint (or a
    /// proxy or emulator of it) makes sense.
    public var endpoint = "https://monitoring.us-east-1.amazonaws.com"
    /// One `service` series per AWS service besides the total.
    public var perService = false

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["enabled", "interval", "endpoint", "per_service"])
        if let value = keys["enabled"] { enabled = try value.bool() }
        if let value = keys["interval"] { interval = try value.duration(in: .seconds(60)...(.seconds(86_400))) }
        if let value = keys["endpoint"] { endpoint = try value.httpURL() }
        if let value = keys["per_service"] { perService = try value.bool() }
    }
}
