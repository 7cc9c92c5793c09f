/// The error type of every sonde module: a stable `code` to branch on, a message that carries its
/// context (file and line, series, collector), and the underlying error when there is one.
public struct SondeError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let invalidArgument = Code("invalidArgument")
        public static let parse = Code("parse")
        public static let io = Code("io")
        public static let corrupt = Code("corrupt")
        public static let limit = Code("limit")
        public static let notFound = Code("notFound")
        public static let unsupported = Code("unsupported")
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }
}

/// A parse error positioned in its input, printed as `FILE:LINE:COLUMN: message` (file omitted when
/// the input has no name, e.g. a command-line argument). Lines and columns count from 1; columns in bytes.
public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String? = nil, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let file { return "\(file):\(line):\(column): \(message)" }
        return "\(line):\(column): \(message)"
    }
}
