import SondeCore
import Testing

@Suite struct PromQLLexerTests {
    func kinds(_ text: String) throws -> [PromQLToken.Kind] {
        var lexer = PromQLLexer(text)
        var result: [PromQLToken.Kind] = []
        while true {
            let token = try lexer.next()
            result.append(token.kind)
            if token.kind == .endOfInput { return result }
        }
    }

    @Test func operatorsAndPunctuation() throws {
        #expect(
            try kinds("{ } ( ) [ : ] , @ = == != =~ !~ < <= > >= + - * / % ^")
                == [
                    .leftBrace, .rightBrace, .leftParen, .rightParen, .leftBracket, .colon, .rightBracket, .comma, .at,
                    .assign, .equalEqual, .notEqual, .regexMatch, .regexNoMatch, .less, .lessEqual, .greater,
                    .greaterEqual, .plus, .minus, .star, .slash, .percent, .caret, .endOfInput,
                ])
    }

    @Test func numbersDurationsIdentifiers() throws {
        var lexer = PromQLLexer("rate(x[5m]) * 1.5e3 + 0x1F - .5 offset 1h30m # comment\n Inf")
        var tokens: [(PromQLToken.Kind, String)] = []
        while true {
            let token = try lexer.next()
            if token.kind == .endOfInput { break }
            tokens.append((token.kind, token.text))
        }
        #expect(tokens.map(\.0) == [
            .identifier, .leftParen, .identifier, .leftBracket, .duration, .rightBracket, .rightParen, .star, .number,
            .plus, .number, .minus, .number, .identifier, .duration, .identifier,
        ])
        #expect(tokens.map(\.1) == ["rate", "(", "x", "[", "5m", "]", ")", "*", "1.5e3", "+", "0x1F", "-", ".5", "offset", "1h30m", "Inf"])
    }

    @Test func colonIsATokenOnlyInsideBrackets() throws {
        #expect(try kinds(":a:b [5m:1m]") == [.identifier, .leftBracket, .duration, .colon, .duration, .rightBracket, .endOfInput])
    }

    @Test func tokenRangesAreByteOffsets() throws {
        var lexer = PromQLLexer("é{a=\"ü\"}")
        // "é" is not an identifier character.
        #expect(throws: ParseError(line: 1, column: 1, message: "unexpected character \"é\"")) { try lexer.next() }
        var second = PromQLLexer("a{b=\"ü\"}")
        _ = try second.next()
        _ = try second.next()
        _ = try second.next()
        _ = try second.next()
        let string = try second.next()
        #expect(string.range == 4..<8)
        #expect(string.stringValue == "ü")
    }

    @Test(arguments: [
        ("5x", 2, "unexpected \"x\" in number"),
        ("5mx", 3, "unexpected \"x\" in duration, expected a unit (ms, s, m, h, d, w or y)"),
        ("0x", 1, "error parsing number: strconv.ParseFloat: parsing \"0x\": invalid syntax"),
        ("1e", 1, "error parsing number: strconv.ParseFloat: parsing \"1e\": invalid syntax"),
        ("1.2.3", 4, "unexpected \".\" in number"),
        ("!", 2, "unexpected end of input after \"!\", expected \"=\" or \"~\""),
        ("$", 1, "unexpected character: '$'"),
    ] as [(String, Int, String)])
    func lexicalErrors(text: String, column: Int, message: String) {
        var lexer = PromQLLexer(text)
        #expect(throws: ParseError(line: 1, column: column, message: message)) {
            while try lexer.next().kind != .endOfInput {}
        }
    }

    @Test func unquote() throws {
        #expect(try PromQLStringLiteral.unquote(#""a\tb""#) == "a\tb")
        #expect(try PromQLStringLiteral.unquote("`a\r\nb`") == "a\nb")  // raw strings drop \r as in Go
        #expect(try PromQLStringLiteral.unquote("'\\''") == "'")
        #expect(throws: ParseError(line: 1, column: 4, message: "unexpected \"x\" after the string, expected end of input")) {
            try PromQLStringLiteral.unquote(#""a"x"#)
        }
        #expect(throws: ParseError(line: 1, column: 1, message: "unexpected \"a\", expected a quoted string")) {
            try PromQLStringLiteral.unquote("abc")
        }
    }
}
