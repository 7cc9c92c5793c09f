import SondeCore

/// Alertmanager's matcher syntax (0.25's `labels.ParseMatchers`), as `matchers:` in routes and
/// inhibit rules and `sonde silence add` take it: `alertname="HighCPU"`, `instance=~"web.*"`,
/// `{severity!=info, team=ops}`. Values may be unquoted (`team = ops east` is the value
/// `ops east`); regular expressions are anchored at both ends, as Alertmanager anchors them.
public enum AlertmanagerMatchers {
    public struct Invalid: Error, Sendable, Equatable {
        public var message: String
    }

    /// Every matcher in `text`, which may hold several separated by commas.
    public static func parse(_ text: String) throws(Invalid) -> [LabelMatcher] {
        var body = Substring(text.trimmingPrefix(while: \.isWhitespace))
        while body.last?.isWhitespace == true { body.removeLast() }
        if body.hasPrefix("{") { body.removeFirst() }
        if body.hasSuffix("}") { body.removeLast() }
        var tokens: [String] = []
        var token = ""
        var insideQuotes = false
        var escaped = false
        for character in body {
            switch character {
            case "," where !insideQuotes:
                tokens.append(token)
                token = ""
                continue
            case "\"":
                if escaped { escaped = false } else { insideQuotes.toggle() }
            case "\\":
                escaped.toggle()
            default:
                escaped = false
            }
            token.append(character)
        }
        if !token.allSatisfy(\.isWhitespace) { tokens.append(token) }
        return try tokens.map { (token) throws(Invalid) in try matcher(token) }
    }

    /// One `name op value`.
    public static func matcher(_ text: String) throws(Invalid) -> LabelMatcher {
        let characters = Array(text)
        var index = 0
        func skipSpaces() { while index < characters.count, characters[index].isWhitespace { index += 1 } }
        skipSpaces()
        let nameStart = index
        while index < characters.count, isNameCharacter(characters[index], first: index == nameStart) { index += 1 }
        let name = String(characters[nameStart..<index])
        skipSpaces()
        guard !name.isEmpty, let op = operatorAt(characters, &index) else {
            throw Invalid(message: "bad matcher format: \(text)")
        }
        skipSpaces()
        var rawEnd = characters.count
        while rawEnd > index, characters[rawEnd - 1].isWhitespace { rawEnd -= 1 }
        let raw = String(characters[index..<rawEnd])
        do {
            return try LabelMatcher(name: name, op: op, value: try unquote(raw), dotMatchesNewlines: false)
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(message: "\(error)")
        }
    }

    /// The value with Alertmanager's escapes (`\"`, `\\`, `\n`) resolved; quotes optional.
    static func unquote(_ raw: String) throws(Invalid) -> String {
        var body = Substring(raw)
        var expectClosingQuote = false
        if body.hasPrefix("\"") {
            body.removeFirst()
            expectClosingQuote = true
        }
        var value = ""
        var escaped = false
        var index = body.startIndex
        while index < body.endIndex {
            let character = body[index]
            let isLast = body.index(after: index) == body.endIndex
            index = body.index(after: index)
            if escaped {
                escaped = false
                switch character {
                case "n": value.append("\n")
                case "\"", "\\": value.append(character)
                default: value += "\\" + String(character)
                }
                continue
            }
            switch character {
            case "\\" where !isLast:
                escaped = true
            case "\"":
                guard expectClosingQuote, isLast else { throw Invalid(message: "matcher value contains unescaped double quote: \(raw)") }
                expectClosingQuote = false
            default:
                value.append(character)
            }
        }
        if expectClosingQuote { throw Invalid(message: "matcher value contains unescaped double quote: \(raw)") }
        return value
    }

    private static func isNameCharacter(_ character: Character, first: Bool) -> Bool {
        guard character.isASCII else { return false }
        if character.isLetter || character == "_" || character == ":" { return true }
        return !first && character.isNumber
    }

    private static func operatorAt(_ characters: [Character], _ index: inout Int) -> LabelMatcher.Operator? {
        let rest = characters[index...].prefix(2)
        for op in [LabelMatcher.Operator.regexMatch, .notEqual, .regexNoMatch, .equal] where rest.starts(with: op.rawValue) {
            index += op.rawValue.count
            return op
        }
        return nil
    }
}
