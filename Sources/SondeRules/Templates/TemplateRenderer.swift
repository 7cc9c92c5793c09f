import SondeCore

/// Executes parsed templates the way Go's `text/template` does with `missingkey=zero`.
struct TemplateRenderer {
    /// What `externalURL` and `pathPrefix` return.
    let externalURL: String
    let dot: TemplateValue
    /// The text being run, for error positions; a defined template's own while it runs.
    private var source: [UInt8]
    private let definitions: [String: TemplateDefinition]
    private var variables: [(name: String, value: TemplateValue)]
    /// How deep `{{template}}` calls nest; a template that calls itself stops here.
    private var includeDepth = 0
    static let maximumIncludeDepth = 1000
    private var output = ""
    /// Nodes and commands evaluated; nested `range`s over label maps multiply, so hostile
    /// templates are cut off instead of running for ever.
    private var steps = 0
    static let maximumSteps = 1_000_000
    static let maximumOutput = 1 << 20

    /// A Prometheus alert template, with its prelude's variables.
    init(data: AlertTemplateData, source: String) {
        externalURL = data.externalURL
        dot = .data(data)
        self.source = Array(source.utf8)
        definitions = [:]
        variables = [
            ("$", .data(data)), ("$labels", .labels(data.labels)), ("$externalLabels", .labels(data.externalLabels)),
            ("$externalURL", .string(data.externalURL)), ("$value", .float(data.value)),
        ]
    }

    /// A template of a set (Alertmanager's), with `$` as dot and the set's definitions.
    init(dot: TemplateValue, source: String, definitions: [String: TemplateDefinition], externalURL: String = "") {
        self.externalURL = externalURL
        self.dot = dot
        self.source = Array(source.utf8)
        self.definitions = definitions
        variables = [("$", dot)]
    }

    mutating func render(_ nodes: [TemplateNode]) throws(AlertTemplateError) -> String {
        try walk(nodes, dot: dot)
        return output
    }

    private mutating func walk(_ nodes: [TemplateNode], dot: TemplateValue) throws(AlertTemplateError) {
        for node in nodes {
            steps += 1
            if steps > Self.maximumSteps || output.utf8.count > Self.maximumOutput {
                throw error(at: 0, "template too expensive to render (more than \(Self.maximumSteps) steps or \(Self.maximumOutput) bytes)")
            }
            switch node {
            case .text(let text):
                output += text
            case .action(let pipeline):
                let value = try evaluate(pipeline, dot: dot)
                // Go prints a missing value (a template run without a dot) as "<no value>".
                if pipeline.declarations.isEmpty { output += value == .null ? "<no value>" : GoFormat.print(value) }
            case .include(let name, let argument, let offset):
                try include(name, argument: argument, dot: dot, at: offset)
            case .conditional(let control, let pipeline, let body, let otherwise):
                let mark = variables.count
                defer { variables.removeSubrange(mark...) }
                if control == .range {
                    try walkRange(pipeline, body: body, otherwise: otherwise, dot: dot)
                    continue
                }
                let value = try evaluate(pipeline, dot: dot)
                if Self.isTrue(value) {
                    try walk(body, dot: control == .with ? value : dot)
                } else if let otherwise {
                    try walk(otherwise, dot: dot)
                }
            }
        }
    }

    /// Runs the defined template `name` with a fresh variable scope holding only `$`, as Go does.
    private mutating func include(_ name: String, argument: TemplatePipeline?, dot: TemplateValue, at offset: Int) throws(AlertTemplateError) {
        guard let definition = definitions[name] else { throw error(at: offset, "no such template \(GoFormat.quote(name))") }
        let value = try argument.map { pipeline throws(AlertTemplateError) in try evaluate(pipeline, dot: dot) } ?? .null
        guard includeDepth < Self.maximumIncludeDepth else {
            throw error(at: offset, "exceeded maximum template depth (\(Self.maximumIncludeDepth)) running \(GoFormat.quote(name))")
        }
        let savedVariables = variables
        let savedSource = source
        includeDepth += 1
        variables = [("$", value)]
        source = definition.source
        defer {
            includeDepth -= 1
            variables = savedVariables
            source = savedSource
        }
        try walk(definition.nodes, dot: value)
    }

