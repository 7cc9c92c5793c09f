/// Turns a request path into a low-cardinality `route` label value.
///
/// User patterns are tried first (`/api/*/users/*` → `/api/:version/users/:id`; `*` matches exactly
/// one segment, a trailing slash is ignored when matching). Otherwise the query string and fragment
/// are dropped, `scheme://host` is removed from absolute URLs, and id-like segments become `:id`:
/// numbers, UUIDs, hex strings of 12+ characters with a digit, digit runs with `-_.,:` separators
/// (dates, versions) and long tokens (20+ characters with a digit). Trailing slashes are kept.
/// It does not know an app's router: `/users/alice` stays as it is, which is why
/// ``RouteCardinality`` caps what reaches the store.
public struct RouteFolding: Sendable {
    /// A user route: `pattern` segments are literal or `*`.
    public struct Pattern: Sendable, Equatable {
        public let segments: [String]
        public let route: String
        public init(pattern: String, route: String) {
            self.segments = RouteFolding.segments(of: pattern)
            self.route = route
        }
    }

    /// The user patterns, in the order they are tried.
    public let patterns: [Pattern]

    public init(patterns: [(pattern: String, route: String)] = []) {
        self.patterns = patterns.map { Pattern(pattern: $0.pattern, route: $0.route) }
    }

    public init(compiled: [Pattern]) {
        self.patterns = compiled
    }

    /// The route for `path` using only the built-in folding.
    public static func route(forPath path: String) -> String {
        fold(stripped(path))
    }

    /// The route for `path`: the first matching user pattern, else the built-in folding.
    public func route(forPath path: String) -> String {
        let clean = Self.stripped(path)
        if !patterns.isEmpty {
            let segments = Self.segments(of: clean)
            for p in patterns where p.segments.count == segments.count {
                var ok = true
                for (a, b) in zip(p.segments, segments) where a != "*" && a != b {
                    ok = false
                    break
                }
                if ok { return p.route }
            }
        }
        return Self.fold(clean)
    }

    /// Path segments without the leading and one trailing empty segment.
    static func segments(of path: String) -> [String] {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "" { parts.removeFirst() }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// Drops `scheme://host`, the query string and the fragment; an empty result is `/`.
    static func stripped(_ path: String) -> String {
        let bytes = Array(path.utf8)
        let part = AccessLogJSONParser.pathPart(bytes)
        if part.isEmpty { return "/" }
        return String(decoding: part, as: UTF8.self)
    }

    static func fold(_ path: String) -> String {
        var copy = path
        var out: [UInt8] = []
        copy.withUTF8 { fold(path: UnsafeRawBufferPointer($0), into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The built-in folding on bytes, into a reused buffer: `scheme://host`, query and fragment
    /// dropped, id-like segments replaced by `:id`, `/` when nothing is left. The collector's hot path.
    public static func fold(path s: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        guard let range = AccessLogJSONParser.pathRange(s), !range.isEmpty else {
            out.append(UInt8(ascii: "/"))
            return
        }
        var segmentStart = range.lowerBound
        var i = range.lowerBound
        while true {
            if i == range.upperBound || s[i] == UInt8(ascii: "/") {
                let segment = UnsafeRawBufferPointer(rebasing: s[segmentStart..<i])
                if isIDLike(segment) {
                    out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: "i"), UInt8(ascii: "d")])
                } else {
                    out.append(contentsOf: segment)
                }
                if i == range.upperBound { break }
                out.append(UInt8(ascii: "/"))
                segmentStart = i + 1
            }
            i += 1
        }
    }

    /// True for segments that look like identifiers rather than route names.
    static func isIDLike<Bytes: Collection<UInt8>>(_ s: Bytes) -> Bool {
        let n = s.count
        guard n > 0 else { return false }
        var digits = 0
        var hex = 0
        var letters = 0
        var separators = 0
        var dashes = 0
        var other = 0
        for c in s {
            switch c {
            case 0x30...0x39:
                digits += 1
                hex += 1
            case 0x61...0x66, 0x41...0x46:
                hex += 1
                letters += 1
            case 0x67...0x7A, 0x47...0x5A:
                letters += 1
            case UInt8(ascii: "-"):
                separators += 1
                dashes += 1
            case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ":"):
                separators += 1
            default:
                other += 1
            }
        }
        guard other == 0 else { return false }
        // 42, 2024-01-31, 1.2.3
        if digits > 0, digits + separators == n { return true }
        // UUID 8-4-4-4-12
        if n == 36, dashes == 4, hex == 32 {
            let dashAt: [Int] = [8, 13, 18, 23]
            var i = 0
            var ok = true
            for c in s {
                if dashAt.contains(i) != (c == UInt8(ascii: "-")) {
                    ok = false
                    break
                }
                i += 1
            }
            if ok { return true }
        }
        // long hex: sha, object ids
        if n >= 12, hex == n, digits > 0 { return true }
        // long opaque tokens
        if n >= 20, digits > 0 { return true }
        return false
    }
}

/// Caps the number of distinct routes per app: known routes pass, new ones pass until `max`
/// distinct routes were seen, after that new routes become `other`.
///
/// A value type: the collector keeps one per app inside its own isolation domain.
public struct RouteCardinality: Sendable {
    /// The label value given to routes beyond the cap.
    public static let overflowRoute = "other"
    /// The cap.
    public let max: Int
    /// Routes admitted so far.
    public private(set) var seen: Set<String> = []

    public init(max: Int) {
        self.max = Swift.max(0, max)
    }

    /// `route` when it was admitted before or there is room; ``overflowRoute`` otherwise.
    public mutating func admit(_ route: String) -> String {
        if seen.contains(route) { return route }
        guard seen.count < max else { return Self.overflowRoute }
        seen.insert(route)
        return route
    }
}
