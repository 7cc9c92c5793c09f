import SondeTestSupport
@testable import SondeStore


enum CodecFixtures {
    static let staleMarker = Double(bitPattern: 0x7ff0_0000_0000_0002)

    /// Values chosen to break float codecs: NaN payloads, infinities, signed zeros, subnormals, extremes.
    static let adversarial: [Double] = [
        staleMarker,
        Double(bitPattern: 0x7ff8_0000_0000_0000),  // quiet NaN
        Double(bitPattern: 0xfff8_0000_0000_0001),  // negative NaN with payload
        Double(bitPattern: 0x7ff0_0000_0000_0001),  // signalling NaN
        Double(bitPattern: 0x7fff_ffff_ffff_ffff),
        .infinity, -.infinity, 0.0, -0.0,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        Double(bitPattern: 0x000f_ffff_ffff_ffff),  // largest subnormal
        .leastNormalMagnitude,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        1e308, -1e-308, 9_007_199_254_740_992, 9_007_199_254_740_994, -9_007_199_254_740_992,
        0.1, 0.30000000000000004, 1e-15, 123_456_789.123_456_7,
    ]

    /// A column of `n` values in one of several styles, adversarial and realistic.
    static func values(_ n: Int, style: Int, rng: inout SplitMix64) -> [Double] {
        switch style % 12 {
        case 0:  // random bit patterns
            return (0..<n).map { _ in Double(bitPattern: rng.next()) }
        case 1:  // adversarial pool
            return (0..<n).map { _ in adversarial[Int(rng.next() % UInt64(adversarial.count))] }
        case 2:  // alternating huge/small
            return (0..<n).map { (i: Int) -> Double in
                let scale = Double(i + 1)
                return i % 2 == 0 ? Double.greatestFiniteMagnitude / scale : Double.leastNonzeroMagnitude * scale
            }
        case 3:  // constant (sometimes a NaN payload or -0.0)
            let c = [42.0, -0.0, staleMarker, 0.5, 1e300, 0][Int(rng.next() % 6)]
            return Array(repeating: c, count: n)
        case 4:  // counter growing by small integers
            var v = Double(rng.next() % 1_000_000_000)
            return (0..<n).map { _ in v += Double(rng.next() % 100 + 1); return v }
        case 5:  // gauge with two decimals, random walk
            var c = Int64(rng.next() % 10_000)
            return (0..<n).map { _ in c += Int64(rng.next() % 21) - 10; return Double(c) / 100 }
        case 6:  // decimals with a random scale per column, big magnitudes
            let k = Int(rng.next() % 16)
            let p = DecimalScale.powers[k]
            return (0..<n).map { _ in Double(Int64(bitPattern: rng.next()) >> Int64(11 + rng.next() % 50)) / p }
        case 7:  // mostly decimal, then a staleness marker or a NaN in the middle
            var v = 0.0
            var out = (0..<n).map { _ in v += Double(rng.next() % 3); return v }
            if n > 0 { out[Int(rng.next() % UInt64(n))] = rng.next() % 2 == 0 ? staleMarker : -0.0 }
            return out
        case 8:  // float gauge (not decimal)
            var v = Double(rng.next() % 1000) / 7
            return (0..<n).map { _ in v += Double(Int64(rng.next() % 1001) - 500) / 3; return v }
        case 9:  // integers near ±2^53 (decimal limit)
            return (0..<n).map { _ in Double(9_007_199_254_740_992 - Int64(rng.next() % 4)) * (rng.next() % 2 == 0 ? 1 : -1) }
        case 10:  // counter that resets
            var v = 0.0
            return (0..<n).map { _ in
                if rng.next() % 50 == 0 { v = 0 } else { v += Double(rng.next() % 5000) }
                return v
            }
        default:  // integers with sparse spikes
            return (0..<n).map { _ in rng.next() % 10 == 0 ? Double(rng.next() % 1_000_000) : 3 }
        }
    }

