import SondeCore

/// Reads Go `text/template` syntax into `TemplateNode`s, following Go's parser where it decides
/// what is valid: variables must be declared (the Prometheus prelude declares `$labels`,
/// `$externalLabels`, `$externalURL`, `$value`), functions must exist, `{{else}}`/`{{end}}` must
/// close something, and only the first command of a pipeline may be a literal.
struct TemplateParser {
    private let bytes: [UInt8]
    private var position = 0
    private let dialect: TemplateDialect
    /// Variables in scope, innermost last; Go checks these at parse time.
    private var variables: [String]
    /// Templates named by `{{define}}` and `{{block}}` in this text.
    private(set) var definitions: [String: [TemplateNode]] = [:]
    private var tokens: [Token] = []
    private var tokenIndex = 0
    /// Set when the last action ended with ` -}}`: the next text loses its leading spaces.
    private var trimNextText = false
    /// How deep the control structures nest, bounded so hostile input cannot exhaust the stack.
    private var depth = 0
    private var insideDefinition = false
    static let maximumDepth = 100

    init(_ text: String, dialect: TemplateDialect = .prometheusAlert) {
        bytes = Array(text.utf8)
        self.dialect = dialect
        variables = dialect.variables
    }

    // MARK: - Lists and control structures

    mutating func parseDocument() throws(AlertTemplateError) -> [TemplateNode] {
        let (nodes, terminator) = try parseList()
        switch terminator {
        case .endOfInput: return nodes
        case .end(let offset): throw error(at: offset, "unexpected {{end}}")
        case .else(let offset, _): throw error(at: offset, "unexpected {{else}}")
        }
    }

    private enum Terminator {
        case endOfInput
        case end(offset: Int)
        /// `{{else}}`, or `{{else if …}}` (`chainedIf`: the `if` tokens are left to read).
        case `else`(offset: Int, chainedIf: Bool)
    }

    /// Text and actions up to `{{end}}`, `{{else}}` or the end of the input.
    private mutating func parseList() throws(AlertTemplateError) -> ([TemplateNode], Terminator) {
        var nodes: [TemplateNode] = []
        while true {
            let text = scanText()
            if !text.isEmpty { nodes.append(.text(text)) }
            guard position < bytes.count else { return (nodes, .endOfInput) }
            let actionStart = position
            guard try readAction() else { continue }  // a comment
            let first = peek()
            if first.kind == .identifier {
                switch first.text {
                case "end":
                    _ = next()
                    try expectEndOfAction("end")
                    return (nodes, .end(offset: first.offset))
                case "else":
                    _ = next()
                    if peek().kind == .identifier && peek().text == "if" {
                        _ = next()
                        return (nodes, .else(offset: first.offset, chainedIf: true))
                    }
                    try expectEndOfAction("else")
                    return (nodes, .else(offset: first.offset, chainedIf: false))
                case "if", "with", "range":
                    _ = next()
                    nodes.append(try parseControl(TemplateControl(rawValue: first.text) ?? .if, at: actionStart))
                    continue
                case "define", "template", "block":
                    guard dialect.allowsDefinitions else {
                        throw error(at: first.offset, "{{\(first.text)}} is not supported in \(dialect.name)")
                    }
                    _ = next()
                    if let node = try parseDefinitionOrInclusion(first.text, at: first.offset) { nodes.append(node) }
                    continue
                case "break", "continue":
                    throw error(at: first.offset, "{{\(first.text)}} is not supported in \(dialect.name)")
                default:
                    break
                }
            }
            let pipeline = try parsePipeline(context: "command", allowsDeclaration: true, end: .rightDelimiter)
            nodes.append(.action(pipeline))
        }
    }