    /// `range` over a label map visits keys in sorted order; with one variable it holds the value,
    /// with two the key and the value.
    private mutating func walkRange(_ pipeline: TemplatePipeline, body: [TemplateNode], otherwise: [TemplateNode]?, dot: TemplateValue) throws(AlertTemplateError) {
        var declared = pipeline
        declared.declarations = []
        let value = try evaluate(declared, dot: dot)
        let entries: [(TemplateValue, TemplateValue)]
        switch value {
        case .labels(let map), .kv(let map):
            entries = map.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { (.string($0), .string(map[$0] ?? "")) }
        case .list(let elements, _):
            entries = elements.enumerated().map { (.int(Int64($0.offset)), $0.element) }
        case .null:
            entries = []
        default:
            throw error(at: pipeline.offset, "range can't iterate over \(GoFormat.print(value))")
        }
        if entries.isEmpty {
            if let otherwise { try walk(otherwise, dot: dot) }
            return
        }
        let mark = variables.count
        for (key, element) in entries {
            variables.removeSubrange(mark...)
            switch pipeline.declarations.count {
            case 1: try assign(pipeline.declarations[0], element, declare: !pipeline.isAssignment, at: pipeline.offset)
            case 2:
                try assign(pipeline.declarations[0], key, declare: !pipeline.isAssignment, at: pipeline.offset)
                try assign(pipeline.declarations[1], element, declare: !pipeline.isAssignment, at: pipeline.offset)
            default: break
            }
            try walk(body, dot: element)
        }
    }

    private mutating func assign(_ name: String, _ value: TemplateValue, declare: Bool, at offset: Int) throws(AlertTemplateError) {
        if declare {
            variables.append((name, value))
            return
        }
        guard let index = variables.lastIndex(where: { $0.name == name }) else {
            throw error(at: offset, "undefined variable: \(name)")
        }
        variables[index].value = value
    }

    // MARK: - Pipelines and commands

    private mutating func evaluate(_ pipeline: TemplatePipeline, dot: TemplateValue) throws(AlertTemplateError) -> TemplateValue {
        var value: TemplateValue?
        for command in pipeline.commands {
            value = try evaluate(command, dot: dot, final: value)
        }
        let result = value ?? .null
        for name in pipeline.declarations {
            try assign(name, result, declare: !pipeline.isAssignment, at: pipeline.offset)
        }
        return result
    }

    /// One command; `final` is the previous command's result, passed as the last argument.
    private mutating func evaluate(_ command: TemplateCommand, dot: TemplateValue, final: TemplateValue?) throws(AlertTemplateError) -> TemplateValue {
        steps += 1
        guard let first = command.operands.first else { return .null }
        if case .function(let name, let offset) = first {
            return try call(name, Array(command.operands.dropFirst()), final: final, dot: dot, at: offset)
        }
        if command.operands.count > 1 || final != nil {
            if let result = try callMethod(first, Array(command.operands.dropFirst()), final: final, dot: dot) { return result }
            let fieldDescription: String
            switch first {
            case .dotFields(let fields, _) where !fields.isEmpty: fieldDescription = fields.last ?? ""
            case .variable(_, let fields, _) where !fields.isEmpty: fieldDescription = fields.last ?? ""
            default:
                throw error(at: command.offset, "can't give argument to non-function \(Self.describe(first))")
            }
            throw error(at: command.offset, "\(fieldDescription) is not a method but has arguments")
        }
        if case .null(let offset) = first { throw error(at: offset, "nil is not a command") }
        return try value(of: first, dot: dot)
    }

