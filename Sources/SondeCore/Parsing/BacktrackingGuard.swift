/// Refuses the regular expressions that make a backtracking engine (Swift's `Regex`) run for ever
/// on a short input: a repeated group that itself repeats or alternates (`(a+)+`, `(a|a)*`,
/// `(x*y*)*`), backreferences, and long chains of unbounded repetitions (`.*.*.*…`), whose cost
/// grows as the input's length to their number. RE2, which Prometheus uses, matches in linear
/// time; sonde's engine does not, so a selector from the HTTP API could otherwise take a core.
/// The patterns refused here are rare in label matchers, and each has a linear equivalent (a
/// character class, or the inner repetition dropped), which the error message suggests.
public enum BacktrackingGuard {
    static let maximumUnboundedRepetitions = 12

    /// Nil when the pattern is safe to run, else why not.
    public static func problem(in pattern: String) -> String? {
        let bytes = Array(pattern.utf8)
        // One entry per open group: whether it contains a repetition or an alternation.
        var groups: [Bool] = [false]
        var unbounded = 0
        var index = 0
        // Whether the atom just closed was a group that repeats or alternates inside.
        var previousGroupIsComplex = false
        while index < bytes.count {
            let byte = bytes[index]
            var closedComplexGroup = false
            switch byte {
            case UInt8(ascii: "\\"):
                if index + 1 < bytes.count, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
                    return "backreferences are not supported (RE2 has none)"
                }
                index += 1
            case UInt8(ascii: "["):
                // Skip the class: `]` first in it is literal; escapes inside skip a byte.
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "^") { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1 }
                while index < bytes.count, bytes[index] != UInt8(ascii: "]") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    index += 1
                }
            case UInt8(ascii: "("):
                groups.append(false)
            case UInt8(ascii: ")"):
                if groups.count > 1 {
                    closedComplexGroup = groups.removeLast()
                    if closedComplexGroup { groups[groups.count - 1] = true }
                }
            case UInt8(ascii: "|"):
                groups[groups.count - 1] = true
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{"):
                var repeatsMoreThanOnce = true
                var isUnbounded = byte != UInt8(ascii: "{")
                if byte == UInt8(ascii: "{") {
                    guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else { break }
                    let body = String(decoding: bytes[(index + 1)..<close], as: UTF8.self)
                    let parts = body.split(separator: ",", omittingEmptySubsequences: false)
                    guard parts.count <= 2, let low = Int(parts[0]) else { break }  // not a repetition: a literal brace
                    let high = parts.count == 2 ? (parts[1].isEmpty ? nil : Int(parts[1])) : low
                    isUnbounded = parts.count == 2 && parts[1].isEmpty
                    repeatsMoreThanOnce = high.map { $0 > 1 } ?? true
                    index = close
                }
                if isUnbounded {
                    unbounded += 1
                    if unbounded > maximumUnboundedRepetitions {
                        return "more than \(maximumUnboundedRepetitions) unbounded repetitions could take time growing as a power of the input's length"
                    }
                }
                if repeatsMoreThanOnce {
                    if previousGroupIsComplex {
                        return "a repeated group that itself repeats or alternates could take exponential time; use a character class ([ab]* for (a|b)*) or drop the inner repetition"
                    }
                    groups[groups.count - 1] = true
                }
            default:
                break
            }
            previousGroupIsComplex = closedComplexGroup
            index += 1
        }
        return nil
    }
}