    /// After `{{if`/`{{with`/`{{range`: the pipeline, the body, an optional else, `{{end}}`.
    /// Variables declared inside go out of scope at `{{end}}`, as in Go.
    private mutating func parseControl(_ control: TemplateControl, at start: Int) throws(AlertTemplateError) -> TemplateNode {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth { throw error(at: start, "control structures nested more than \(Self.maximumDepth) deep") }
        let scope = variables.count
        defer { variables.removeSubrange(scope...) }
        let pipeline = try parsePipeline(context: control.rawValue, allowsDeclaration: true, end: .rightDelimiter)
        let (body, terminator) = try parseList()
        switch terminator {
        case .endOfInput:
            throw error(at: bytes.count, "unexpected EOF, expected {{end}} for the {{\(control.rawValue)}} at \(location(start))")
        case .end:
            return .conditional(control, pipeline, body: body, otherwise: nil)
        case .else(let offset, let chainedIf):
            if chainedIf {
                guard control == .if else { throw error(at: offset, "{{else if}} after {{\(control.rawValue)}}") }
                // `{{if a}}x{{else if b}}y{{end}}` is `{{if a}}x{{else}}{{if b}}y{{end}}{{end}}`: the
                // inner `if` consumes the one `{{end}}`.
                let inner = try parseControl(.if, at: offset)
                return .conditional(control, pipeline, body: body, otherwise: [inner])
            }
            let (otherwise, last) = try parseList()
            switch last {
            case .end: return .conditional(control, pipeline, body: body, otherwise: otherwise)
            case .endOfInput: throw error(at: bytes.count, "unexpected EOF, expected {{end}} for the {{\(control.rawValue)}} at \(location(start))")
            case .else(let offset, _): throw error(at: offset, "expected {{end}}, found a second {{else}}")
            }
        }
    }

    /// After `{{define`, `{{template` or `{{block`. A definition's body sees only `$` (its
    /// argument), as in Go; `define` is allowed only at the top level.
    private mutating func parseDefinitionOrInclusion(_ keyword: String, at start: Int) throws(AlertTemplateError) -> TemplateNode? {
        let nameToken = next()
        guard nameToken.kind == .string else {
            throw error(at: nameToken.offset, "unexpected \(nameToken.describe) in \(keyword) clause, expected a quoted template name")
        }
        let name = nameToken.text
        var argument: TemplatePipeline?
        switch keyword {
        case "define":
            guard depth == 0, !insideDefinition else { throw error(at: start, "{{define}} is allowed only at the top level") }
            try expectEndOfAction("define")
            _ = next()
        case "template":
            if peek().kind == .rightDelimiter {
                _ = next()
            } else {
                argument = try parsePipeline(context: "template clause", allowsDeclaration: false, end: .rightDelimiter)
            }
            return .include(name: name, argument: argument, offset: start)
        default:
            argument = try parsePipeline(context: "block clause", allowsDeclaration: false, end: .rightDelimiter)
        }
        depth += 1
        let outerVariables = variables
        let outerInside = insideDefinition
        variables = ["$"]
        insideDefinition = true
        defer {
            depth -= 1
            variables = outerVariables
            insideDefinition = outerInside
        }
        if depth > Self.maximumDepth { throw error(at: start, "templates nested more than \(Self.maximumDepth) deep") }
        let (body, terminator) = try parseList()
        switch terminator {
        case .end: break
        case .endOfInput: throw error(at: bytes.count, "unexpected EOF, expected {{end}} for the {{\(keyword)}} at \(location(start))")
        case .else(let offset, _): throw error(at: offset, "unexpected {{else}} in {{\(keyword)}}")
        }
        if let existing = definitions[name], !Self.isEmpty(existing), !Self.isEmpty(body) {
            throw error(at: start, "template: multiple definition of template \"\(name)\"")
        }
        if definitions[name] == nil || !Self.isEmpty(body) { definitions[name] = body }
        return keyword == "block" ? .include(name: name, argument: argument, offset: start) : nil
    }

    /// Go's rule for replacing a template: one with only spaces is as good as none.
    static func isEmpty(_ nodes: [TemplateNode]) -> Bool {
        nodes.allSatisfy { node in
            if case .text(let text) = node { return text.allSatisfy(\.isWhitespace) }
            return false
        }
    }

