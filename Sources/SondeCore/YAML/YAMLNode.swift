/// A parsed YAML node with the position it came from, so configuration errors can name the file,
/// line and column of the offending value.
public struct YAMLNode: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        /// Entries in file order; keys are scalars.
        case mapping([Entry])
        case null
    }

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyPosition: YAMLPosition
        public var value: YAMLNode
    }

    public var kind: Kind
    public var position: YAMLPosition
    /// A literal or folded block scalar (`|`, `>`): its text starts on the line after `position`,
    /// line for line for `|`, unlike a quoted scalar, whose lines are not the file's.
    public var isBlockScalar: Bool

    public init(kind: Kind, position: YAMLPosition, isBlockScalar: Bool = false) {
        self.kind = kind
        self.position = position
        self.isBlockScalar = isBlockScalar
    }

    public var scalar: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [Entry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key == key }?.value
    }

    public var isNull: Bool {
        if case .null = kind { return true }
        if case .scalar(let text, false) = kind, text == "null" || text == "~" { return true }
        return false
    }

    /// What a node is, for error messages: "a mapping", "a list", "the text \"x\"".
    public var summary: String {
        switch kind {
        case .scalar(let text, _): return "\"\(text)\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .null: return "nothing"
        }
    }
}

/// 1-based line and column (in characters of the line's UTF-8 bytes) in a named file.
public struct YAMLPosition: Sendable, Equatable {
    public var file: String?
    public var line: Int
    public var column: Int

    public init(file: String?, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public func error(_ message: String) -> ParseError {
        ParseError(file: file, line: line, column: column, message: message)
    }
}
