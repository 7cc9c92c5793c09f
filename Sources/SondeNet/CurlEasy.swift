#if canImport(Glibc)
import Glibc
#endif
import CCurl
import Synchronization

/// One libcurl easy handle set up for one `HTTPRequest`: every option, the header and body
/// callbacks that collect the response, the result's translation into `HTTPResponse` or
/// `HTTPError`, and the cleanup. Not thread-safe: the submitting task configures it, then only
/// `CurlMulti`'s thread drives it, from adding it to its multi handle to `finish`, with the
/// `CURLcode` of its `CURLMSG_DONE` message. The object must outlive the transfer: the callbacks
/// point at it.
///
/// `@unchecked Sendable` because it crosses threads once, from the submitting task to the driver
/// thread, through `CurlMulti`'s lock; the only member used from other threads afterwards is the
/// atomic cancellation flag.
final class CurlEasy: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let method: String
    private let redactedURL: String
    private let maxBodyBytes: Int
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// CURLOPT_POSTFIELDS is not copied by libcurl: the bytes live here until `deinit`.
    private var requestBody: UnsafeMutableRawBufferPointer?
    /// Set from any thread by `CurlMulti.cancel`.
    private let cancelled = Atomic<Bool>(false)
    private var isHTTPS = false

    private var responseHeaders: [String: String] = [:]
    private var responseBody: [UInt8] = []
    private var bodyOverflowed = false
    /// Read while the connection is up (the first response header): libcurl's TLS pointer is only
    /// valid during the transfer.
    private var tlsVersion: String?
    private var askedTLSVersion = false

    /// Nil when libcurl cannot make a handle (out of memory, or `curl_global_init` failed).
    init?(method: String, redactedURL: String, maxBodyBytes: Int) {
        guard Curl.globalInit == CURLE_OK, let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.method = method
        self.redactedURL = redactedURL
        self.maxBodyBytes = maxBodyBytes
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        requestBody?.deallocate()
        errorBuffer.deallocate()
    }

    func markCancelled() { cancelled.store(true, ordering: .relaxed) }
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func cancelledError() -> HTTPError {
        HTTPError(kind: .cancelled, url: redactedURL, message: "\(method) \(redactedURL): cancelled")
    }

    func startError(_ why: String) -> HTTPError {
        HTTPError(kind: .other, url: redactedURL, message: "\(method) \(redactedURL): \(why)")
    }

    // MARK: - Options

    func configure(_ request: HTTPRequest, _ configuration: HTTPClient.Configuration) throws(HTTPError) {
        try checkToken(request.method, what: "method")
        let timeout = Int(max(1, request.timeout.inMilliseconds))
        let connectTimeout = min(timeout, Int(max(1, configuration.connectTimeout.inMilliseconds)))

        try set(CURLOPT_ERRORBUFFER, UnsafeRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        isHTTPS = request.url.utf8.starts(with: "https:".utf8) || request.url.utf8.starts(with: "HTTPS:".utf8)
        let options = request.options
        try set(CURLOPT_FOLLOWLOCATION, (options.followRedirects ?? configuration.followRedirects) ? 1 : 0)
        try set(CURLOPT_MAXREDIRS, max(0, options.maxRedirects ?? configuration.maxRedirects))
        try set(CURLOPT_TIMEOUT_MS, timeout)
        try set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout)
        switch options.ipVersion {
        case .any: try set(CURLOPT_IPRESOLVE, Int(CURL_IPRESOLVE_WHATEVER))
        case .v4: try set(CURLOPT_IPRESOLVE, Int(CURL_IPRESOLVE_V4))
        case .v6: try set(CURLOPT_IPRESOLVE, Int(CURL_IPRESOLVE_V6))
        }
        if options.freshConnection {
            try set(CURLOPT_FRESH_CONNECT, 1)
            try set(CURLOPT_FORBID_REUSE, 1)
            try set(CURLOPT_DNS_CACHE_TIMEOUT, 0)
        }
        try set(CURLOPT_SSL_VERIFYPEER, options.tls.insecure ? 0 : 1)
        try set(CURLOPT_SSL_VERIFYHOST, options.tls.insecure ? 0 : 2)
        try set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        if let caBundle = options.tls.caFile ?? configuration.caBundlePath { try set(CURLOPT_CAINFO, caBundle) }
        if let certificate = options.tls.clientCertificateFile { try set(CURLOPT_SSLCERT, certificate) }
        if let key = options.tls.clientKeyFile { try set(CURLOPT_SSLKEY, key) }
        if options.certificateInfo { try set(CURLOPT_CERTINFO, 1) }
        // "" asks for every encoding this libcurl decodes; the body handed back is decoded.
        if options.acceptCompressed { try set(CURLOPT_ACCEPT_ENCODING, "") }
        try set(CURLOPT_USERAGENT, configuration.userAgent)
        if options.connectOnly {
            try set(CURLOPT_CONNECT_ONLY, 1)
            return
        }
        switch request.proxy ?? configuration.proxy {
        case .environment: break  // libcurl reads *_proxy and NO_PROXY itself when CURLOPT_PROXY is unset.
        case .none: try set(CURLOPT_PROXY, "")
        case .url(let proxy): try set(CURLOPT_PROXY, proxy)
        }
        // Refused up front when the server announces the length; the write callback catches the rest.
        try set(CURLOPT_MAXFILESIZE_LARGE, configuration.maxResponseBodyBytes)

        let me = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        let write: curl_write_callback = { data, size, count, context in
            guard let context else { return 0 }
            let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
            return easy.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        let header: curl_write_callback = { data, size, count, context in
            guard let context else { return 0 }
            let easy = Unmanaged<CurlEasy>.fromOpaque(context).takeUnretainedValue()
            return easy.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        try set(CURLOPT_WRITEFUNCTION, unsafeBitCast(write, to: UnsafeRawPointer.self))
        try set(CURLOPT_WRITEDATA, me)
        try set(CURLOPT_HEADERFUNCTION, unsafeBitCast(header, to: UnsafeRawPointer.self))
        try set(CURLOPT_HEADERDATA, me)
        var sendsBody = false
        switch request.method {
        case "GET" where request.body.isEmpty:
            try set(CURLOPT_HTTPGET, 1)
        case "HEAD":
            try set(CURLOPT_NOBODY, 1)
        default:
            sendsBody = true
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, request.body.count), alignment: 1)
            requestBody = bytes
            request.body.withUnsafeBytes { source in bytes.copyMemory(from: source) }
            try set(CURLOPT_POSTFIELDSIZE_LARGE, request.body.count)
            try set(CURLOPT_POSTFIELDS, UnsafeRawPointer(bytes.baseAddress))
            if request.method != "POST" { try set(CURLOPT_CUSTOMREQUEST, request.method) }
        }

        var lines: [String] = []
        var named: Set<String> = []
        for (name, value) in request.headers {
            try checkToken(name, what: "header name")
            if value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) {
                throw HTTPError(kind: .invalidRequest, url: redactedURL, message: "\(method) \(redactedURL): header \(name) has a line break in its value")
            }
            named.insert(Self.lowercased(name))
            // libcurl reads "Name:" as "remove Name"; "Name;" sends it with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // No `Expect: 100-continue` round trip, and no made-up form content type for raw bodies.
        if !named.contains("expect") { lines.append("Expect:") }
        if sendsBody && !named.contains("content-type") { lines.append("Content-Type:") }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw HTTPError(kind: .other, url: redactedURL, message: "\(method) \(redactedURL): out of memory building headers")
            }
            headerList = appended
        }
        try set(CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList))
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(Curl.setopt(handle, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: UnsafeRawPointer?) throws(HTTPError) {
        try check(Curl.setopt(handle, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPError) {
        if value.utf8.contains(0) {
            throw HTTPError(kind: .invalidRequest, url: redactedURL, message: "\(method) \(redactedURL): NUL byte in a request setting")
        }
        try check(Curl.setopt(handle, option, value), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(HTTPError) {
        guard code != CURLE_OK else { return }
        throw HTTPError(
            kind: code == CURLE_URL_MALFORMAT ? .invalidRequest : .other, url: redactedURL,
            message: "\(method) \(redactedURL): libcurl refused option \(option.rawValue): \(Curl.describe(code))", curlCode: Int(code.rawValue))
    }

    /// An HTTP token (RFC 9110): methods and header names.
    private func checkToken(_ text: String, what: String) throws(HTTPError) {
        let valid = !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
        if !valid {
            throw HTTPError(kind: .invalidRequest, url: redactedURL, message: "\(method) \(redactedURL): invalid \(what) \"\(text)\"")
        }
    }

    // MARK: - Callbacks

    private func receiveBody(_ data: UnsafeRawBufferPointer) -> Int {
        if responseBody.count + data.count > maxBodyBytes {
            bodyOverflowed = true
            return 0  // Anything but data.count makes libcurl stop with CURLE_WRITE_ERROR.
        }
        responseBody.append(contentsOf: data)
        return data.count
    }

    /// One header line with its CRLF, or a status line (`HTTP/1.1 200 OK`) that starts a response:
    /// a 1xx, a redirect that is followed, or the final one, whose headers are the ones kept.
    private func receiveHeader(_ line: UnsafeRawBufferPointer) -> Int {
        if isHTTPS && !askedTLSVersion {
            askedTLSVersion = true
            tlsVersion = OpenSSLVersion.negotiated(handle)
        }
        if line.starts(with: "HTTP/".utf8) {
            responseHeaders.removeAll(keepingCapacity: true)
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            let name = Self.lowercased(String(decoding: line[..<colon], as: UTF8.self))
            var start = colon + 1
            var end = line.count
            func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 || byte == 10 }
            while start < end && isSpace(line[start]) { start += 1 }
            while end > start && isSpace(line[end - 1]) { end -= 1 }
            let value = String(decoding: line[start..<end], as: UTF8.self)
            if let earlier = responseHeaders[name] {
                responseHeaders[name] = earlier + ", " + value
            } else {
                responseHeaders[name] = value
            }
        }
        return line.count
    }

    // MARK: - Result

    /// The response, or the error `code` stands for.
    func finish(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        if code == CURLE_OK {
            let status = Curl.getinfoLong(handle, CURLINFO_RESPONSE_CODE) ?? 0
            return .success(HTTPResponse(status: status, headers: responseHeaders, body: responseBody, info: transferInfo()))
        }
        let kind = kind(of: code)
        let detail: String
        switch kind {
        case .tooLarge: detail = "response body larger than \(maxBodyBytes) bytes"
        case .cancelled: detail = "cancelled"
        default:
            let buffer = String(cString: errorBuffer)
            detail = buffer.isEmpty ? Curl.describe(code) : buffer
        }
        return .failure(HTTPError(kind: kind, url: redactedURL, message: "\(method) \(redactedURL): \(detail)", curlCode: Int(code.rawValue)))
    }

    private func transferInfo() -> HTTPTransferInfo {
        let timing = HTTPTiming(
            nameLookup: Curl.getinfoSeconds(handle, CURLINFO_NAMELOOKUP_TIME_T),
            connect: Curl.getinfoSeconds(handle, CURLINFO_CONNECT_TIME_T),
            tlsHandshake: Curl.getinfoSeconds(handle, CURLINFO_APPCONNECT_TIME_T),
            firstByte: Curl.getinfoSeconds(handle, CURLINFO_STARTTRANSFER_TIME_T),
            total: Curl.getinfoSeconds(handle, CURLINFO_TOTAL_TIME_T),
            redirect: Curl.getinfoSeconds(handle, CURLINFO_REDIRECT_TIME_T))
        let httpVersion: String? =
            switch Curl.getinfoLong(handle, CURLINFO_HTTP_VERSION) ?? 0 {
            case CURL_HTTP_VERSION_1_0: "1.0"
            case CURL_HTTP_VERSION_1_1: "1.1"
            case CURL_HTTP_VERSION_2_0: "2"
            case CURL_HTTP_VERSION_3: "3"
            default: nil
            }
        return HTTPTransferInfo(
            timing: timing, httpVersion: httpVersion, tlsVersion: tlsVersion,
            redirectCount: max(0, Curl.getinfoLong(handle, CURLINFO_REDIRECT_COUNT) ?? 0),
            earliestCertificateExpiry: CertificateDates.earliestExpiry(certificates: certificateFields()))
    }

    /// The `name:value` fields libcurl collected for each certificate of the peer's chain
    /// (CURLOPT_CERTINFO); empty when not asked for or not over TLS.
    private func certificateFields() -> [[String]] {
        guard let raw = Curl.getinfoPointer(handle, CURLINFO_CERTINFO) else { return [] }
        let info = raw.assumingMemoryBound(to: curl_certinfo.self).pointee
        guard info.num_of_certs > 0, info.num_of_certs <= 64, let lists = info.certinfo else { return [] }
        var certificates: [[String]] = []
        for index in 0..<Int(info.num_of_certs) {
            var fields: [String] = []
            var node = lists[index]
            while let current = node {
                if let data = current.pointee.data { fields.append(String(cString: data)) }
                node = current.pointee.next
            }
            certificates.append(fields)
        }
        return certificates
    }

    private func kind(of code: CURLcode) -> HTTPError.Kind {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .dns
        case CURLE_COULDNT_CONNECT: .connect
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            .tls
        case CURLE_FILESIZE_EXCEEDED: .tooLarge
        case CURLE_WRITE_ERROR where bodyOverflowed: .tooLarge
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidRequest
        default: .other
        }
    }

    private static func lowercased(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
