public struct APIConfig: Sendable, Equatable {
    public var listen = ListenAddress("127.0.0.1:9733")
    public var tokenFile: String?

    init() {}

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: ["listen", "token_file"])
        if let value = keys["listen"] { listen = try value.listenAddress() }
        if let value = keys["token_file"] { tokenFile = try value.text() }
        if let listen, !listen.isLoopback, tokenFile == nil {
            throw (keys["listen"] ?? node).error("listening on \(listen) (not loopback) requires api.token_file")
        }
    }
}
