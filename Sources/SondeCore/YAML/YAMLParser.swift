/// A YAML parser for configuration and rule files: the subset those files use, with exact positions.
///
/// Supported: block mappings and sequences (including `- key: value` items and sequences at their
/// key's indentation), flow collections (`[a, b]`, `{k: v}`, across lines), plain, single- and
/// double-quoted scalars (folded across lines), literal and folded block scalars (`|`, `>`, with
/// `-`/`+` chomping and an indentation digit), comments, and `---`/`...` around one document.
///
/// Deliberately not supported, each with a clear error: anchors and aliases, tags, complex keys
/// (`? `), several documents, tabs in indentation, duplicate keys. It does not resolve types: every
/// scalar stays text, and the configuration layer decides what a value must be, so that `no` stays
/// `no` and `010` stays `010` until a field says otherwise. It avoids Foundation (binary size and
/// resident memory matter for the agent).
public struct YAMLParser {
    private let bytes: [UInt8]
    private let file: String?
    private var pos = 0
    private var lineStarts: [Int] = [0]

    public static func parse(_ text: String, file: String? = nil) throws(ParseError) -> YAMLNode {
        var parser = YAMLParser(text: text, file: file)
        return try parser.parseDocument()
    }

    init(text: String, file: String?) {
        bytes = Array(text.utf8)
        self.file = file
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { lineStarts.append(offset + 1) }
    }

    // MARK: positions

    private func position(_ offset: Int) -> YAMLPosition {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return YAMLPosition(file: file, line: low + 1, column: offset - lineStarts[low] + 1)
    }

    private func error(_ message: String, at offset: Int? = nil) -> ParseError {
        position(offset ?? pos).error(message)
    }

