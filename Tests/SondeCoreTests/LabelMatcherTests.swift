import SondeCore
import Testing

@Suite struct LabelMatcherTests {
    @Test func equalityOperators() throws {
        let equal = try LabelMatcher(name: "job", op: .equal, value: "api")
        #expect(equal.matches("api"))
        #expect(!equal.matches("api2"))
        #expect(!equal.matches(""))
        let notEqual = try LabelMatcher(name: "job", op: .notEqual, value: "api")
        #expect(!notEqual.matches("api"))
        #expect(notEqual.matches(""))
        #expect(LabelMatcher.equal("a", "") .matchesEmpty)
        #expect(!LabelMatcher.notEqual("a", "").matchesEmpty)
    }

    /// `head.*` is matched by comparing bytes; it must answer as the regex would.
    @Test func prefixPatternsMatchAsTheRegexWould() throws {
        for (pattern, dotAll) in [("sonde_.*", true), ("sonde_.*", false), ("", true), ("a|b.*", true), ("web\\.*", true), ("é.*", true)] {
            let fast = try RegexPattern(pattern.isEmpty ? ".*" : pattern, anchoring: .wholeText, dotMatchesNewlines: dotAll)
            var reference = try Regex(pattern.isEmpty ? ".*" : pattern).matchingSemantics(.unicodeScalar)
            if dotAll { reference = reference.dotMatchesNewlines() }
            for text in ["sonde_api", "sonde_", "sonde", "xsonde_a", "sonde_a\nb", "", "a", "b", "bx", "web...", "web", "é", "éa", "e\u{301}"] {
                #expect(fast.matches(text) == (try reference.wholeMatch(in: text) != nil), "\(pattern) against \(text.debugDescription)")
            }
        }
    }

    @Test func regexesAreFullyAnchored() throws {
        let matcher = try LabelMatcher(name: "path", op: .regexMatch, value: "/api/.*")
        #expect(matcher.matches("/api/v1"))
        #expect(matcher.matches("/api/"))
        #expect(!matcher.matches("x/api/v1"))
        let partial = try LabelMatcher(name: "code", op: .regexMatch, value: "5..")
        #expect(partial.matches("503"))
        #expect(!partial.matches("5030"))
        #expect(!partial.matches("1503"))
        let negated = try LabelMatcher(name: "code", op: .regexNoMatch, value: "5..")
        #expect(!negated.matches("503"))
        #expect(negated.matches("5030"))
        #expect(negated.matches(""))
    }

    @Test func commonRE2SyntaxWorks() throws {
        #expect(try LabelMatcher(name: "m", op: .regexMatch, value: "(?i)get|post").matches("GET"))
        #expect(try LabelMatcher(name: "d", op: .regexMatch, value: "sd[a-z]\\d+").matches("sda1"))
        #expect(try LabelMatcher(name: "d", op: .regexMatch, value: "x{2,3}").matches("xxx"))
        #expect(try !LabelMatcher(name: "d", op: .regexMatch, value: "x{2,3}").matches("xxxx"))
        #expect(try LabelMatcher(name: "u", op: .regexMatch, value: "caf.").matches("café"))  // é is one scalar
    }

    @Test func dotMatchesNewlineAsInPrometheus() throws {
        #expect(try LabelMatcher(name: "a", op: .regexMatch, value: "x.y").matches("x\ny"))
    }

    @Test func literalAlternationsBehaveLikeRegexes() throws {
        let alternation = try LabelMatcher(name: "env", op: .regexMatch, value: "prod|staging")
        #expect(alternation.matches("prod"))
        #expect(alternation.matches("staging"))
        #expect(!alternation.matches("prod|staging"))
        #expect(!alternation.matches("production"))
        #expect(!alternation.matches(""))
        let withEmpty = try LabelMatcher(name: "env", op: .regexMatch, value: "prod|")
        #expect(withEmpty.matches(""))
        #expect(withEmpty.matchesEmpty)
        let literal = try LabelMatcher(name: "env", op: .regexMatch, value: "host-1:9100")
        #expect(literal.matches("host-1:9100"))
        #expect(!literal.matches("host-1:91000"))
    }

    @Test func emptyMatching() throws {
        #expect(try LabelMatcher(name: "a", op: .regexMatch, value: ".*").matchesEmpty)
        #expect(try LabelMatcher(name: "a", op: .regexMatch, value: "").matchesEmpty)
        #expect(try !LabelMatcher(name: "a", op: .regexMatch, value: ".+").matchesEmpty)
        #expect(try !LabelMatcher(name: "a", op: .regexNoMatch, value: ".*").matchesEmpty)
    }

    @Test func invalidRegexIsAClearError() {
        do {
            _ = try LabelMatcher(name: "a", op: .regexMatch, value: "(unclosed")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("invalid regular expression \"(unclosed\": "))
        }
    }

    @Test func equalityIgnoresTheCompiledForm() throws {
        let a = try LabelMatcher(name: "a", op: .regexMatch, value: "x.*")
        let b = try LabelMatcher(name: "a", op: .regexMatch, value: "x.*")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(a != (try LabelMatcher(name: "a", op: .regexNoMatch, value: "x.*")))
        #expect(a.description == "a=~\"x.*\"")
    }

    @Test func sharedAcrossTasks() async throws {
        let matcher = try LabelMatcher(name: "a", op: .regexMatch, value: "[a-z]+-[0-9]+")
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask { matcher.matches("host-\(index)") && !matcher.matches("Host-\(index)") }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(results)
    }
}