    private mutating func expectEndOfAction(_ keyword: String) throws(AlertTemplateError) {
        let token = peek()
        guard token.kind == .rightDelimiter else {
            throw error(at: token.offset, "unexpected \(token.describe) in {{\(keyword)}}, expected \"}}\"")
        }
    }

    // MARK: - Pipelines

    private enum End { case rightDelimiter, rightParen }

    private mutating func parsePipeline(context: String, allowsDeclaration: Bool, end: End) throws(AlertTemplateError) -> TemplatePipeline {
        var pipeline = TemplatePipeline(declarations: [], isAssignment: false, commands: [], offset: peek().offset)
        // `$x := …`, `$x = …`, and in range `$k, $v := …`.
        if allowsDeclaration, peek().kind == .variable {
            let after = peek(1)
            if after.kind == .declare || after.kind == .assign {
                let variable = next()
                _ = next()
                pipeline.declarations = [variable.text]
                pipeline.isAssignment = after.kind == .assign
            } else if after.kind == .comma && context == "range", peek(2).kind == .variable,
                      peek(3).kind == .declare || peek(3).kind == .assign {
                let key = next()
                _ = next()
                let value = next()
                let op = next()
                pipeline.declarations = [key.text, value.text]
                pipeline.isAssignment = op.kind == .assign
            } else if after.kind == .comma {
                throw error(at: after.offset, context == "range" ? "range can only initialize variables" : "too many declarations in \(context)")
            }
            if !pipeline.declarations.isEmpty && !pipeline.isAssignment {
                variables.append(contentsOf: pipeline.declarations)
            }
        }
        while true {
            let token = peek()
            switch token.kind {
            case .rightDelimiter, .rightParen:
                guard (token.kind == .rightDelimiter) == (end == .rightDelimiter) else {
                    throw error(at: token.offset, "unexpected \(token.describe) in \(context)")
                }
                _ = next()
                guard !pipeline.commands.isEmpty else { throw error(at: token.offset, "missing value for \(context)") }
                for (index, command) in pipeline.commands.enumerated().dropFirst() {
                    switch command.operands.first {
                    case .bool, .null, .number, .string, .dotFields([], _):
                        throw error(at: command.offset, "non executable command in pipeline stage \(index + 1)")
                    default:
                        break
                    }
                }
                return pipeline
            case .pipe:
                throw error(at: token.offset, "missing command before \"|\" in \(context)")
            default:
                pipeline.commands.append(try parseCommand(context: context))
            }
        }
    }

    /// Operands up to `|`, `)` or `}}`.
    private mutating func parseCommand(context: String) throws(AlertTemplateError) -> TemplateCommand {
        var command = TemplateCommand(operands: [], offset: peek().offset)
        while true {
            let token = peek()
            switch token.kind {
            case .pipe:
                _ = next()
                if command.operands.isEmpty { throw error(at: token.offset, "empty command") }
                return command
            case .rightDelimiter, .rightParen:
                if command.operands.isEmpty { throw error(at: token.offset, "empty command") }
                return command
            default:
                if !command.operands.isEmpty && !token.spaceBefore {
                    throw error(at: token.offset, "unexpected \(token.describe) in operand")
                }
                command.operands.append(try parseOperand(context: context))
            }
        }
    }