    private mutating func value(of operand: TemplateOperand, dot: TemplateValue) throws(AlertTemplateError) -> TemplateValue {
        switch operand {
        case .dotFields(let fields, let offset):
            return try fieldChain(dot, fields, at: offset)
        case .variable(let name, let fields, let offset):
            guard let variable = variables.last(where: { $0.name == name }) else {
                throw error(at: offset, "undefined variable: \(name)")
            }
            return try fieldChain(variable.value, fields, at: offset)
        case .parenthesized(let pipeline, let fields, let offset):
            return try fieldChain(try evaluate(pipeline, dot: dot), fields, at: offset)
        case .function(let name, let offset):
            return try call(name, [], final: nil, dot: dot, at: offset)
        case .string(let text):
            return .string(text)
        case .number(let number, _):
            if number.isFloatLiteral, let float = number.float { return .float(float) }
            if let int = number.int { return .int(int) }
            return .float(number.float ?? 0)
        case .bool(let value):
            return .bool(value)
        case .null:
            return .null
        }
    }

    /// `.CommonLabels.Remove .GroupLabels.Names`: the last field of the first operand is a method
    /// given the other operands (and the previous command's result). Nil when it is not a method.
    private mutating func callMethod(_ first: TemplateOperand, _ operands: [TemplateOperand], final: TemplateValue?, dot: TemplateValue) throws(AlertTemplateError) -> TemplateValue? {
        let receiver: TemplateValue
        let name: String
        let offset: Int
        switch first {
        case .dotFields(let fields, let at) where !fields.isEmpty:
            receiver = try fieldChain(dot, Array(fields.dropLast()), at: at)
            name = fields[fields.count - 1]
            offset = at
        case .variable(let variable, let fields, let at) where !fields.isEmpty:
            guard let found = variables.last(where: { $0.name == variable }) else { throw error(at: at, "undefined variable: \(variable)") }
            receiver = try fieldChain(found.value, Array(fields.dropLast()), at: at)
            name = fields[fields.count - 1]
            offset = at
        case .parenthesized(let pipeline, let fields, let at) where !fields.isEmpty:
            receiver = try fieldChain(try evaluate(pipeline, dot: dot), Array(fields.dropLast()), at: at)
            name = fields[fields.count - 1]
            offset = at
        default:
            return nil
        }
        var arguments: [TemplateValue] = []
        for operand in operands { arguments.append(try value(of: operand, dot: dot)) }
        if let final { arguments.append(final) }
        do {
            return try receiver.method(name, arguments)
        } catch {
            throw self.error(at: offset, error.message)
        }
    }

    private func fieldChain(_ start: TemplateValue, _ fields: [String], at offset: Int) throws(AlertTemplateError) -> TemplateValue {
        var value = start
        for field in fields {
            // A method without arguments reads as a field (`.Alerts.Firing`, `.Labels.SortedPairs`).
            do {
                if let result = try value.method(field, []) {
                    value = result
                    continue
                }
            } catch {
                throw self.error(at: offset, error.message)
            }
            switch value {
            case .kv(let map):
                value = .string(map[field] ?? "")
            case .record(let record):
                guard let fieldValue = record[field] else { throw error(at: offset, "can't evaluate field \(field) in type \(record.type)") }
                value = fieldValue
            case .labels(let map):
                // missingkey=zero: a label that is not there is the empty string.
                value = .string(map[field] ?? "")
            case .data(let data):
                switch field {
                case "Labels": value = .labels(data.labels)
                case "ExternalLabels": value = .labels(data.externalLabels)
                case "ExternalURL": value = .string(data.externalURL)
                case "Value": value = .float(data.value)
                default: throw error(at: offset, "can't evaluate field \(field) in type \(value.goType)")
                }
            case .null:
                throw error(at: offset, "nil pointer evaluating interface {}.\(field)")
            default:
                throw error(at: offset, "can't evaluate field \(field) in type \(value.goType)")
            }
        }
        return value
    }

