/// One name/value pair of a series identity.
public struct Label: Hashable, Sendable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.value < rhs.value
    }
}

/// The identity of a series: the metric name (stored as the label `__name__`, as Prometheus does)
/// plus its labels, kept sorted by name so that equal sets compare and hash equal.
///
/// It does not validate names; `MetricNames` does that where input enters the system.
public struct Labels: Hashable, Sendable, Sequence, CustomStringConvertible {
    public static let metricNameLabel = "__name__"

    public private(set) var pairs: [Label]

    /// Builds a label set; pairs are sorted, and for a repeated name the last one wins.
    public init(_ pairs: [Label]) {
        var sorted = pairs.sorted { $0.name < $1.name }
        var unique: [Label] = []
        unique.reserveCapacity(sorted.count)
        for pair in sorted {
            if let last = unique.last, last.name == pair.name {
                unique[unique.count - 1] = pair
            } else {
                unique.append(pair)
            }
        }
        sorted = unique
        self.pairs = sorted.filter { !$0.value.isEmpty }  // Prometheus: an empty value means "no label"
    }

    public init(name: String, _ labels: [String: String] = [:]) {
        self.init([Label(Labels.metricNameLabel, name)] + labels.map { Label($0.key, $0.value) })
    }

    public var metricName: String { self[Labels.metricNameLabel] ?? "" }

    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    public func makeIterator() -> IndexingIterator<[Label]> { pairs.makeIterator() }

    /// `name{a="x",b="y"}` with Prometheus' escaping of `\`, `"` and newlines in values.
    public var description: String {
        var out = metricName
        let rest = pairs.filter { $0.name != Labels.metricNameLabel }
        if rest.isEmpty { return out }
        out += "{"
        for (index, pair) in rest.enumerated() {
            if index > 0 { out += "," }
            out += pair.name
            out += "=\""
            out += Labels.escape(pair.value)
            out += "\""
        }
        out += "}"
        return out
    }

    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 10 }) else {
            return value
        }
        // Unicode scalars, not Characters: "\r\n" is one Character and would hide its newline.
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