    private mutating func parseOperand(context: String) throws(AlertTemplateError) -> TemplateOperand {
        let token = next()
        var operand: TemplateOperand
        switch token.kind {
        case .identifier:
            switch token.text {
            case "true": operand = .bool(true)
            case "false": operand = .bool(false)
            case "nil": operand = .null(offset: token.offset)
            case "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue":
                throw error(at: token.offset, "unexpected <\(token.text)> in \(context)")
            default:
                if let reason = dialect.unsupported[token.text] {
                    throw error(at: token.offset, "function \"\(token.text)\" is not supported: \(reason)")
                }
                guard dialect.functions.contains(token.text) else {
                    throw error(at: token.offset, "function \"\(token.text)\" not defined")
                }
                operand = .function(token.text, offset: token.offset)
            }
        case .dot:
            operand = .dotFields([], offset: token.offset)
        case .field:
            operand = .dotFields([token.text], offset: token.offset)
        case .variable:
            guard variables.contains(token.text) else { throw error(at: token.offset, "undefined variable \"\(token.text)\"") }
            operand = .variable(token.text, fields: [], offset: token.offset)
        case .string:
            operand = .string(token.text)
        case .number:
            operand = .number(try number(token), offset: token.offset)
        case .leftParen:
            depth += 1
            defer { depth -= 1 }
            if depth > Self.maximumDepth { throw error(at: token.offset, "parentheses nested more than \(Self.maximumDepth) deep") }
            let inner = try parsePipeline(context: "parenthesized pipeline", allowsDeclaration: false, end: .rightParen)
            operand = .parenthesized(inner, fields: [], offset: token.offset)
        default:
            throw error(at: token.offset, "unexpected \(token.describe) in \(context)")
        }
        // Fields written right after a term (`.Labels.job`, `$labels.job`, `(…).job`).
        while peek().kind == .field && !peek().spaceBefore {
            let field = next()
            switch operand {
            case .dotFields(let fields, let offset) where !(fields.isEmpty && token.kind == .dot):
                operand = .dotFields(fields + [field.text], offset: offset)
            case .variable(let name, let fields, let offset):
                operand = .variable(name, fields: fields + [field.text], offset: offset)
            case .parenthesized(let inner, let fields, let offset):
                operand = .parenthesized(inner, fields: fields + [field.text], offset: offset)
            default:
                throw error(at: field.offset, "unexpected . after term \"\(token.text)\"")
            }
        }
        return operand
    }

    /// Go's rules: `strconv.ParseInt(text, 0, 64)` for the int reading, `ParseFloat` for the float
    /// one; a literal written with `.`, `e` or `p` (and not a hex int) is a float where an interface
    /// is expected.
    private func number(_ token: Token) throws(AlertTemplateError) -> TemplateNumber {
        let text = token.text
        var body = Substring(text.filter { $0 != "_" })
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        let lower = body.lowercased()
        let isHex = lower.hasPrefix("0x")
        var int: Int64?
        if isHex {
            int = Int64(lower.dropFirst(2), radix: 16)
        } else if lower.hasPrefix("0o") {
            int = Int64(lower.dropFirst(2), radix: 8)
        } else if lower.hasPrefix("0b") {
            int = Int64(lower.dropFirst(2), radix: 2)
        } else if lower.count > 1, lower.hasPrefix("0") {
            int = Int64(lower.dropFirst(), radix: 8)
        } else {
            int = Int64(lower)
        }
        if negative, let value = int { int = -value }
        let writtenAsFloat = isHex ? lower.contains("p") : lower.contains(where: { $0 == "." || $0 == "e" })
        var float = int.map { Double($0) }
        if float == nil || writtenAsFloat, let value = Double(lower), isHex || !lower.contains("x") {
            float = negative ? -value : value
            if int == nil, value == value.rounded(.towardZero), abs(value) < 9.2e18 { int = Int64(negative ? -value : value) }
        }
        guard let float else { throw error(at: token.offset, "bad number syntax: \"\(text)\"") }
        if !writtenAsFloat && int == nil { throw error(at: token.offset, "integer overflow: \"\(text)\"") }
        _ = float
        return TemplateNumber(text: text, int: int, float: float, isFloatLiteral: writtenAsFloat)
    }

    // MARK: - Text and actions

    /// Text up to the next `{{` (which is left unread), trimmed as the markers on either side say.
    private mutating func scanText() -> String {
        var start = position
        if trimNextText {
            while start < bytes.count, Self.isSpace(bytes[start]) { start += 1 }
            trimNextText = false
        }
        var end = start
        while end < bytes.count, !(bytes[end] == UInt8(ascii: "{") && end + 1 < bytes.count && bytes[end + 1] == UInt8(ascii: "{")) {
            end += 1
        }
        position = end
        var textEnd = end
        if end + 3 < bytes.count, bytes[end + 2] == UInt8(ascii: "-"), Self.isSpace(bytes[end + 3]) {
            while textEnd > start, Self.isSpace(bytes[textEnd - 1]) { textEnd -= 1 }
        }
        return String(decoding: bytes[start..<textEnd], as: UTF8.self)
    }

