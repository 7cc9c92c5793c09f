/// A regular expression for `match` and `reReplaceAll` (unanchored, as Go's regexp), with Go's
/// `$1`/`${name}` expansion in replacements.
struct TemplateRegex {
    private let regex: Regex<AnyRegexOutput>

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ pattern: String) throws(Failure) {
        do {
            regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
            throw Failure(description: "error parsing regexp: \(error)")
        }
    }

    func matches(_ text: String) -> Bool {
        ((try? regex.firstMatch(in: text)) ?? nil) != nil
    }

    /// Go's ReplaceAllString: non-overlapping matches, empty matches right after a match skipped.
    func replaceAll(in text: String, with template: String) -> String {
        var result = ""
        var copied = text.startIndex
        var previousEnd: String.Index?
        for match in text.matches(of: regex) {
            let range = match.range
            if range.isEmpty, range.lowerBound == previousEnd { continue }
            result += text[copied..<range.lowerBound]
            result += Self.expand(template, match.output, in: text)
            copied = range.upperBound
            previousEnd = range.upperBound
        }
        result += text[copied...]
        return result
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`; a name is the longest run of
    /// letters, digits and `_`, and an unknown group expands to nothing. `label_replace` uses it too.
    static func expand(_ template: String, _ output: AnyRegexOutput, in text: String) -> String {
        var result = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                result += "$"
                rest = rest.dropFirst()
                continue
            }
            var name: Substring
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else {
                    result += "$"
                    continue
                }
                name = rest[rest.index(after: rest.startIndex)..<close]
                guard !name.isEmpty, name.allSatisfy(Self.isNameCharacter) else {
                    result += "$"
                    continue
                }
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(where: { !Self.isNameCharacter($0) }) ?? rest.endIndex
                name = rest[..<end]
                guard !name.isEmpty else {
                    result += "$"
                    continue
                }
                rest = rest[end...]
            }
            if let number = Int(name) {
                if number < output.count, let range = output[number].range { result += text[range] }
            } else if let element = output[String(name)], let range = element.range {
                result += text[range]
            }
        }
        return result + rest
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character == "_" || character.isLetter || character.isNumber
    }
}
