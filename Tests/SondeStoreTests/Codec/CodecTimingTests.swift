import SondeTestSupport
import Testing
@testable import SondeStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hand-run speed report, not a test of speed: it prints samples per second and asserts nothing about
/// time. Enabled only with SONDE_CODEC_TIMING=1, in a release build:
///
///     SONDE_CODEC_TIMING=1 swift test -c release -Xswiftc -enable-testing \
///         --scratch-path .build-codec --filter CodecTiming
@Suite("CodecTiming", .enabled(if: getenv("SONDE_CODEC_TIMING") != nil))
struct CodecTimingTests {
    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Runs `body` (which processes `samples` samples) repeatedly for ~0.3 s; best millions/s of 5 runs.
    static func rate(_ samples: Int, _ body: () -> Int) -> Double {
        var best = 0.0
        var sink = 0
        for _ in 0..<5 {
            let start = seconds()
            var done = 0
            var iterations = 0
            while seconds() - start < 0.3 || iterations == 0 {
                sink &+= body()
                done += samples
                iterations += 1
            }
            best = max(best, Double(done) / (seconds() - start) / 1e6)
        }
        if sink == 42 { print("") }
        return best
    }

    static func series() -> [(String, [Int64], [Double])] {
        var rng = SplitMix64(seed: 99)
        let n = 480
        let grid = (0..<n).map { 1_760_000_000_000 + Int64($0) * 1000 }
        var c = 1e9
        let counter = (0..<n).map { _ in c += Double(rng.next() % 100 + 1); return c }
        var g = 5000
        let gauge = (0..<n).map { _ -> Double in g += Int(rng.next() % 21) - 10; return Double(g) / 100 }
        var f = 1.0
        let floats = (0..<n).map { _ in f *= 1 + Double(rng.next() % 1000) / 100_000; return f }
        let jitter = (0..<n).map { 1_760_000_000_000 + Int64($0) * 15_000 + Int64(rng.next() % 40) }
        return [("counter +1..100, 1 s grid", grid, counter),
                ("gauge 2 decimals, 1 s grid", grid, gauge),
                ("float gauge (XOR), 1 s grid", grid, floats),
                ("counter, 15 s jittered grid", jitter, counter)]
    }

    @Test func report() {
        for (name, ts, values) in Self.series() {
            let n = ts.count
            let sealed = codecSealedBytes(ts, [values])
            let head = codecHeadChunk(ts, [values])
            var outTs: [Int64] = []
            var outCols: [[Double]] = []
            outTs.reserveCapacity(n)
            let decode = Self.rate(n) {
                outTs.removeAll(keepingCapacity: true)
                if outCols.count == 1 { outCols[0].removeAll(keepingCapacity: true) }
                sealed.withUnsafeBytes { raw in
                    try? SealedChunk.decode(raw, timestamps: &outTs, columns: &outCols)
                }
                return outTs.count
            }
            var out: [UInt8] = []
            let encode = Self.rate(n) {
                out.removeAll(keepingCapacity: true)
                SealedChunk.encode(timestamps: ts, columns: [values], into: &out)
                return out.count
            }
            let append = Self.rate(n) {
                var h = HeadChunk(columnCount: 1)
                for i in 0..<n { h.append(timestamp: ts[i], value: values[i]) }
                return h.encodedByteCount
            }
            let headDecode = Self.rate(n) {
                outTs.removeAll(keepingCapacity: true)
                if outCols.count == 1 { outCols[0].removeAll(keepingCapacity: true) }
                head.decode(timestamps: &outTs, columns: &outCols)
                return outTs.count
            }
            #expect(outTs == ts && codecBitsEqual(outCols, [values]))
            func fmt(_ x: Double) -> String {
                let tenths = Int((x * 10).rounded())
                return "\(tenths / 10).\(tenths % 10)"
            }
            print("""
                \(name): sealed \(sealed.count) B (\(fmt(Double(sealed.count) / Double(n))) B/sample), \
                gorilla head \(head.encodedByteCount) B (\(fmt(Double(head.encodedByteCount) / Double(n))) B/sample); \
                M samples/s: sealed decode \(fmt(decode)), sealed encode \(fmt(encode)), \
                head append \(fmt(append)), head decode \(fmt(headDecode))
                """)
        }
    }
}
