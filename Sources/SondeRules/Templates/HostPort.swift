/// Go's net.SplitHostPort as `stripPort` uses it, and the path of the external URL.
enum HostPort {
    static func stripPort(_ hostPort: String) -> String {
        let bytes = Array(hostPort.utf8)
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return hostPort }
        var host: ArraySlice<UInt8>
        var j = 0
        var k = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close + 1 == colon else { return hostPort }
            host = bytes[1..<close]
            j = 1
            k = close + 1
        } else {
            host = bytes[..<colon]
            if host.contains(UInt8(ascii: ":")) { return hostPort }
        }
        if bytes[j...].contains(UInt8(ascii: "[")) || bytes[k...].contains(UInt8(ascii: "]")) { return hostPort }
        return String(decoding: host, as: UTF8.self)
    }

    /// The path of `scheme://host/path?query` (Go's url.URL.Path, percent-decoded).
    static func path(ofURL url: String) -> String {
        var rest = Substring(url)
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            rest = rest[rest.index(colon, offsetBy: 3)...]
            guard let slash = rest.firstIndex(of: "/") else { return "" }
            rest = rest[slash...]
        }
        var bytes: [UInt8] = []
        var utf8 = Array(rest.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