    private func byte(_ offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
    private var current: UInt8? { byte(pos) }

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let hash = UInt8(ascii: "#")

    private func isBreak(_ byte: UInt8?) -> Bool { byte == nil || byte == YAMLParser.newline || byte == YAMLParser.carriageReturn }
    private func isBlank(_ byte: UInt8?) -> Bool { byte == YAMLParser.space || byte == YAMLParser.tab }
    private func isBlankOrBreak(_ byte: UInt8?) -> Bool { isBlank(byte) || isBreak(byte) }

    private func lineStart(of offset: Int) -> Int { lineStarts[position(offset).line - 1] }

    private func endOfLine(from offset: Int) -> Int {
        var end = offset
        while end < bytes.count && bytes[end] != YAMLParser.newline { end += 1 }
        return end
    }

    private mutating func skipBlanks() { while isBlank(current) { pos += 1 } }

    /// After a value on a line: only blanks and a comment may follow.
    private mutating func expectEndOfLine() throws(ParseError) {
        skipBlanks()
        if current == YAMLParser.hash { pos = endOfLine(from: pos) }
        if current == YAMLParser.carriageReturn { pos += 1 }
        guard isBreak(current) else { throw error("unexpected \(describe(pos)), expected the end of the line") }
        if current == YAMLParser.newline { pos += 1 }
    }

    private func describe(_ offset: Int) -> String {
        guard let byte = byte(offset) else { return "end of file" }
        if byte == YAMLParser.newline { return "end of line" }
        if byte < 0x80 { return "\"\(Character(Unicode.Scalar(byte)))\"" }
        return "a non-ASCII character"
    }

    /// The next line holding content (not blank, not only a comment), from the start of a line.
    /// Returns the offset of its first non-blank byte and its indentation; leaves `pos` unchanged.
    private func nextContentLine(from start: Int) throws(ParseError) -> (offset: Int, indent: Int)? {
        var lineBegin = start
        while lineBegin < bytes.count {
            var offset = lineBegin
            while byte(offset) == YAMLParser.space { offset += 1 }
            if byte(offset) == YAMLParser.tab {
                // A tab after the indentation is fine only on an otherwise empty line.
                var probe = offset
                while isBlank(byte(probe)) { probe += 1 }
                if !isBreak(byte(probe)) && byte(probe) != YAMLParser.hash {
                    throw error("tabs are not allowed for indentation; use spaces", at: offset)
                }
                offset = probe
            }
            let next = byte(offset)
            if isBreak(next) || next == YAMLParser.hash {
                lineBegin = endOfLine(from: offset) + 1
                continue
            }
            return (offset, offset - lineBegin)
        }
        return nil
    }

    private func isDocumentMarker(_ offset: Int) -> Bool {
        guard offset == lineStart(of: offset), offset + 3 <= bytes.count else { return false }
        let marker = Array(bytes[offset..<offset + 3])
        guard marker == Array("---".utf8) || marker == Array("...".utf8) else { return false }
        return isBlankOrBreak(byte(offset + 3))
    }

    // MARK: document

    mutating func parseDocument() throws(ParseError) -> YAMLNode {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        guard var first = try nextContentLine(from: pos) else { return YAMLNode(kind: .null, position: position(0)) }
        if isDocumentMarker(first.offset) && bytes[first.offset] == UInt8(ascii: "-") {
            pos = first.offset + 3
            try expectEndOfLine()
            guard let next = try nextContentLine(from: pos) else { return YAMLNode(kind: .null, position: position(first.offset)) }
            first = next
        }
        if first.offset < bytes.count, bytes[first.offset] == UInt8(ascii: "%") {
            throw error("YAML directives are not supported", at: first.offset)
        }
        let node: YAMLNode
        if isDocumentMarker(first.offset) {
            node = YAMLNode(kind: .null, position: position(first.offset))
        } else {
            node = try parseBlockNode(at: first, parentIndent: -1)
        }
        if let rest = try nextContentLine(from: pos) {
            if isDocumentMarker(rest.offset) && bytes[rest.offset] == UInt8(ascii: ".") {
                pos = rest.offset + 3
                try expectEndOfLine()
                if let more = try nextContentLine(from: pos) { throw error("unexpected content after the end of the document", at: more.offset) }
            } else if isDocumentMarker(rest.offset) {
                throw error("several documents in one file are not supported", at: rest.offset)
            } else {
                throw error("unexpected \(describe(rest.offset)) at indentation \(rest.indent), expected the end of the document or a line indented like its parent", at: rest.offset)
            }
        }
        return node
    }

    // MARK: block structure

    /// Parses the node whose first line is `line` (at any indentation greater than `parentIndent`).
    private mutating func parseBlockNode(at line: (offset: Int, indent: Int), parentIndent: Int) throws(ParseError) -> YAMLNode {
        pos = line.offset
        if isSequenceEntry(pos) { return try parseBlockSequence(indent: line.indent) }
        if try mappingKeyEnd(from: pos) != nil { return try parseBlockMapping(indent: line.indent) }
        return try parseInlineValue(parentIndent: parentIndent)
    }

    private func isSequenceEntry(_ offset: Int) -> Bool {
        byte(offset) == UInt8(ascii: "-") && isBlankOrBreak(byte(offset + 1))
    }

    /// If a mapping key starts at `offset`, the offset of its `:`; nil otherwise.
    private func mappingKeyEnd(from offset: Int) throws(ParseError) -> Int? {
        guard let first = byte(offset) else { return nil }
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            // A quoted key: find the closing quote on this line, then ":".
            var end = offset + 1
            while let next = byte(end), !isBreak(next) {
                if next == first {
                    if first == UInt8(ascii: "'") && byte(end + 1) == first { end += 2; continue }
                    break
                }
                if first == UInt8(ascii: "\"") && next == UInt8(ascii: "\\") { end += 1 }
                end += 1
            }
            var after = end + 1
            while isBlank(byte(after)) { after += 1 }
            return byte(after) == UInt8(ascii: ":") && isBlankOrBreak(byte(after + 1)) ? after : nil
        }
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "{") || first == YAMLParser.hash { return nil }
        if first == UInt8(ascii: "?") && isBlankOrBreak(byte(offset + 1)) {
            throw error("complex mapping keys (\"? \") are not supported", at: offset)
        }
        var end = offset
        while let next = byte(end), !isBreak(next) {
            if next == UInt8(ascii: ":") && isBlankOrBreak(byte(end + 1)) { return end }
            if next == YAMLParser.hash && end > offset && isBlank(byte(end - 1)) { return nil }
            end += 1
        }
        return nil
    }

    private mutating func parseBlockSequence(indent: Int) throws(ParseError) -> YAMLNode {
        let start = position(pos)
        var items: [YAMLNode] = []
        while true {
            // pos is at "-".
            let dash = pos
            pos += 1
            skipBlanks()
            if isBreak(current) || current == YAMLParser.hash {
                pos = endOfLine(from: pos)
                if current == YAMLParser.newline { pos += 1 }
                if let next = try nextContentLine(from: pos), next.indent > indent {
                    items.append(try parseBlockNode(at: next, parentIndent: indent))
                } else {
                    items.append(YAMLNode(kind: .null, position: position(dash)))
                }
            } else {
                // Compact form: the item starts on the dash's line; its own indentation is its column.
                let column = pos - lineStart(of: pos)
                items.append(try parseBlockNode(at: (pos, column), parentIndent: indent))
            }
            guard let next = try nextContentLine(from: pos) else { break }
            if next.indent == indent && isSequenceEntry(next.offset) {
                pos = next.offset
                continue
            }
            if next.indent > indent {
                throw error("unexpected indentation, expected \"- \" at column \(indent + 1) or a line indented less", at: next.offset)
            }
            break
        }
        return YAMLNode(kind: .sequence(items), position: start)
    }

    private mutating func parseBlockMapping(indent: Int) throws(ParseError) -> YAMLNode {
        let start = position(pos)
        var entries: [YAMLNode.Entry] = []
        while true {
            let keyOffset = pos
            guard let colon = try mappingKeyEnd(from: pos) else {
                if isSequenceEntry(pos) { throw error("expected a key (\"name: value\"), found a list item", at: pos) }
                throw error("expected a key followed by \": \"", at: pos)
            }
            let key = try parseKey(from: keyOffset, to: colon)
            if entries.contains(where: { $0.key == key }) {
                throw error("duplicate key \"\(key)\"", at: keyOffset)
            }
            pos = colon + 1
            skipBlanks()
            let value: YAMLNode
            if isBreak(current) || current == YAMLParser.hash {
                pos = endOfLine(from: pos)
                if current == YAMLParser.newline { pos += 1 }
                if let next = try nextContentLine(from: pos), next.indent > indent {
                    value = try parseBlockNode(at: next, parentIndent: indent)
                } else if let next = try nextContentLine(from: pos), next.indent == indent, isSequenceEntry(next.offset) {
                    pos = next.offset
                    value = try parseBlockSequence(indent: indent)
                } else {
                    value = YAMLNode(kind: .null, position: position(colon))
                }
            } else {
                value = try parseInlineValue(parentIndent: indent)
            }
            entries.append(YAMLNode.Entry(key: key, keyPosition: position(keyOffset), value: value))
            guard let next = try nextContentLine(from: pos) else { break }
            if next.indent == indent {
                if isDocumentMarker(next.offset) { break }
                pos = next.offset
                continue
            }
            if next.indent > indent {
                throw error("unexpected indentation, expected a key at column \(indent + 1) or a line indented less", at: next.offset)
            }
            break
        }
        return YAMLNode(kind: .mapping(entries), position: start)
    }

    private mutating func parseKey(from start: Int, to colon: Int) throws(ParseError) -> String {
        pos = start
        if current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") {
            let node = try parseQuoted()
            return node.scalar ?? ""
        }
        var end = colon
        while end > start && isBlank(byte(end - 1)) { end -= 1 }
        let key = String(decoding: bytes[start..<end], as: UTF8.self)
        if let first = key.utf8.first, first == UInt8(ascii: "&") || first == UInt8(ascii: "*") || first == UInt8(ascii: "!") {
            throw error("anchors, aliases and tags are not supported", at: start)
        }
        return key
    }

    /// A value that starts on the current line: a flow collection, a quoted or plain scalar, or a
    /// block scalar header. Leaves `pos` at the start of the next line.
    private mutating func parseInlineValue(parentIndent: Int) throws(ParseError) -> YAMLNode {
        guard let first = current else { return YAMLNode(kind: .null, position: position(pos)) }
        switch first {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let node = try parseFlow()
            try expectEndOfLine()
            return node
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let node = try parseQuoted()
            try expectEndOfLine()
            return node
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            return try parseBlockScalar(parentIndent: parentIndent)
        case UInt8(ascii: "&"), UInt8(ascii: "*"):
            throw error("anchors and aliases are not supported")
        case UInt8(ascii: "!"):
            throw error("tags are not supported")
        case UInt8(ascii: "@"), UInt8(ascii: "`"), UInt8(ascii: "%"):
            throw error("a plain value cannot start with \(describe(pos)); quote it")
        default:
            return try parsePlainBlockScalar(parentIndent: parentIndent)
        }
    }

    /// A plain scalar in block context, continued on following lines indented more than its parent.
    private mutating func parsePlainBlockScalar(parentIndent: Int) throws(ParseError) -> YAMLNode {
        let start = position(pos)
        var text = readPlainLine(flow: false)
        try expectEndOfLine()
        var pendingBreaks = 0
        while true {
            var lineBegin = pos
            // Blank lines inside a multi-line plain scalar become line breaks.
            var blanks = 0
            while lineBegin < bytes.count {
                var offset = lineBegin
                while isBlank(byte(offset)) { offset += 1 }
                guard isBreak(byte(offset)) else { break }
                blanks += 1
                lineBegin = endOfLine(from: offset) + 1
            }
            guard let next = try nextContentLine(from: lineBegin), next.indent > parentIndent,
                  next.offset == lineBegin + next.indent, bytes[next.offset] != YAMLParser.hash
            else { break }
            if isSequenceEntry(next.offset) { break }
            if try mappingKeyEnd(from: next.offset) != nil { break }
            pendingBreaks = blanks
            pos = next.offset
            let more = readPlainLine(flow: false)
            text += pendingBreaks > 0 ? String(repeating: "\n", count: pendingBreaks) : " "
            text += more
            try expectEndOfLine()
        }
        return YAMLNode(kind: .scalar(text, quoted: false), position: start)
    }

    /// Reads a plain scalar to the end of its line (block) or to a flow indicator (flow).
    private mutating func readPlainLine(flow: Bool) -> String {
        let start = pos
        var end = pos
        while let next = byte(end), !isBreak(next) {
            if next == YAMLParser.hash && end > start && isBlank(byte(end - 1)) { break }
            if next == UInt8(ascii: ":") && isBlankOrBreak(byte(end + 1)) && flow { break }
            if flow && (next == UInt8(ascii: ",") || next == UInt8(ascii: "]") || next == UInt8(ascii: "}")) { break }
            if flow && next == UInt8(ascii: ":") && (byte(end + 1) == UInt8(ascii: ",") || byte(end + 1) == UInt8(ascii: "]") || byte(end + 1) == UInt8(ascii: "}")) { break }
            end += 1
        }
        var trimmed = end
        while trimmed > start && isBlank(byte(trimmed - 1)) { trimmed -= 1 }
        pos = end
        return String(decoding: bytes[start..<trimmed], as: UTF8.self)
    }

    // MARK: block scalars

    private mutating func parseBlockScalar(parentIndent: Int) throws(ParseError) -> YAMLNode {
        let start = position(pos)
        let literal = current == UInt8(ascii: "|")
        pos += 1
        enum Chomping { case clip, strip, keep }
        var chomping = Chomping.clip
        var explicitIndent: Int?
        for _ in 0..<2 {
            if current == UInt8(ascii: "-") { chomping = .strip; pos += 1 }
            else if current == UInt8(ascii: "+") { chomping = .keep; pos += 1 }
            else if let digit = current, digit >= UInt8(ascii: "1"), digit <= UInt8(ascii: "9") {
                explicitIndent = Int(digit - UInt8(ascii: "0"))
                pos += 1
            }
        }
        if !isBlankOrBreak(current) && current != YAMLParser.hash {
            throw error("unexpected \(describe(pos)) after a block scalar indicator, expected \"-\", \"+\", a digit or the end of the line")
        }
        try expectEndOfLine()

        // Collect the raw lines: each with its indentation and text, blank lines included.
        var contentIndent = explicitIndent.map { max(parentIndent, 0) + $0 }
        var rawLines: [(indent: Int, start: Int, end: Int)] = []
        var lineBegin = pos
        while lineBegin < bytes.count {
            var offset = lineBegin
            while byte(offset) == YAMLParser.space { offset += 1 }
            let end = endOfLine(from: offset)
            var contentEnd = end
            if contentEnd > offset && byte(contentEnd - 1) == YAMLParser.carriageReturn { contentEnd -= 1 }
            let indent = offset - lineBegin
            let isEmpty = offset >= contentEnd
            if !isEmpty {
                if contentIndent == nil {
                    guard indent > parentIndent else { break }
                    if byte(offset) == YAMLParser.tab { throw error("tabs are not allowed for indentation; use spaces", at: offset) }
                    contentIndent = indent
                }
                if let contentIndent, indent < contentIndent { break }
            }
            rawLines.append((indent, offset, contentEnd))
            lineBegin = end + 1
        }
        pos = min(lineBegin, bytes.count)
        let base = contentIndent ?? 0
        var texts: [String] = rawLines.map { line in
            if line.start >= line.end { return "" }
            let extra = max(0, line.indent - base)
            return String(repeating: " ", count: extra) + String(decoding: bytes[line.start..<line.end], as: UTF8.self)
        }
        // Trailing empty lines are governed by chomping.
        var trailingEmpty = 0
        while let last = texts.last, last.isEmpty {
            texts.removeLast()
            trailingEmpty += 1
        }
        var text: String
        if literal {
            text = texts.joined(separator: "\n")
        } else {
            // Folding: a single break between two normal lines becomes a space; each empty line
            // between them stays a break; lines that start with a space (more indented) keep theirs.
            text = ""
            var hadContent = false
            var previousNormal = false
            var emptyRun = 0
            for line in texts {
                if line.isEmpty {
                    emptyRun += 1
                    continue
                }
                let normal = !line.hasPrefix(" ")
                if !hadContent {
                    text += String(repeating: "\n", count: emptyRun)
                } else if previousNormal && normal {
                    text += emptyRun == 0 ? " " : String(repeating: "\n", count: emptyRun)
                } else {
                    text += String(repeating: "\n", count: emptyRun + 1)
                }
                text += line
                hadContent = true
                previousNormal = normal
                emptyRun = 0
            }
        }
        switch chomping {
        case .strip: break
        case .clip: if !texts.isEmpty { text += "\n" }
        case .keep: text += String(repeating: "\n", count: (texts.isEmpty ? 0 : 1) + trailingEmpty)
        }
        return YAMLNode(kind: .scalar(text, quoted: true), position: start, isBlockScalar: true)
    }

    // MARK: quoted scalars

    private mutating func parseQuoted() throws(ParseError) -> YAMLNode {
        let start = pos
        let quote = bytes[pos]
        pos += 1
        var out: [UInt8] = []
        var pendingSpace = false
        var breaks = 0
        while true {
            guard let next = current else { throw error("unterminated string, expected a closing \(quote == UInt8(ascii: "'") ? "'" : "\"")", at: start) }
            if next == YAMLParser.newline || next == YAMLParser.carriageReturn {
                // A line break inside quotes folds: trailing blanks go, one break becomes a space.
                while let last = out.last, isBlank(last) { out.removeLast() }
                pos += next == YAMLParser.carriageReturn && byte(pos + 1) == YAMLParser.newline ? 2 : 1
                if breaks > 0 || pendingSpace { breaks += 1 } else { pendingSpace = true }
                skipBlanks()
                if isDocumentMarker(pos) { throw error("unterminated string, expected a closing quote", at: start) }
                continue
            }
            if pendingSpace || breaks > 0 {
                if breaks > 0 { out.append(contentsOf: Array(repeating: YAMLParser.newline, count: breaks)) } else { out.append(YAMLParser.space) }
                pendingSpace = false
                breaks = 0
            }
            if next == quote {
                if quote == UInt8(ascii: "'") && byte(pos + 1) == quote {
                    out.append(quote)
                    pos += 2
                    continue
                }
                pos += 1
                break
            }
            if quote == UInt8(ascii: "\"") && next == UInt8(ascii: "\\") {
                try readEscape(into: &out)
                continue
            }
            out.append(next)
            pos += 1
        }
        return YAMLNode(kind: .scalar(String(decoding: out, as: UTF8.self), quoted: true), position: position(start))
    }

    private mutating func readEscape(into out: inout [UInt8]) throws(ParseError) {
        let escapeStart = pos
        pos += 1
        guard let code = current else { throw error("unterminated escape sequence", at: escapeStart) }
        pos += 1
        switch code {
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "t"), UInt8(ascii: "\t"): out.append(9)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "0"): out.append(0)
        case UInt8(ascii: "a"): out.append(7)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "e"): out.append(27)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "v"): out.append(11)
        case UInt8(ascii: " "): out.append(32)
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(code)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = code == UInt8(ascii: "x") ? 2 : code == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let digit = current, let nibble = Hex.digitValue(digit) else {
                    throw error("expected \(digits) hexadecimal digits in escape sequence", at: escapeStart)
                }
                value = value << 4 | UInt32(nibble)
                pos += 1
            }
            guard let scalar = Unicode.Scalar(value) else { throw error("escape sequence is not a valid Unicode scalar", at: escapeStart) }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        case YAMLParser.newline:
            skipBlanks()  // an escaped line break joins the lines
        default:
            throw error("unknown escape sequence \"\\\(Character(Unicode.Scalar(code)))\"", at: escapeStart)
        }
    }

    // MARK: flow collections

    private mutating func skipFlowSpace() throws(ParseError) {
        while let next = current {
            if isBlank(next) || next == YAMLParser.newline || next == YAMLParser.carriageReturn {
                pos += 1
            } else if next == YAMLParser.hash && (pos == 0 || isBlankOrBreak(byte(pos - 1))) {
                pos = endOfLine(from: pos)
            } else {
                break
            }
        }
    }

    private mutating func parseFlow() throws(ParseError) -> YAMLNode {
        let start = pos
        let open = bytes[pos]
        let close = open == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
        pos += 1
        var items: [YAMLNode] = []
        var entries: [YAMLNode.Entry] = []
        while true {
            try skipFlowSpace()
            guard let next = current else { throw error("unterminated \(open == UInt8(ascii: "[") ? "list" : "mapping"), expected \"\(Character(Unicode.Scalar(close)))\"", at: start) }
            if next == close {
                pos += 1
                break
            }
            if open == UInt8(ascii: "{") {
                let keyOffset = pos
                let keyNode = try parseFlowNode()
                guard let key = keyNode.scalar else { throw error("expected a text key", at: keyOffset) }
                try skipFlowSpace()
                guard current == UInt8(ascii: ":") else { throw error("unexpected \(describe(pos)), expected \":\" after the key \"\(key)\"") }
                pos += 1
                try skipFlowSpace()
                let value: YAMLNode
                if current == UInt8(ascii: ",") || current == close {
                    value = YAMLNode(kind: .null, position: position(pos))
                } else {
                    value = try parseFlowNode()
                }
                if entries.contains(where: { $0.key == key }) { throw error("duplicate key \"\(key)\"", at: keyOffset) }
                entries.append(YAMLNode.Entry(key: key, keyPosition: position(keyOffset), value: value))
            } else {
                items.append(try parseFlowNode())
            }
            try skipFlowSpace()
            if current == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            guard current == close else {
                throw error("unexpected \(describe(pos)), expected \",\" or \"\(Character(Unicode.Scalar(close)))\"")
            }
        }
        let kind: YAMLNode.Kind = open == UInt8(ascii: "[") ? .sequence(items) : .mapping(entries)
        return YAMLNode(kind: kind, position: position(start))
    }

    private mutating func parseFlowNode() throws(ParseError) -> YAMLNode {
        guard let first = current else { throw error("unexpected end of file, expected a value") }
        switch first {
        case UInt8(ascii: "["), UInt8(ascii: "{"): return try parseFlow()
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return try parseQuoted()
        case UInt8(ascii: "&"), UInt8(ascii: "*"): throw error("anchors and aliases are not supported")
        case UInt8(ascii: "!"): throw error("tags are not supported")
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"): throw error("unexpected \(describe(pos)), expected a value")
        default:
            let start = position(pos)
            let text = readPlainLine(flow: true)
            return YAMLNode(kind: .scalar(text, quoted: false), position: start)
        }
    }
}
