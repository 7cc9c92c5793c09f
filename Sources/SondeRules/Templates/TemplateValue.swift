/// A value while rendering, with the Go type it stands for (messages name Go's types, as
/// Prometheus' and Alertmanager's do).
///
/// Prometheus' alert templates see `.data` (`.Labels`, `.Value` …); Alertmanager's notification
/// templates see a `.record` (`template.Data`) holding `.list`s of alerts, `.kv` label sets and times.
public indirect enum TemplateValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    /// `map[string]string`: `.Labels`, `.ExternalLabels`.
    case labels([String: String])
    /// The data of a Prometheus alert template (`.` at the top, `$`).
    case data(AlertTemplateData)
    /// A `time.Time`, in Unix milliseconds, printed in UTC.
    case time(Int64)
    /// Alertmanager's `template.KV`: a `map[string]string` with the methods `SortedPairs`, `Names`,
    /// `Values` and `Remove`.
    case kv([String: String])
    /// A Go slice: `[]string`, `template.Alerts` (methods `Firing`, `Resolved`), `template.Pairs`
    /// (methods `Names`, `Values`).
    case list([TemplateValue], TemplateListType)
    /// A Go struct: `template.Data`, `template.Alert`, `template.Pair`.
    case record(TemplateRecord)
    /// `nil`.
    case null

    public var goType: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .float: "float64"
        case .bool: "bool"
        case .labels: "map[string]string"
        case .data: "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"
        case .time: "time.Time"
        case .kv: "template.KV"
        case .list(_, let type): type.rawValue
        case .record(let record): record.type
        case .null: "<nil>"
        }
    }

    /// A `[]string`.
    public static func strings(_ values: [String]) -> TemplateValue { .list(values.map { .string($0) }, .strings) }
}

public enum TemplateListType: String, Sendable, Equatable {
    case strings = "[]string"
    case alerts = "template.Alerts"
    case pairs = "template.Pairs"
}

/// A Go struct value: its type's name and its fields in declaration order (Go prints them so).
public struct TemplateRecord: Sendable, Equatable {
    public var type: String
    public var fields: [Field]

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: TemplateValue

        public init(_ name: String, _ value: TemplateValue) {
            self.name = name
            self.value = value
        }
    }

    public init(type: String, fields: [Field]) {
        self.type = type
        self.fields = fields
    }

    public subscript(name: String) -> TemplateValue? { fields.first { $0.name == name }?.value }
}

// MARK: - Alertmanager's methods

extension TemplateValue {
    /// `template.KV.SortedPairs`: `alertname` first, then the other names in byte order.
    static func sortedPairs(_ map: [String: String]) -> [(name: String, value: String)] {
        let names = map.keys.sorted { lhs, rhs in
            if lhs == "alertname" || rhs == "alertname" { return lhs == "alertname" && rhs != "alertname" }
            return lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
        }
        return names.map { ($0, map[$0] ?? "") }
    }

    static func pair(_ name: String, _ value: String) -> TemplateValue {
        .record(TemplateRecord(type: "template.Pair", fields: [.init("Name", .string(name)), .init("Value", .string(value))]))
    }

    /// The method `name` of this value called with `arguments`, or nil when the type has no such
    /// method. Throws Go's message for a wrong argument.
    func method(_ name: String, _ arguments: [TemplateValue]) throws(TemplateMethodError) -> TemplateValue? {
        func noArguments() throws(TemplateMethodError) {
            if !arguments.isEmpty { throw TemplateMethodError("wrong number of args for \(name): want 0 got \(arguments.count)") }
        }
        switch (self, name) {
        case (.kv(let map), "SortedPairs"):
            try noArguments()
            return .list(Self.sortedPairs(map).map { Self.pair($0.name, $0.value) }, .pairs)
        case (.kv(let map), "Names"):
            try noArguments()
            return .strings(Self.sortedPairs(map).map(\.name))
        case (.kv(let map), "Values"):
            try noArguments()
            return .strings(Self.sortedPairs(map).map(\.value))
        case (.kv(let map), "Remove"):
            guard arguments.count == 1 else { throw TemplateMethodError("wrong number of args for Remove: want 1 got \(arguments.count)") }
            guard case .list(let names, .strings) = arguments[0] else {
                throw TemplateMethodError("wrong type for value; expected []string; got \(arguments[0].goType)")
            }
            var kept = map
            for case .string(let removed) in names { kept[removed] = nil }
            return .kv(kept)
        case (.list(let alerts, .alerts), "Firing"), (.list(let alerts, .alerts), "Resolved"):
            try noArguments()
            let wanted = name == "Firing" ? "firing" : "resolved"
            return .list(alerts.filter { if case .record(let alert) = $0 { alert["Status"] == .string(wanted) } else { false } }, .alerts)
        case (.list(let pairs, .pairs), "Names"), (.list(let pairs, .pairs), "Values"):
            try noArguments()
            return .list(pairs.map { if case .record(let pair) = $0 { pair[name == "Names" ? "Name" : "Value"] ?? .string("") } else { .string("") } }, .strings)
        case (.time(let milliseconds), _):
            return try Self.timeMethod(milliseconds, name, arguments)
        default:
            return nil
        }
    }

    /// The `time.Time` methods templates use to show an alert's start and end.
    private static func timeMethod(_ milliseconds: Int64, _ name: String, _ arguments: [TemplateValue]) throws(TemplateMethodError) -> TemplateValue? {
        switch name {
        case "Unix", "UnixMilli", "UTC", "Local", "IsZero", "String":
            if !arguments.isEmpty { throw TemplateMethodError("wrong number of args for \(name): want 0 got \(arguments.count)") }
            switch name {
            case "Unix": return .int(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
            case "UnixMilli": return .int(milliseconds)
            case "IsZero": return .bool(milliseconds == GoFormat.zeroTimeMilliseconds)
            case "String": return .string(GoFormat.time(milliseconds))
            default: return .time(milliseconds)
            }
        case "Format":
            guard arguments.count == 1 else { throw TemplateMethodError("wrong number of args for Format: want 1 got \(arguments.count)") }
            guard case .string(let layout) = arguments[0] else {
                throw TemplateMethodError("wrong type for value; expected string; got \(arguments[0].goType)")
            }
            return .string(GoFormat.formatTime(milliseconds, layout: layout))
        default:
            return nil
        }
    }
}

/// A method call that Go would refuse at execution time.
struct TemplateMethodError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
