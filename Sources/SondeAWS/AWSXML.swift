/// A minimal XML reader for AWS query-protocol responses: elements, their text, nothing else.
///
/// Responses come from the network, so this is written for hostile input: it walks a byte array
/// with checked indices (no unsafe pointers), bounds the nesting depth, the number of elements and
/// the length of names, and rejects what it does not understand instead of guessing. It reads the
/// subset AWS sends: an optional `<?xml …?>` declaration, comments, elements with attributes (read
/// and dropped: AWS puts only `xmlns` there), character data with the five predefined entities and
/// numeric character references, and CDATA sections. Namespace prefixes are dropped from names
/// (`<ns:Code>` is `Code`). There is no DTD support: `<!DOCTYPE` is refused, so no entity can
/// expand.
///
/// Foundation's `XMLParser` (FoundationXML on Linux) would also do, but it drags libxml2 and
/// Foundation into a binary that uses neither, its SAX callbacks are more code than this for our
/// three response shapes, and a small parser in Swift is what the fuzz harness can cover end to end.
public struct XMLElement: Sendable, Equatable {
    /// The local name (prefix removed).
    public var name: String
    public var children: [XMLElement]
    /// The element's own character data (entities decoded), concatenated; child elements' text is
    /// not included. Whitespace is kept as sent.
    public var text: String

