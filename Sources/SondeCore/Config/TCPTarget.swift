/// The host and port of a `tcp://host:port` probe URL.
public struct TCPTarget: Sendable, Equatable {
    /// A name, an IPv4 address, or an IPv6 address in brackets (as a URL writes it).
    public var host: String
    public var port: Int

    public init?(_ url: String) {
        guard url.hasPrefix("tcp://") else { return nil }
        let authority = url.dropFirst("tcp://".count)
        guard let address = ListenAddress(String(authority.hasSuffix("/") ? authority.dropLast() : authority)), address.port > 0,
            address.host.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") })
        else { return nil }
        host = address.host.contains(":") ? "[\(address.host)]" : address.host
        port = address.port
    }
}
