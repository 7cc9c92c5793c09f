import SondeCore

/// What libcurl reports about one finished exchange besides the response itself.
public struct HTTPTransferInfo: Sendable, Equatable {
    public var timing: HTTPTiming
    /// `1.0`, `1.1`, `2` or `3`; nil when no HTTP exchange happened (a TCP connect).
    public var httpVersion: String?
    /// The negotiated TLS protocol as OpenSSL names it (`TLSv1.3`); nil over plain TCP, or when
    /// libcurl was built on another TLS library.
    public var tlsVersion: String?
    /// Redirects followed.
    public var redirectCount: Int
    /// The earliest `notAfter` of the peer's certificate chain, unix seconds; nil unless
    /// `HTTPRequest.Options.certificateInfo` was asked for over TLS.
    public var earliestCertificateExpiry: Int64?

    public init(timing: HTTPTiming = HTTPTiming(), httpVersion: String? = nil, tlsVersion: String? = nil, redirectCount: Int = 0, earliestCertificateExpiry: Int64? = nil) {
        self.timing = timing
        self.httpVersion = httpVersion
        self.tlsVersion = tlsVersion
        self.redirectCount = redirectCount
        self.earliestCertificateExpiry = earliestCertificateExpiry
    }
}

/// libcurl's timeline of an exchange, in seconds since it started (CURLINFO_*_TIME_T). The
/// lookup-to-first-byte points are those of the last request when redirects were followed;
/// `redirect` is the time all earlier requests took, and `total` includes it.
public struct HTTPTiming: Sendable, Equatable {
    public var nameLookup: Double
    public var connect: Double
    /// TLS handshake done; 0 over plain TCP.
    public var tlsHandshake: Double
    public var firstByte: Double
    public var total: Double
    public var redirect: Double

    public init(nameLookup: Double = 0, connect: Double = 0, tlsHandshake: Double = 0, firstByte: Double = 0, total: Double = 0, redirect: Double = 0) {
        self.nameLookup = nameLookup
        self.connect = connect
        self.tlsHandshake = tlsHandshake
        self.firstByte = firstByte
        self.total = total
        self.redirect = redirect
    }

    /// The last request's phases as durations: `dns`, `connect`, `tls`, `processing` (request sent
    /// until the first response byte) and `transfer` (the rest of the response). A point libcurl did
    /// not reach (0, say the first byte of a failed exchange) gives its phase 0; no phase is
    /// negative, whatever libcurl reports.
    public var phases: (dns: Double, connect: Double, tls: Double, processing: Double, transfer: Double) {
        let dns = max(0, nameLookup)
        let connected = max(dns, connect)
        let secured = tlsHandshake > 0 ? max(connected, tlsHandshake) : connected
        let first = firstByte > 0 ? max(secured, firstByte) : secured
        let end = max(first, total - max(0, redirect))
        return (dns, connected - dns, secured - connected, first - secured, firstByte > 0 ? end - first : 0)
    }
}

/// Reads the certificate dates libcurl reports with CURLOPT_CERTINFO.
public enum CertificateDates {
    /// The `Expire date:` value of each certificate's fields (`Expire date:Jan  2 03:04:05 2030 GMT`,
    /// OpenSSL's `ASN1_TIME_print` format), as unix seconds; the earliest of them, or nil when none
    /// could be read. Entries are the peer's text: anything malformed is skipped.
    public static func earliestExpiry(certificates: [[String]]) -> Int64? {
        var earliest: Int64?
        for fields in certificates {
            for field in fields where field.hasPrefix("Expire date:") {
                if let seconds = parseOpenSSLTime(String(field.dropFirst("Expire date:".count))) {
                    earliest = min(earliest ?? seconds, seconds)
                }
            }
        }
        return earliest
    }

    /// `Mon DD HH:MM:SS YYYY GMT` (the day space-padded), as printed by OpenSSL, to unix seconds.
    public static func parseOpenSSLTime(_ text: String) -> Int64? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 5, parts[4] == "GMT" else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[0])),
            let day = Int64(parts[1]), let year = Int64(parts[3]), (1...9999).contains(year)
        else { return nil }
        let month = Int64(monthIndex + 1)
        guard (1...CivilDate.daysInMonth(year: year, month: month)).contains(day) else { return nil }
        let clock = parts[2].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]), let second = Int64(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        return CivilDate.daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
    }
}
