import CCurl

// MARK: - Calling libcurl's variadic functions

// `curl_easy_setopt(CURL *, CURLoption, ...)` and `curl_easy_getinfo(CURL *, CURLINFO, ...)` are C
// variadic functions, which Swift does not import, and libcurl has no `va_list` twin. SondeNet may
// not add a C target (that would be the clean fix: a three-line `static inline` helper per value
// type), so it binds the two symbols directly with `@_silgen_name` and a fixed, non-variadic
// signature, taking exactly one argument after the option.
//
// Why this is sound where it is compiled (Linux on x86_64 and arm64, which is what sonde ships for):
//
// - On the System V x86_64 ABI and on AAPCS64 as Linux uses it, the anonymous arguments of a
//   variadic call travel exactly like named ones: integers and pointers in the next free general
//   registers (rdi, rsi, rdx / x0, x1, x2). The only extra is x86_64's `%al` (an upper bound on the
//   vector registers used), which GCC- and Clang-built callees only test to decide whether to spill
//   xmm0-7 into their register save area: a stale value costs a few stores, never a wrong read.
// - Every value passed is one pointer-sized integer: a `long` (CURLOPTTYPE_LONG options), a
//   `curl_off_t` (the `_LARGE` options; `long long`, also 64-bit on these targets), a `char *`, a
//   `void *` or a function pointer, all turned into `Int` by their bit pattern. One signature per
//   symbol means no conflicting declarations of the same symbol within the module.
// - `@_silgen_name` gives the Swift calling convention; for a function without `self`, error or
//   async context whose parameters are two scalars and a 64-bit integer and whose result is a
//   32-bit enum, Swift's convention places them in the same registers as C's.
// - It is not sound on Apple arm64 (anonymous arguments go on the stack there), hence the `#error`.
//
// `CurlEasy` is the only caller; its setters take typed values (Int, String, function pointers) and
// convert them here, so no other file touches this.
#if os(Linux) && (arch(x86_64) || arch(arm64))
@_silgen_name("curl_easy_setopt")
private func curl_easy_setopt_word(_ handle: UnsafeMutableRawPointer?, _ option: CURLoption, _ value: Int) -> CURLcode

@_silgen_name("curl_easy_getinfo")
private func curl_easy_getinfo_pointer(_ handle: UnsafeMutableRawPointer?, _ info: CURLINFO, _ out: UnsafeMutableRawPointer) -> CURLcode
#else
#error("SondeNet binds libcurl's variadic curl_easy_setopt as non-variadic, valid only on Linux x86_64/arm64 (see Curl.swift)")
#endif

/// libcurl's C API as SondeNet uses it: typed wrappers of the variadic calls, and the one-time global
/// initialisation.
enum Curl {
    /// Sets an option whose value is a `long`, a `curl_off_t`, or a pointer given by its bit pattern.
    static func setopt(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ value: Int) -> CURLcode {
        curl_easy_setopt_word(handle, option, value)
    }

    static func setopt(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ pointer: UnsafeRawPointer?) -> CURLcode {
        curl_easy_setopt_word(handle, option, Int(bitPattern: pointer))
    }

    /// Sets a string option; libcurl copies strings (all but CURLOPT_POSTFIELDS, not set this way).
    static func setopt(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ string: String) -> CURLcode {
        string.withCString { curl_easy_setopt_word(handle, option, Int(bitPattern: $0)) }
    }

    /// A `long` result, such as CURLINFO_RESPONSE_CODE.
    static func getinfoLong(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> Int? {
        var value = 0  // C `long` is 64-bit on the supported targets.
        let code = withUnsafeMutablePointer(to: &value) { curl_easy_getinfo_pointer(handle, info, $0) }
        return code == CURLE_OK ? value : nil
    }

    /// A pointer result (CURLINFO_CERTINFO, CURLINFO_TLS_SSL_PTR); nil when unset or refused.
    static func getinfoPointer(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> UnsafeRawPointer? {
        var value = 0  // Written as a `void *`, read by its bit pattern.
        let code = withUnsafeMutablePointer(to: &value) { curl_easy_getinfo_pointer(handle, info, $0) }
        return code == CURLE_OK ? UnsafeRawPointer(bitPattern: value) : nil
    }

    /// A `curl_off_t` result given in microseconds (CURLINFO_*_TIME_T), as seconds; 0 when refused.
    static func getinfoSeconds(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> Double {
        guard let microseconds = getinfoLong(handle, info), microseconds > 0 else { return 0 }
        return Double(microseconds) / 1_000_000
    }

    /// The result of `curl_global_init`, called once per process before the first handle exists.
    /// A global's lazy initialiser runs exactly once even under races (`swift_once`), which is the
    /// thread-safe once-guard libcurl asks for (it is not thread-safe itself before 7.84).
    static var globalInit: CURLcode { curlGlobalInitResult }

    static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "curl error \(code.rawValue)" }
        return String(cString: text)
    }
}

private let curlGlobalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))