    // MARK: - Functions

    private enum Parameter { case any, string }

    private mutating func argument(_ operand: TemplateOperand, _ kind: Parameter, dot: TemplateValue, function: String) throws(AlertTemplateError) -> TemplateValue {
        if kind == .string {
            switch operand {
            case .number(let number, let offset): throw error(at: offset, "expected string; found \(number.text)")
            case .bool(let value): throw error(at: 0, "expected string; found \(value)")
            case .null(let offset): throw error(at: offset, "cannot assign nil to string")
            default: break
            }
            let value = try value(of: operand, dot: dot)
            guard case .string = value else { throw error(at: 0, "wrong type for value; expected string; got \(value.goType)") }
            return value
        }
        return try value(of: operand, dot: dot)
    }

    private mutating func call(_ name: String, _ operands: [TemplateOperand], final: TemplateValue?, dot: TemplateValue, at offset: Int) throws(AlertTemplateError) -> TemplateValue {
        let count = operands.count + (final == nil ? 0 : 1)
        func arity(_ want: Int) throws(AlertTemplateError) {
            if count != want { throw error(at: offset, "wrong number of args for \(name): want \(want) got \(count)") }
        }
        func atLeast(_ want: Int) throws(AlertTemplateError) {
            if count < want { throw error(at: offset, "wrong number of args for \(name): want at least \(want) got \(count)") }
        }
        // `and`/`or` evaluate their arguments lazily and return one of them (Go 1.18+).
        if name == "and" || name == "or" {
            try atLeast(1)
            var last = TemplateValue.null
            for operand in operands {
                last = try value(of: operand, dot: dot)
                if Self.isTrue(last) != (name == "and") { return last }
            }
            if let final { last = final }
            return last
        }
        var args: [TemplateValue] = []
        let stringParameters: Set<String> = [
            "title", "toUpper", "toLower", "match", "reReplaceAll", "stripPort", "safeHtml", "parseDuration",
        ]
        for (index, operand) in operands.enumerated() {
            let isString = stringParameters.contains(name) || (name == "printf" && index == 0)
            args.append(try argument(operand, isString ? .string : .any, dot: dot, function: name))
        }
        if let final {
            var isString = false
            if case .string = final { isString = true }
            if !isString && (stringParameters.contains(name) || (name == "printf" && args.isEmpty)) {
                throw error(at: offset, "wrong type for value; expected string; got \(final.goType)")
            }
            args.append(final)
        }
        func string(_ index: Int) -> String {
            if case .string(let text) = args[index] { return text }
            return ""
        }
        func float(_ index: Int) throws(AlertTemplateError) -> Double {
            switch args[index] {
            case .float(let value): return value
            case .int(let value): return Double(value)
            case .string(let text):
                guard let value = GoFormat.parseFloat(text) else {
                    throw error(at: offset, "error calling \(name): strconv.ParseFloat: parsing \(GoFormat.quote(text)): invalid syntax")
                }
                return value
            default:
                throw error(at: offset, "error calling \(name): can't convert \(args[index].goType) to float")
            }
        }
        switch name {
        case "not":
            try arity(1)
            return .bool(!Self.isTrue(args[0]))
        case "len":
            try arity(1)
            switch args[0] {
            case .string(let text): return .int(Int64(text.utf8.count))
            case .labels(let map), .kv(let map): return .int(Int64(map.count))
            case .list(let elements, _): return .int(Int64(elements.count))
            default: throw error(at: offset, "error calling len: len of type \(args[0].goType)")
            }
        case "index":
            try atLeast(1)
            var item = args[0]
            for key in args.dropFirst() {
                switch (item, key) {
                case (.labels(let map), .string(let label)), (.kv(let map), .string(let label)): item = .string(map[label] ?? "")
                case (.list(let elements, _), .int(let position)):
                    guard position >= 0, position < elements.count else {
                        throw error(at: offset, "error calling index: index out of range: \(position)")
                    }
                    item = elements[Int(position)]
                case (.labels, _), (.kv, _): throw error(at: offset, "error calling index: value has type \(key.goType); should be string")
                case (.string(let text), .int(let position)):
                    let utf8 = Array(text.utf8)
                    guard position >= 0, position < utf8.count else {
                        throw error(at: offset, "error calling index: index out of range: \(position)")
                    }
                    item = .int(Int64(utf8[Int(position)]))
                default: throw error(at: offset, "error calling index: can't index item of type \(item.goType)")
                }
            }
            return item
        case "eq":
            try atLeast(2)
            for other in args.dropFirst() where try compare(args[0], other, at: offset, name) == .equal { return .bool(true) }
            return .bool(false)
        case "ne":
            try arity(2)
            return .bool(try compare(args[0], args[1], at: offset, name) != .equal)
        case "lt", "le", "gt", "ge":
            try arity(2)
            let order = try compare(args[0], args[1], at: offset, name, ordered: true)
            switch name {
            case "lt": return .bool(order == .less)
            case "le": return .bool(order == .less || order == .equal)
            case "gt": return .bool(!(order == .less || order == .equal))
            default: return .bool(order != .less)
            }
        case "print":
            return .string(GoFormat.sprint(args))
        case "println":
            return .string(args.map(GoFormat.print).joined(separator: " ") + "\n")
        case "printf":
            try atLeast(1)
            return .string(GoFormat.sprintf(string(0), Array(args.dropFirst())))
        case "html":
            return .string(GoFormat.htmlEscape(Self.evalArgs(args)))
        case "urlquery":
            return .string(GoFormat.queryEscape(Self.evalArgs(args)))
        case "humanize", "humanize1024", "humanizeDuration", "humanizePercentage":
            try arity(1)
            let value = try float(0)
            switch name {
            case "humanize": return .string(Humanize.humanize(value))
            case "humanize1024": return .string(Humanize.humanize1024(value))
            case "humanizeDuration": return .string(Humanize.duration(value))
            default: return .string(Humanize.percentage(value))
            }
        case "humanizeTimestamp", "toTime":
            try arity(1)
            let value = try float(0)
            guard value.isFinite else {
                if name == "toTime" { throw error(at: offset, "error calling toTime: value is NaN or Inf") }
                return .string(GoFormat.format(value, verb: "g", precision: 4))
            }
            let nanoseconds = value * 1e9
            guard nanoseconds < 9.223372036854775807e18, nanoseconds >= -9.223372036854775808e18 else {
                throw error(at: offset, "error calling \(name): \(GoFormat.print(.float(value))) cannot be represented as a nanoseconds timestamp since it overflows int64")
            }
            // model.TimeFromUnixNano: whole milliseconds, truncated toward zero.
            let milliseconds = Int64(nanoseconds) / 1_000_000
            return name == "toTime" ? .time(milliseconds) : .string(GoFormat.time(milliseconds))
        case "parseDuration":
            try arity(1)
            do {
                return .float(Double(try DurationParser.parse(string(0))) / 1000)
            } catch {
                throw self.error(at: offset, "error calling parseDuration: not a valid duration string: \(GoFormat.quote(string(0)))")
            }
        case "title":
            try arity(1)
            return .string(TextCase.title(string(0)))
        case "toUpper":
            try arity(1)
            return .string(TextCase.upper(string(0)))
        case "toLower":
            try arity(1)
            return .string(TextCase.lower(string(0)))
        case "safeHtml":
            try arity(1)
            return args[0]
        case "stripPort":
            try arity(1)
            return .string(HostPort.stripPort(string(0)))
        case "match":
            try arity(2)
            do {
                return .bool(try TemplateRegex(string(0)).matches(string(1)))
            } catch {
                throw self.error(at: offset, "error calling match: \(error)")
            }
        case "reReplaceAll":
            try arity(3)
            do {
                return .string(try TemplateRegex(string(0)).replaceAll(in: string(2), with: string(1)))
            } catch {
                throw self.error(at: offset, "error calling reReplaceAll: \(error)")
            }
        case "externalURL":
            try arity(0)
            return .string(externalURL)
        case "pathPrefix":
            try arity(0)
            return .string(HostPort.path(ofURL: externalURL))
        case "join":
            // Alertmanager's: strings.Join with the separator first, for pipelines.
            try arity(2)
            guard case .string(let separator) = args[0] else { throw error(at: offset, "wrong type for value; expected string; got \(args[0].goType)") }
            guard case .list(let elements, .strings) = args[1] else {
                throw error(at: offset, "wrong type for value; expected []string; got \(args[1].goType)")
            }
            return .string(elements.map(GoFormat.print).joined(separator: separator))
        case "stringSlice":
            for argument in args {
                guard case .string = argument else { throw error(at: offset, "wrong type for value; expected string; got \(argument.goType)") }
            }
            return .list(args, .strings)
        default:
            throw error(at: offset, "function \"\(name)\" not defined")
        }
    }

