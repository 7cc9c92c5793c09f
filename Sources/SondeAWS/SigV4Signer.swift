import SondeCore

/// AWS Signature Version 4 for requests signed in headers (not presigned URLs), for services other
/// than S3: the canonical request, the string to sign, the derived signing key and the
/// `Authorization` header, plus `X-Amz-Date` and, for temporary credentials,
/// `X-Amz-Security-Token`.
///
/// It signs `host`, `x-amz-date`, `x-amz-security-token` and every header the caller passes; the
/// payload hash is the SHA-256 of the body (no `x-amz-content-sha256` header, which only S3 needs).
/// Paths are URI-encoded once more as the non-S3 services expect, without dot-segment
/// normalisation. Tested against the published SigV4 test suite (`SigV4SignerTests`).
public struct SigV4Signer: Sendable {
    public var service: String
    public var region: String

    public init(service: String, region: String) {
        self.service = service
        self.region = region
    }

    /// The pieces of one signature, for tests and for debugging a `SignatureDoesNotMatch`.
    public struct Signature: Sendable, Equatable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
        /// `Authorization` plus `X-Amz-Date` (and `X-Amz-Security-Token`): the headers to add.
        public var headers: [(name: String, value: String)]

        public static func == (lhs: Signature, rhs: Signature) -> Bool {
            lhs.canonicalRequest == rhs.canonicalRequest && lhs.stringToSign == rhs.stringToSign && lhs.signature == rhs.signature
                && lhs.signedHeaders == rhs.signedHeaders && lhs.headers.map(\.name) == rhs.headers.map(\.name)
                && lhs.headers.map(\.value) == rhs.headers.map(\.value)
        }
    }

    /// Signs a request.
    ///
    /// - Parameters:
    ///   - url: `scheme://host[:port]/path[?query]`; the `host` header is its authority (the port
    ///     only when the URL names one), as libcurl will send it.
    ///   - headers: headers the request will carry that are to be signed (`Content-Type`, say).
    ///   - milliseconds: the signing time (since the epoch).
    /// - Throws: `AWSError` (`.invalidRequest`) when the URL has no host.
    public func sign(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8], credentials: AWSCredentials, milliseconds: Int64
    ) throws(AWSError) -> Signature {
        guard let parts = URLParts(url) else {
            throw AWSError(kind: .invalidRequest, message: "cannot sign a request to \"\(url)\": not an http(s)://host/… URL")
        }
        let amzDate = Self.amzDate(milliseconds: milliseconds)
        let dateStamp = String(amzDate.prefix(8))
        var canonicalHeaders: [(String, String)] = [("host", parts.authority), ("x-amz-date", amzDate)]
        if let token = credentials.sessionToken { canonicalHeaders.append(("x-amz-security-token", token.value)) }
        for header in headers {
            let name = header.name.lowercased()
            guard !["host", "x-amz-date", "x-amz-security-token", "authorization"].contains(name) else { continue }
            canonicalHeaders.append((name, header.value))
        }
        // Repeated names join their values with commas, in the order given.
        var merged: [(String, String)] = []
        for (name, value) in canonicalHeaders.map({ ($0.0, Self.trimHeaderValue($0.1)) }) {
            if let at = merged.firstIndex(where: { $0.0 == name }) { merged[at].1 += "," + value } else { merged.append((name, value)) }
        }
        merged.sort { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        let signedHeaders = merged.map(\.0).joined(separator: ";")
        let canonicalRequest = [
            method,
            Self.canonicalURI(parts.path),
            Self.canonicalQuery(parts.query),
            merged.map { "\($0.0):\($0.1)\n" }.joined(),
            signedHeaders,
            Hex.encode(SHA256.hash(body)),
        ].joined(separator: "\n")
        let scope = "\(dateStamp)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Hex.encode(SHA256.hash(Array(canonicalRequest.utf8)))].joined(separator: "\n")
        let key = Self.signingKey(secret: credentials.secretAccessKey.value, dateStamp: dateStamp, region: region, service: service)
        let signature = Hex.encode(SHA256.hmac(key: key, data: Array(stringToSign.utf8)))
        var added: [(name: String, value: String)] = [
            ("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"),
            ("X-Amz-Date", amzDate),
        ]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token.value)) }
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, signedHeaders: signedHeaders, headers: added)
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    public static func signingKey(secret: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        var key = Array(("AWS4" + secret).utf8)
        for part in [dateStamp, region, service, "aws4_request"] {
            key = SHA256.hmac(key: key, data: Array(part.utf8))
        }
        return key
    }

    /// `20150830T123600Z`.
    public static func amzDate(milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilDate.civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))T\(pad(secondOfDay / 3600, 2))\(pad(secondOfDay / 60 % 60, 2))\(pad(secondOfDay % 60, 2))Z"
    }

    /// Leading and trailing spaces removed, inner runs of spaces collapsed to one.
    static func trimHeaderValue(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(0x20) }
            pendingSpace = false
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Each path segment percent-encoded (RFC 3986 unreserved kept), so an already encoded path is
    /// encoded twice, as every service but S3 expects. An empty path is `/`.
    static func canonicalURI(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false).map { FormEncoding.percentEncode(String($0)) }.joined(separator: "/")
    }

    /// Pairs decoded, re-encoded strictly, sorted by name then value (byte order); `a` alone is `a=`.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs: [(String, String)] = query.split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = FormEncoding.percentEncode(FormEncoding.percentDecode(String(parts[0])))
            let value = parts.count > 1 ? FormEncoding.percentEncode(FormEncoding.percentDecode(String(parts[1]))) : ""
            return (name, value)
        }
        return pairs.sorted { left, right in
            left.0 == right.0 ? Array(left.1.utf8).lexicographicallyPrecedes(Array(right.1.utf8)) : Array(left.0.utf8).lexicographicallyPrecedes(Array(right.0.utf8))
        }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// The parts of an http(s) URL the signature covers.
    struct URLParts {
        var authority: String
        var path: String
        var query: String

        init?(_ url: String) {
            let lowered = url.lowercased()
            let rest: Substring
            if lowered.hasPrefix("https://") {
                rest = url.dropFirst(8)
            } else if lowered.hasPrefix("http://") {
                rest = url.dropFirst(7)
            } else {
                return nil
            }
            let withoutFragment = rest.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? rest
            let authorityEnd = withoutFragment.firstIndex { $0 == "/" || $0 == "?" } ?? withoutFragment.endIndex
            var authority = withoutFragment[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            guard !authority.isEmpty else { return nil }
            // A default port is not part of the Host header libcurl sends.
            if lowered.hasPrefix("https://"), authority.hasSuffix(":443") { authority = authority.dropLast(4) }
            if lowered.hasPrefix("http://"), authority.hasSuffix(":80") { authority = authority.dropLast(3) }
            self.authority = authority.lowercased()
            let pathAndQuery = withoutFragment[authorityEnd...]
            if let question = pathAndQuery.firstIndex(of: "?") {
                path = String(pathAndQuery[..<question])
                query = String(pathAndQuery[pathAndQuery.index(after: question)...])
            } else {
                path = String(pathAndQuery)
                query = ""
            }
        }
    }
}
