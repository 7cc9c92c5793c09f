import SondeCore

/// A silence: alerts whose labels satisfy all its matchers are not notified between `startsAt`
/// and `endsAt`. The fields are Alertmanager's (API v2), so the HTTP API serves them unchanged.
public struct Silence: Sendable, Equatable, Codable {
    /// A matcher as Alertmanager's API writes it.
    public struct Matcher: Sendable, Equatable, Codable {
        public var name: String
        public var value: String
        public var isRegex: Bool
        public var isEqual: Bool

        public init(_ matcher: LabelMatcher) {
            name = matcher.name
            value = matcher.value
            isRegex = matcher.op == .regexMatch || matcher.op == .regexNoMatch
            isEqual = matcher.op == .equal || matcher.op == .regexMatch
        }

        public var labelMatcher: LabelMatcher {
            get throws(SondeError) {
                let op: LabelMatcher.Operator = isRegex ? (isEqual ? .regexMatch : .regexNoMatch) : (isEqual ? .equal : .notEqual)
                return try LabelMatcher(name: name, op: op, value: value, dotMatchesNewlines: false)
            }
        }
    }

    public enum State: String, Sendable, Equatable, CaseIterable {
        case pending, active, expired
    }

    /// A random UUID, as Alertmanager's.
    public var id: String
    public var matchers: [Matcher]
    /// Milliseconds since the epoch.
    public var startsAt: Int64
    public var endsAt: Int64
    public var updatedAt: Int64
    public var createdBy: String
    public var comment: String

    public func state(at now: Int64) -> State {
        if endsAt <= now { return .expired }
        return startsAt > now ? .pending : .active
    }

    /// Whether this silence, active at `now`, covers an alert with `labels`.
    public func silences(_ labels: Labels, at now: Int64) -> Bool {
        guard state(at: now) == .active else { return false }
        return matchers.allSatisfy { matcher in
            guard let compiled = try? matcher.labelMatcher else { return false }
            return compiled.matches(labels[matcher.name] ?? "")
        }
    }

    /// Random version-4 UUID text.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { Hex.padded($0, width: 2) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
