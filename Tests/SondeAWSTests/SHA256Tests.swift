import SondeAWS
import SondeCore
import Testing

/// The libcrypto shim against published vectors (FIPS 180-2 for SHA-256, RFC 4231 for HMAC).
@Suite("SHA-256 and HMAC-SHA256 through libcrypto")
struct SHA256Tests {
    @Test("SHA-256 of the empty string, \"abc\" and the 448-bit message")
    func digests() {
        #expect(Hex.encode(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("HMAC-SHA256: RFC 4231 cases 1, 2 and 6 (a key longer than the block), and an empty key")
    func hmac() {
        #expect(Hex.encode(SHA256.hmac(key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8)))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(Hex.encode(SHA256.hmac(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(Hex.encode(SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131), data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(Hex.encode(SHA256.hmac(key: [], data: []))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}
