import SondeCore
import SondeTestSupport
import Testing

@Suite struct SortedSearchTests {
    /// The galloping searches give the binary searches' answer from every hint, in and out of
    /// range, over arrays with runs of equal timestamps, for every probe time around them.
    @Test func searchesNearAHintAgreeWithBinarySearch() {
        var random = SplitMix64(seed: 16)
        for count in [0, 1, 2, 3, 7, 64, 200] {
            var timestamps: [Int64] = []
            var time: Int64 = 100
            for _ in 0..<count {
                time += Int64.random(in: 0...3, using: &random) * 10
                timestamps.append(time)
            }
            let probes = [Int64.min, 0, 99, 100] + timestamps.flatMap { [$0 - 1, $0, $0 + 1] } + [time + 5, .max]
            for probe in probes {
                let atOrAfter = SortedSearch.firstIndex(in: timestamps, atOrAfter: probe)
                let after = SortedSearch.firstIndex(in: timestamps, after: probe)
                for hint in [-5, 0] + Array(0...count) + [count + 1, count + 40] {
                    #expect(SortedSearch.firstIndex(in: timestamps, atOrAfter: probe, near: hint) == atOrAfter, "count \(count) probe \(probe) hint \(hint)")
                    #expect(SortedSearch.firstIndex(in: timestamps, after: probe, near: hint) == after, "count \(count) probe \(probe) hint \(hint)")
                }
            }
        }
    }
}