    /// Go's `evalArgs` for `html` and `urlquery`: one string as is, anything else through `fmt.Sprint`.
    private static func evalArgs(_ args: [TemplateValue]) -> String {
        if args.count == 1, case .string(let text) = args[0] { return text }
        return GoFormat.sprint(args)
    }

    private enum Order { case less, equal, greater, unordered }

    /// Go's `eq`/`lt`: basic kinds only, both sides of the same kind (ints of either sign mix).
    private func compare(_ lhs: TemplateValue, _ rhs: TemplateValue, at offset: Int, _ name: String, ordered: Bool = false) throws(AlertTemplateError) -> Order {
        func order<T: Comparable>(_ a: T, _ b: T) -> Order { a < b ? .less : a == b ? .equal : a > b ? .greater : .unordered }
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return order(a, b)
        case (.float(let a), .float(let b)): return order(a, b)
        case (.string(let a), .string(let b)):
            // Go compares strings bytewise (Swift's `==` would use canonical equivalence).
            if a.utf8.elementsEqual(b.utf8) { return .equal }
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? .less : .greater
        case (.bool(let a), .bool(let b)):
            if ordered { throw error(at: offset, "error calling \(name): invalid type for comparison") }
            return a == b ? .equal : .unordered
        case (.null, .null):
            return .equal
        default:
            let basic: (TemplateValue) -> Bool = {
                switch $0 {
                case .int, .float, .string, .bool: return true
                default: return false
                }
            }
            if basic(lhs) && basic(rhs) { throw error(at: offset, "error calling \(name): incompatible types for comparison") }
            throw error(at: offset, "error calling \(name): invalid type for comparison")
        }
    }

    /// Go's truth: false, 0, "", empty maps and nil are false; NaN is true (it is not 0).
    static func isTrue(_ value: TemplateValue) -> Bool {
        switch value {
        case .string(let text): !text.isEmpty
        case .int(let int): int != 0
        case .float(let float): float != 0
        case .bool(let bool): bool
        case .labels(let map), .kv(let map): !map.isEmpty
        case .list(let elements, _): !elements.isEmpty
        case .data, .time, .record: true
        case .null: false
        }
    }

    private static func describe(_ operand: TemplateOperand) -> String {
        switch operand {
        case .string(let text): GoFormat.quote(text)
        case .number(let number, _): number.text
        case .bool(let value): "\(value)"
        case .dotFields: "."
        case .variable(let name, _, _): name
        case .parenthesized: "(pipeline)"
        case .function(let name, _): name
        case .null: "nil"
        }
    }

    private func error(at offset: Int, _ message: String) -> AlertTemplateError {
        AlertTemplateError.at(offset, in: source, .render, message)
    }
}
