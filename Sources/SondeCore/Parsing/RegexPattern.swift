/// A compiled regular expression with a fast path for literals: a pattern without metacharacters
/// (`nginx`, `gunicorn: master|bin/gunicorn`) is compared byte for byte, anything else goes to
/// Swift's `Regex`. Label matchers (`job=~"api|web"`), process groups and probe body patterns use it.
///
/// `Regex<AnyRegexOutput>` is not `Sendable` (it holds a lazily built program), but this wrapper never
/// mutates or exposes it after `init`, matches once in `init` so the program exists before sharing,
/// and matching one `Regex` from several threads is safe; hence `@unchecked Sendable`.
public final class RegexPattern: @unchecked Sendable {
    public enum Anchoring: Sendable {
        /// The whole text must match, as PromQL's `=~` and a process's `comm` and `exe`.
        case wholeText
        /// A match anywhere in the text, as a process's command line or a probe's body.
        case anywhere
    }

    private let regex: Regex<AnyRegexOutput>?
    /// The alternatives of a literal pattern, as UTF-8 bytes: compared as Prometheus does, by bytes,
    /// not by Swift's canonical equivalence.
    private let literals: [[UInt8]]
    /// The literal head of a whole-text `head.*` (`sonde_.*`, `web-.*`), the commonest selector
    /// pattern: matched by comparing bytes, as Prometheus does, not by running a regex.
    private let prefix: [UInt8]?
    private let dotMatchesNewlines: Bool
    private let anchoring: Anchoring

    /// - Parameters:
    ///   - dotMatchesNewlines: `.` also matches `\n`, as in Prometheus' label matchers.
    ///   - key: what the pattern is, put before the error message (`cmdline: invalid regular …`).
    ///   - refusingBacktracking: refuse what `BacktrackingGuard` refuses; for selectors, which may
    ///     come from anyone who can reach the API. The operator's own configuration is trusted.
    /// - Throws: `SondeError(.invalidArgument)` naming the pattern and what is wrong with it.
    public init(
        _ pattern: String, anchoring: Anchoring, dotMatchesNewlines: Bool = false, key: String? = nil, refusingBacktracking: Bool = false
    ) throws(SondeError) {
        self.anchoring = anchoring
        self.dotMatchesNewlines = dotMatchesNewlines
        if let literals = RegexPattern.literalAlternatives(pattern) {
            self.literals = literals
            self.prefix = nil
            self.regex = nil
            return
        }
        if anchoring == .wholeText, pattern.hasSuffix(".*"), let head = RegexPattern.literalAlternatives(String(pattern.dropLast(2))), head.count == 1 {
            self.prefix = head[0]
            self.literals = []
            self.regex = nil
            return
        }
        self.prefix = nil
        if refusingBacktracking, let problem = BacktrackingGuard.problem(in: pattern) {
            let prefix = key.map { $0 + ": " } ?? ""
            throw SondeError(.invalidArgument, prefix + "regular expression \"\(Labels.escape(pattern))\" refused: \(problem)")
        }
        do {
            var regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
            if dotMatchesNewlines { regex = regex.dotMatchesNewlines() }
            // Match once so the lazily compiled program exists before the value is shared.
            _ = try? regex.firstMatch(in: "")
            self.regex = regex
            self.literals = []
        } catch {
            let prefix = key.map { $0 + ": " } ?? ""
            throw SondeError(.invalidArgument, prefix + "invalid regular expression \"\(Labels.escape(pattern))\": \(error)")
        }
    }

    public func matches(_ text: String) -> Bool {
        if let prefix {
            var text = text
            return text.withUTF8 { bytes in
                bytes.starts(with: prefix) && (dotMatchesNewlines || !bytes[prefix.count...].contains(UInt8(ascii: "\n")))
            }
        }
        if let regex {
            switch anchoring {
            case .wholeText: return ((try? regex.wholeMatch(in: text)) ?? nil) != nil
            case .anywhere: return ((try? regex.firstMatch(in: text)) ?? nil) != nil
            }
        }
        var text = text
        return text.withUTF8 { bytes in
            literals.contains { literal in
                switch anchoring {
                case .wholeText: return bytes.elementsEqual(literal)
                case .anywhere: return RegexPattern.contains(bytes, literal)
                }
            }
        }
    }

    private static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        var start = 0
        while start <= haystack.count - needle.count {
            if haystack[start] == first {
                var index = 1
                while index < needle.count, haystack[start + index] == needle[index] { index += 1 }
                if index == needle.count { return true }
            }
            start += 1
        }
        return false
    }

    /// `abc` → ["abc"], `a|b c` → ["a", "b c"], `a|` → ["a", ""]; nil when the pattern has a regular
    /// expression metacharacter. (`#` counts as one: it starts a comment in extended mode.)
    static func literalAlternatives(_ pattern: String) -> [[UInt8]]? {
        for byte in pattern.utf8 {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "."), UInt8(ascii: "?"),
                UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
                UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"):
                return nil
            default:
                continue
            }
        }
        return pattern.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false).map(Array.init)
    }
}