    /// Lexes the action at `position` (an `{{`) into `tokens`, up to and including its `}}`.
    /// Returns false for a comment, which produces nothing.
    private mutating func readAction() throws(AlertTemplateError) -> Bool {
        let open = position
        position += 2
        if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "-"), Self.isSpace(bytes[position + 1]) {
            position += 2
        }
        if hasPrefix("/*", at: position) {
            guard let close = find("*/", from: position + 2) else { throw error(at: open, "unclosed comment") }
            position = close + 2
            guard try atRightDelimiter() else { throw error(at: position, "comment ends before closing delimiter") }
            return false
        }
        tokens = []
        tokenIndex = 0
        var parenDepth = 0
        var spaceBefore = false
        while true {
            guard position < bytes.count else { throw error(at: open, "unclosed action") }
            let delimiterStart = position
            if try atRightDelimiter() {
                if parenDepth > 0 { throw error(at: delimiterStart, "unclosed left paren") }
                tokens.append(Token(kind: .rightDelimiter, text: "}}", offset: position - 2, spaceBefore: spaceBefore))
                return true
            }
            let byte = bytes[position]
            if Self.isSpace(byte) {
                position += 1
                spaceBefore = true
                continue
            }
            let start = position
            var token = Token(kind: .pipe, text: "", offset: start, spaceBefore: spaceBefore)
            spaceBefore = false
            switch byte {
            case UInt8(ascii: "|"): position += 1; token.kind = .pipe
            case UInt8(ascii: "("): position += 1; token.kind = .leftParen; parenDepth += 1
            case UInt8(ascii: ")"):
                position += 1
                token.kind = .rightParen
                parenDepth -= 1
                if parenDepth < 0 { throw error(at: start, "unexpected right paren") }
            case UInt8(ascii: ","): position += 1; token.kind = .comma
            case UInt8(ascii: "="): position += 1; token.kind = .assign
            case UInt8(ascii: ":"):
                guard hasPrefix(":=", at: position) else { throw error(at: start, "expected :=") }
                position += 2
                token.kind = .declare
            case UInt8(ascii: "\""), UInt8(ascii: "`"):
                let result = bytes.withUnsafeBytes { PromQLStringLiteral.scan($0, at: start) }
                switch result {
                case .success(let (value, end)):
                    token.kind = .string
                    token.text = value
                    position = end
                case .failure(let failure):
                    throw error(at: failure.offset, byte == UInt8(ascii: "`") ? "unterminated raw quoted string" : "unterminated quoted string or bad escape: \(failure.message)")
                }
            case UInt8(ascii: "'"):
                throw error(at: start, "character constants are not supported in alert templates")
            case UInt8(ascii: "$"):
                position += 1
                while position < bytes.count, Self.isAlphanumeric(bytes[position]) { position += 1 }
                token.kind = .variable
                token.text = String(decoding: bytes[start..<position], as: UTF8.self)
            case UInt8(ascii: "."):
                if position + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position + 1]) {
                    token.kind = .number
                    token.text = scanNumber()
                } else {
                    position += 1
                    while position < bytes.count, Self.isAlphanumeric(bytes[position]) { position += 1 }
                    token.kind = position - start == 1 ? .dot : .field
                    token.text = String(decoding: bytes[(start + 1)..<position], as: UTF8.self)
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                token.kind = .number
                token.text = scanNumber()
                if token.text == "+" || token.text == "-" { throw error(at: start, "bad number syntax: \"\(token.text)\"") }
            default:
                guard Self.isAlphanumeric(byte) || byte >= 0x80 else {
                    throw error(at: start, "unexpected \(Token.describe(byte: byte)) in command")
                }
                while position < bytes.count, Self.isAlphanumeric(bytes[position]) || bytes[position] >= 0x80 { position += 1 }
                token.kind = .identifier
                token.text = String(decoding: bytes[start..<position], as: UTF8.self)
            }
            tokens.append(token)
        }
    }

    /// At `}}` or ` -}}`: consumes it and returns true.
    private mutating func atRightDelimiter() throws(AlertTemplateError) -> Bool {
        if position + 3 < bytes.count, Self.isSpace(bytes[position]), bytes[position + 1] == UInt8(ascii: "-"),
           hasPrefix("}}", at: position + 2) {
            position += 4
            trimNextText = true
            return true
        }
        if hasPrefix("}}", at: position) {
            position += 2
            return true
        }
        return false
    }

    private mutating func scanNumber() -> String {
        let start = position
        if bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
        var digits: ClosedRange<UInt8> = UInt8(ascii: "0")...UInt8(ascii: "9")
        var exponent: UInt8 = UInt8(ascii: "e")
        if hasPrefix("0x", at: position) || hasPrefix("0X", at: position) {
            position += 2
            digits = UInt8(ascii: "0")...UInt8(ascii: "f")
            exponent = UInt8(ascii: "p")
        }
        func isDigit(_ byte: UInt8) -> Bool {
            let lower = byte | 0x20
            return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (digits.upperBound == UInt8(ascii: "f")
                && (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(lower)) || byte == UInt8(ascii: "_")
                || (byte == UInt8(ascii: "o") || byte == UInt8(ascii: "b")) && position == start + 1
        }
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] | 0x20 == exponent {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        }
        // Go rejects a number running into letters (`12ab`); keep them so the number fails to parse.
        while position < bytes.count, Self.isAlphanumeric(bytes[position]) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    // MARK: - Tokens

    private enum TokenKind: Equatable {
        case identifier, field, dot, variable, string, number, leftParen, rightParen, pipe, comma, declare, assign, rightDelimiter
    }

    private struct Token {
        var kind: TokenKind
        var text: String
        var offset: Int
        /// Whether whitespace separates this token from the previous one (`.a .b` vs `.a.b`).
        var spaceBefore: Bool

        var describe: String {
            switch kind {
            case .rightDelimiter: return "\"}}\""
            case .rightParen: return "\")\""
            case .leftParen: return "\"(\""
            case .pipe: return "\"|\""
            case .comma: return "\",\""
            case .declare: return "\":=\""
            case .assign: return "\"=\""
            case .dot: return "\".\""
            case .field: return "\".\(text)\""
            case .string: return "a string"
            default: return "\"\(text)\""
            }
        }

        static func describe(byte: UInt8) -> String {
            (0x20..<0x7f).contains(byte) ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x\(String(byte, radix: 16))"
        }
    }

    private func peek(_ ahead: Int = 0) -> Token {
        let index = tokenIndex + ahead
        if index < tokens.count { return tokens[index] }
        return tokens.last ?? Token(kind: .rightDelimiter, text: "}}", offset: position, spaceBefore: false)
    }

    private mutating func next() -> Token {
        let token = peek()
        if tokenIndex < tokens.count { tokenIndex += 1 }
        return token
    }

    // MARK: - Bytes

    private func hasPrefix(_ prefix: StaticString, at offset: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard offset >= 0, offset + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { buffer in
            for index in 0..<count where bytes[offset + index] != buffer[index] { return false }
            return true
        }
    }

    private func find(_ needle: StaticString, from offset: Int) -> Int? {
        var index = offset
        while index < bytes.count {
            if hasPrefix(needle, at: index) { return index }
            index += 1
        }
        return nil
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }

    private func location(_ offset: Int) -> String {
        let positioned = AlertTemplateError.at(offset, in: bytes, .parse, "")
        return "\(positioned.line):\(positioned.column)"
    }

    private func error(at offset: Int, _ message: String) -> AlertTemplateError {
        AlertTemplateError.at(offset, in: bytes, .parse, message)
    }
}
