import SondeCore

/// The AWS query protocol's request body: `Action=…&Version=…&Name.member.1=…`, each name and
/// value percent-encoded per RFC 3986 (every byte but `A–Z a–z 0–9 - _ . ~` as `%XX`, upper-case
/// hex, so a space is `%20`, never `+`), which is also what SigV4's canonical query wants.
public enum FormEncoding {
    /// `Action=GetMetricData&Version=2010-08-01&…`, in the order given (AWS does not care; keeping
    /// the caller's order keeps bodies readable in a packet capture).
    public static func queryBody(action: String, version: String, parameters: [(String, String)]) -> String {
        ([("Action", action), ("Version", version)] + parameters).map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of the UTF-8 bytes of `text`, unreserved characters kept.
    public static func percentEncode(_ text: String) -> String {
        PercentEncoding.encode(text)
    }

    /// `%XX` sequences decoded; a `%` not followed by two hex digits is kept as it is.
    public static func percentDecode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = Hex.digitValue(bytes[index + 1]), let low = Hex.digitValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
