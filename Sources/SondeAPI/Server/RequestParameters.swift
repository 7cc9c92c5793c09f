import Hummingbird

/// A request's parameters, from the query string and, for a form POST, the body, in that order; as
/// Prometheus' `r.Form` reads them. Names may repeat (`match[]`).
public struct RequestParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)] = []

    public init(pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// The parameters of `request`; a POST's form body is read here (at most 1 MiB).
    public static func read(_ request: Request, context: APIRequestContext) async throws(APIError) -> RequestParameters {
        var pairs = try FormDecoding.pairs(request.uri.query ?? "")
        if request.method == .post {
            let type = request.headers[.contentType]?.lowercased() ?? ""
            if type.hasPrefix("application/x-www-form-urlencoded") {
                pairs += try FormDecoding.pairs(String(buffer: try await APILimits.body(of: request)))
            }
        }
        return RequestParameters(pairs: pairs)
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    public func all(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }
}

/// `application/x-www-form-urlencoded`: `a=1&b=x+y&c=%2F`.
enum FormDecoding {
    static func pairs(_ text: String) throws(APIError) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(pieces[0])
            let value = pieces.count > 1 ? try decode(pieces[1]) : ""
            result.append((name, value))
        }
        return result
    }

    static func decode(_ text: Substring) throws(APIError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw APIError(status: .badRequest, type: .badData, message: "invalid URL escape in parameter \"\(String(text.prefix(64)))\"")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw APIError(status: .badRequest, type: .badData, message: "parameter is not valid UTF-8")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
