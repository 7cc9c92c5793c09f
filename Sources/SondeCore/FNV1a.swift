/// The 64-bit FNV-1a hash: stable across runs and machines, unlike Swift's seeded `Hasher`.
/// Prometheus' label-set fingerprints use it; so does the shipper's per-host offset.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 14_695_981_039_346_656_037

    public init() {}

    public mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 1_099_511_628_211
    }

    public mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
    }
}
