import CCrypto

/// SHA-256 and HMAC-SHA256 from the system's libcrypto: the OpenSSL that libcurl and libpq already
/// load, patched by the distribution's security updates.
public enum SHA256 {
    public static let byteCount = 32

    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let succeeded = data.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        // Fails only without memory or with a broken libcrypto; there is no digest to go on with.
        precondition(succeeded == 1 && length == byteCount, "EVP_Digest(SHA-256) failed")
        return digest
    }

    public static func hmac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var code = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        // A NULL key means "the previous key" to HMAC_Init; an empty key still needs a real pointer.
        let keyStorage = key.isEmpty ? [0] : key
        let result = keyStorage.withUnsafeBytes { keyBytes in
            data.withUnsafeBytes { input in
                CCrypto.HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(key.count),
                    input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count, &code, &length)
            }
        }
        precondition(result != nil && length == byteCount, "HMAC(SHA-256) failed")
        return code
    }
}
