import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Codec: integer packer")
struct CodecIntegerPackerTests {
    static func sequence(_ style: Int, _ n: Int, _ rng: inout SplitMix64) -> [Int64] {
        switch style % 8 {
        case 0: return Array(repeating: 0, count: n)
        case 1: return (0..<n).map { _ in Int64(bitPattern: rng.next()) }
        case 2: return (0..<n).map { _ in rng.next() % 5 == 0 ? Int64(rng.next() % 7) - 3 : 0 }
        case 3: return (0..<n).map { _ in Int64(rng.next() % 100) + 1 }
        case 4: return (0..<n).map { _ in [Int64.min, Int64.max, 0, -1][Int(rng.next() % 4)] }
        case 5: return (0..<n).map { _ in rng.next() % 50 == 0 ? Int64(rng.next() % 1_000_000) : 0 }
        case 6: return Array(repeating: Int64(rng.next() % 1000) - 500, count: n)
        default: return (0..<n).map { _ in Int64(rng.next() % 20) - 10 + (rng.next() % 30 == 0 ? 100_000 : 0) }
        }
    }

    @Test("every sequence round-trips and the plan's cost is the exact size written")
    func roundTripAndExactCost() throws {
        var rng = SplitMix64(seed: 3)
        for iteration in 0..<800 {
            let n = Int(rng.next() % 700)
            let values = Self.sequence(iteration, n, &rng)
            var writer = BitWriter()
            let plan = values.withUnsafeBufferPointer { IntegerPacker.plan($0) }
            values.withUnsafeBufferPointer { IntegerPacker.write($0, plan: plan, into: &writer) }
            #expect(writer.bitCount == plan.bits, "style \(iteration % 8) plan \(plan)")
            let bytes = writer.finished()
            var decoded = [Int64](repeating: 7, count: n + 1)  // one guard slot
            try bytes.withUnsafeBytes { raw in
                var reader = BitReader(raw)
                try decoded.withUnsafeMutableBufferPointer { out in
                    guard let base = out.baseAddress else { return }
                    try IntegerPacker.read(count: n, from: &reader, into: base)
                }
                #expect(reader.position == plan.bits)
            }
            #expect(decoded.last == 7)
            #expect(Array(decoded.prefix(n)) == values, "style \(iteration % 8) plan \(plan)")
        }
    }

    @Test("the planner picks the cheap modes for the shapes they exist for")
    func modes() {
        func plan(_ v: [Int64]) -> IntegerPacker.Plan { v.withUnsafeBufferPointer { IntegerPacker.plan($0) } }
        #expect(plan(Array(repeating: 0, count: 480)).bits == 4)
        #expect(plan(Array(repeating: 5, count: 480)).mode == .allZero)  // frame of reference
        var sparse = [Int64](repeating: 0, count: 480)
        sparse[100] = 3; sparse[300] = -2
        #expect(plan(sparse).mode == .zeroRuns)
        #expect(plan(sparse).bits < 80)
    }
}