    public init(name: String, children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// Every child named `name`.
    public func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// Follows a path of child names: `root.path("Error", "Code")`.
    public func path(_ names: String...) -> XMLElement? {
        var element = self
        for name in names {
            guard let next = element.child(name) else { return nil }
            element = next
        }
        return element
    }

    /// `text` without leading and trailing XML whitespace.
    public var trimmedText: String {
        var bytes = Substring(text).utf8[...]
        while let first = bytes.first, XMLReader.isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, XMLReader.isSpace(last) { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Why a document was refused, with the byte offset where reading stopped.
public struct XMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "XML at byte \(offset): \(message)" }
}

/// The parser behind `XMLElement`; see there for what it accepts.
public enum XMLReader {
    /// Limits on a document; the defaults are far above any CloudWatch response (whose body is
    /// itself capped by the HTTP client).
    public struct Limits: Sendable, Equatable {
        public var maxDepth: Int
        public var maxElements: Int
        public var maxNameBytes: Int

        public init(maxDepth: Int = 64, maxElements: Int = 2_000_000, maxNameBytes: Int = 256) {
            self.maxDepth = maxDepth
            self.maxElements = maxElements
            self.maxNameBytes = maxNameBytes
        }
    }

    /// Parses a whole document and returns its root element.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(XMLParseError) -> XMLElement {
        var reader = Reader(bytes: bytes, limits: limits)
        return try reader.document()
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private struct Reader {
        let bytes: [UInt8]
        let limits: Limits
        var index = 0
        var elements = 0

        init(bytes: [UInt8], limits: Limits) {
            self.bytes = bytes
            self.limits = limits
        }

        func fail(_ message: String) -> XMLParseError { XMLParseError(offset: index, message: message) }

        func peek(_ offset: Int = 0) -> UInt8? {
            let at = index + offset
            return at >= 0 && at < bytes.count ? bytes[at] : nil
        }

        func starts(with literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index <= bytes.count - count else { return false }
            return literal.withUTF8Buffer { expected in
                for offset in 0..<count where bytes[index + offset] != expected[offset] { return false }
                return true
            }
        }

        mutating func skipSpace() {
            while let byte = peek(), XMLReader.isSpace(byte) { index += 1 }
        }

        /// Moves past the next occurrence of `terminator`; fails if there is none.
        mutating func skip(past terminator: StaticString, what: String) throws(XMLParseError) {
            while index < bytes.count {
                if starts(with: terminator) {
                    index += terminator.utf8CodeUnitCount
                    return
                }
                index += 1
            }
            throw fail("unterminated \(what)")
        }

        /// Declarations, comments and processing instructions between elements.
        mutating func skipMisc() throws(XMLParseError) {
            while true {
                skipSpace()
                if starts(with: "<?") {
                    try skip(past: "?>", what: "processing instruction")
                } else if starts(with: "<!--") {
                    index += 4
                    try skip(past: "-->", what: "comment")
                } else if starts(with: "<!") {
                    throw fail("DTDs and declarations are not accepted")
                } else {
                    return
                }
            }
        }

        mutating func document() throws(XMLParseError) -> XMLElement {
            // A UTF-8 byte-order mark may precede the declaration.
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
            try skipMisc()
            guard peek() == UInt8(ascii: "<") else { throw fail(index >= bytes.count ? "no root element" : "expected '<' of the root element") }
            let root = try element(depth: 1)
            try skipMisc()
            guard index == bytes.count else { throw fail("content after the root element") }
            return root
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"): true
            case 0x80...0xFF: true  // non-ASCII name characters, taken as they are
            default: false
            }
        }

        mutating func name() throws(XMLParseError) -> [UInt8] {
            let start = index
            while let byte = peek(), Self.isNameByte(byte) { index += 1 }
            guard index > start else { throw fail("expected a name") }
            guard index - start <= limits.maxNameBytes else { throw fail("name longer than \(limits.maxNameBytes) bytes") }
            if let first = bytes[start...].first, first == UInt8(ascii: "-") || first == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
                throw fail("a name cannot start with '\(Character(Unicode.Scalar(first)))'")
            }
            return Array(bytes[start..<index])
        }

        static func localName(_ name: [UInt8]) -> String {
            if let colon = name.lastIndex(of: UInt8(ascii: ":")) { return String(decoding: name[(colon + 1)...], as: UTF8.self) }
            return String(decoding: name, as: UTF8.self)
        }

        /// An element starting at `<`, through its end tag.
        mutating func element(depth: Int) throws(XMLParseError) -> XMLElement {
            guard depth <= limits.maxDepth else { throw fail("elements nested deeper than \(limits.maxDepth)") }
            elements += 1
            guard elements <= limits.maxElements else { throw fail("more than \(limits.maxElements) elements") }
            index += 1  // '<'
            let rawName = try name()
            try attributes()
            var result = XMLElement(name: Self.localName(rawName))
            if starts(with: "/>") {
                index += 2
                return result
            }
            guard peek() == UInt8(ascii: ">") else { throw fail("expected '>' after the attributes of <\(result.name)>") }
            index += 1
            var text: [UInt8] = []
            while true {
                guard let byte = peek() else { throw fail("<\(result.name)> is not closed") }
                if byte == UInt8(ascii: "<") {
                    if starts(with: "</") {
                        index += 2
                        let closing = try name()
                        guard closing == rawName else {
                            throw fail("</\(String(decoding: closing, as: UTF8.self))> closes <\(String(decoding: rawName, as: UTF8.self))>")
                        }
                        skipSpace()
                        guard peek() == UInt8(ascii: ">") else { throw fail("expected '>' in the end tag of <\(result.name)>") }
                        index += 1
                        result.text = String(decoding: text, as: UTF8.self)
                        return result
                    } else if starts(with: "<!--") {
                        index += 4
                        try skip(past: "-->", what: "comment")
                    } else if starts(with: "<![CDATA[") {
                        index += 9
                        let start = index
                        try skip(past: "]]>", what: "CDATA section")
                        text += bytes[start..<(index - 3)]
                    } else if starts(with: "<?") {
                        try skip(past: "?>", what: "processing instruction")
                    } else if starts(with: "<!") {
                        throw fail("declarations are not accepted inside elements")
                    } else {
                        result.children.append(try element(depth: depth + 1))
                    }
                } else if byte == UInt8(ascii: "&") {
                    try reference(into: &text)
                } else {
                    text.append(byte)
                    index += 1
                }
            }
        }

        /// Attributes are read for well-formedness and dropped.
        mutating func attributes() throws(XMLParseError) {
            while true {
                let before = index
                skipSpace()
                guard let byte = peek() else { throw fail("unterminated start tag") }
                if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") { return }
                guard index > before else { throw fail("expected a space before an attribute") }
                _ = try name()
                skipSpace()
                guard peek() == UInt8(ascii: "=") else { throw fail("expected '=' after an attribute name") }
                index += 1
                skipSpace()
                guard let quote = peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { throw fail("expected a quoted attribute value") }
                index += 1
                while let value = peek(), value != quote {
                    guard value != UInt8(ascii: "<") else { throw fail("'<' in an attribute value") }
                    index += 1
                }
                guard peek() == quote else { throw fail("unterminated attribute value") }
                index += 1
            }
        }

        /// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;`, `&#xHH;`, appended as UTF-8.
        mutating func reference(into text: inout [UInt8]) throws(XMLParseError) {
            let start = index
            index += 1
            var body: [UInt8] = []
            while let byte = peek(), byte != UInt8(ascii: ";") {
                guard body.count < 12 else { index = start; throw fail("unterminated entity reference") }
                body.append(byte)
                index += 1
            }
            guard peek() == UInt8(ascii: ";") else { index = start; throw fail("unterminated entity reference") }
            index += 1
            switch String(decoding: body, as: UTF8.self) {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default:
                guard body.first == UInt8(ascii: "#"), body.count >= 2 else {
                    index = start
                    throw fail("unknown entity &\(String(decoding: body, as: UTF8.self));")
                }
                let hex = body[1] == UInt8(ascii: "x")
                let digits = body.dropFirst(hex ? 2 : 1)
                guard !digits.isEmpty, let code = UInt32(String(decoding: digits, as: UTF8.self), radix: hex ? 16 : 10),
                    let scalar = Unicode.Scalar(code), code != 0
                else {
                    index = start
                    throw fail("invalid character reference &\(String(decoding: body, as: UTF8.self));")
                }
                text += Array(String(Character(scalar)).utf8)
            }
        }
    }
}