    /// `n` strictly increasing timestamps in one of several styles, including Int64 extremes.
    static func timestamps(_ n: Int, style: Int, rng: inout SplitMix64) -> [Int64] {
        let start = Int64(1_700_000_000_000) + Int64(rng.next() % 1_000_000)
        switch style % 7 {
        case 0:  // regular grid
            let step = Int64([1000, 10_000, 15_000, 60_000, 1][Int(rng.next() % 5)])
            return (0..<n).map { start + Int64($0) * step }
        case 1:  // jittered grid
            return (0..<n).map { start + Int64($0) * 15_000 + Int64(rng.next() % 21) }
        case 2:  // irregular with big gaps
            var t = start
            return (0..<n).map { _ in
                t += rng.next() % 20 == 0 ? Int64(rng.next() % 100_000_000_000) + 1 : Int64(rng.next() % 5000) + 1
                return t
            }
        case 3:  // ending at Int64.max
            return (0..<n).map { Int64.max - Int64(n - 1 - $0) * 7 }
        case 4:  // starting at Int64.min
            return (0..<n).map { Int64.min + Int64($0) * 1000 }
        case 5:  // random sorted distinct Int64 (deltas beyond Int64.max possible)
            var set = Set<Int64>()
            while set.count < n { set.insert(Int64(bitPattern: rng.next())) }
            return set.sorted()
        default:  // spanning Int64.min ... Int64.max
            if n == 1 { return [Int64.min] }
            if n == 2 { return [Int64.min, Int64.max] }
            var set = Set<Int64>([Int64.min, Int64.max])
            while set.count < n { set.insert(Int64(bitPattern: rng.next())) }
            return set.sorted()
        }
    }

    static func length(rng: inout SplitMix64) -> Int {
        switch rng.next() % 10 {
        case 0: return 1
        case 1: return 2
        case 2: return Int(rng.next() % 8) + 3
        case 3: return Int(rng.next() % 5000) + 1
        default: return Int(rng.next() % 600) + 1
        }
    }
}

/// Bitwise equality for columns (so NaN payloads and -0.0 count).
func codecBitsEqual(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

func codecBitsEqual(_ a: [[Double]], _ b: [[Double]]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { codecBitsEqual($0, $1) }
}

func codecSealedBytes(_ timestamps: [Int64], _ columns: [[Double]]) -> [UInt8] {
    var out: [UInt8] = []
    SealedChunk.encode(timestamps: timestamps, columns: columns, into: &out)
    return out
}

func codecDecodeSealed(_ bytes: [UInt8]) throws(CodecError) -> (timestamps: [Int64], columns: [[Double]]) {
    var timestamps: [Int64] = []
    var columns: [[Double]] = []
    var failure: CodecError?
    bytes.withUnsafeBytes { raw in
        do throws(CodecError) {
            try SealedChunk.decode(raw, timestamps: &timestamps, columns: &columns)
        } catch {
            failure = error
        }
    }
    if let failure { throw failure }
    return (timestamps, columns)
}

func codecHeadChunk(_ timestamps: [Int64], _ columns: [[Double]]) -> HeadChunk {
    var head = HeadChunk(columnCount: columns.count)
    var row = [Double](repeating: 0, count: columns.count)
    for i in timestamps.indices {
        if columns.count == 1 {
            head.append(timestamp: timestamps[i], value: columns[0][i])
        } else {
            for c in columns.indices { row[c] = columns[c][i] }
            row.withUnsafeBufferPointer { head.append(timestamp: timestamps[i], values: $0) }
        }
    }
    return head
}

func codecRestoreHead(_ bytes: [UInt8]) throws(CodecError) -> HeadChunk {
    var result: Result<HeadChunk, CodecError> = .failure(CodecError("unset"))
    bytes.withUnsafeBytes { raw in
        do throws(CodecError) { result = .success(try HeadChunk(serialized: raw)) } catch { result = .failure(error) }
    }
    return try result.get()
}
