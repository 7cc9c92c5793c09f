import SondeRules
import SondeTestSupport
import Testing

/// Writes random expressions from the supported grammar, in non-canonical spellings (odd spacing,
/// upper-case keywords, grouping after the arguments). Many are ill-typed; those must fail cleanly.
struct RandomExpressionWriter {
    var random: SplitMix64

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int(random.next() % UInt64(choices.count))]
    }

    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func labels() -> String {
        "(" + pick(["", "a", "a, b", "job,", "le"]) + ")"
    }

    mutating func selector() -> String {
        var out = pick(["up", #"x{a="b"}"#, #"{__name__="sum"}"#, "rate", #"y{c=~"d.*", e!="f\n"}"#, ":rec:rule"])
        if chance(30) { out += pick(["[5m]", "[1h30m]", "[90s]"]) }
        if chance(20) { out += pick([" offset 5m", " OFFSET -1d", " offset +10s"]) }
        return out
    }

    mutating func expression(depth: Int) -> String {
        if depth <= 0 || chance(25) {
            return chance(40)
                ? pick(["1", "0.5", "-2", "1e3", "Inf", "-inf", "NaN", "0x10", "010", ".5", #""s""#]) : selector()
        }
        switch random.next() % 6 {
        case 0:
            let function = pick(PromQLFunction.all)
            let count = function.argumentTypes.count - (chance(20) ? function.optionalArguments : 0)
            return function.name + "(" + (0..<count).map { _ in expression(depth: depth - 1) }.joined(separator: ", ") + ")"
        case 1:
            let op = pick(PromQLAggregationOperator.allCases)
            let arguments = (op.takesParameter ? [expression(depth: depth - 1)] : []) + [expression(depth: depth - 1)]
            let grouping = chance(50) ? "" : pick([" by ", " WITHOUT "]) + labels()
            let body = "(" + arguments.joined(separator: ",") + ")"
            return chance(50) ? op.rawValue + grouping + body : op.rawValue.uppercased() + body + grouping
        case 2:
            return pick(["-", "+", "- "]) + expression(depth: depth - 1)
        case 3:
            return "(" + expression(depth: depth - 1) + ")"
        default:
            let op = pick(PromQLBinaryOperator.allCases)
            var modifiers = ""
            if op.isComparison, chance(50) { modifiers += " bool" }
            if chance(30) {
                modifiers += pick([" on", " ignoring"]) + labels()
                if chance(40) { modifiers += pick([" group_left", " group_right(x)"]) }
            }
            return expression(depth: depth - 1) + " " + op.rawValue + modifiers + " " + expression(depth: depth - 1)
        }
    }
}

@Suite struct PromQLRoundTripFuzzTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64]) func randomExpressionsRoundTrip(seed: UInt64) throws {
        var writer = RandomExpressionWriter(random: SplitMix64(seed: seed))
        var parsedCount = 0
        for _ in 0..<3000 {
            let text = writer.expression(depth: 4)
            guard let parsed = try? PromQLParser.parse(text) else { continue }
            parsedCount += 1
            let printed = parsed.description
            let reparsed = try PromQLParser.parse(printed)
            #expect(reparsed == parsed, "seed \(seed): \(text) printed as \(printed)")
            #expect(reparsed.description == printed, "seed \(seed): \(text)")
            #expect(reparsed.valueType == parsed.valueType)
        }
        // The writer must produce enough well-typed input for the test to mean something.
        #expect(parsedCount > 1000, "only \(parsedCount) of 3000 parsed")
    }
}
