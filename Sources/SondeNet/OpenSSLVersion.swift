#if canImport(Glibc)
import Glibc
#endif
import CCurl

/// The TLS protocol version of a transfer in progress, when libcurl runs on OpenSSL.
///
/// libcurl does not report the version itself; it hands out OpenSSL's `SSL *`
/// (CURLINFO_TLS_SSL_PTR), valid only while the connection is up, and OpenSSL names the version
/// (`SSL_get_version`). SondeNet does not link OpenSSL: the function is looked up at run time in the
/// libssl that libcurl already loaded, so a libcurl on another TLS library simply reports nothing.
enum OpenSSLVersion {
    private typealias GetVersion = @convention(c) (UnsafeRawPointer?) -> UnsafePointer<CChar>?

    /// `SSL_get_version`, or nil when no loaded library has it.
    private static let getVersion: GetVersion? = {
        guard let symbol = dlsym(nil, "SSL_get_version") else { return nil }  // nil: RTLD_DEFAULT
        return unsafeBitCast(symbol, to: GetVersion.self)
    }()

    /// `TLSv1.2`, `TLSv1.3`…; nil when not over TLS, not on OpenSSL, or the handshake is not done.
    static func negotiated(_ handle: UnsafeMutableRawPointer) -> String? {
        guard let getVersion, let raw = Curl.getinfoPointer(handle, CURLINFO_TLS_SSL_PTR) else { return nil }
        let session = raw.assumingMemoryBound(to: curl_tlssessioninfo.self).pointee
        guard session.backend == CURLSSLBACKEND_OPENSSL, let ssl = session.internals, let name = getVersion(ssl) else { return nil }
        let version = String(cString: name)
        return version.hasPrefix("TLS") || version.hasPrefix("SSL") ? version : nil
    }
}
