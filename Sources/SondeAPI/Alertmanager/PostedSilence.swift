#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import SondeCore
import SondeNotify

/// The body of `POST /api/v2/silences` (Alertmanager's `postableSilence`), parsed and checked.
struct PostedSilence {
    var id: String?
    var matchers: [LabelMatcher]
    var startsAt: Int64
    var endsAt: Int64
    var createdBy: String
    var comment: String

    private struct Body: Decodable {
        struct Matcher: Decodable {
            var name: String
            var value: String
            var isRegex: Bool
            var isEqual: Bool?
        }

        var id: String?
        var matchers: [Matcher]
        var startsAt: String
        var endsAt: String
        var createdBy: String
        var comment: String
    }

    static func read(_ request: Request) async throws(APIError) -> PostedSilence {
        let buffer = try await APILimits.body(of: request)
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badData("body is not a silence: \(Self.describe(error))")
        }
        var matchers: [LabelMatcher] = []
        for matcher in body.matchers {
            let equal = matcher.isEqual ?? true
            let op: LabelMatcher.Operator = matcher.isRegex ? (equal ? .regexMatch : .regexNoMatch) : (equal ? .equal : .notEqual)
            do {
                matchers.append(try LabelMatcher(name: matcher.name, op: op, value: matcher.value, dotMatchesNewlines: false))
            } catch {
                throw APIError.badData("invalid matcher \(matcher.name): \(error.message)")
            }
        }
        return PostedSilence(
            id: body.id.flatMap { $0.isEmpty ? nil : $0 }, matchers: matchers, startsAt: try time(body.startsAt, "startsAt"),
            endsAt: try time(body.endsAt, "endsAt"), createdBy: body.createdBy, comment: body.comment)
    }

    static func time(_ text: String, _ field: String) throws(APIError) -> Int64 {
        // RFC 3339 only (strfmt.DateTime), not the relative forms TimeExpression also reads.
        guard text.contains("T") else { throw APIError.badData("\(field): expected an RFC 3339 time, got \"\(text.prefix(64))\"") }
        do {
            return try TimeExpression.parse(text, now: 0)
        } catch {
            throw APIError.badData("\(field): \(error)")
        }
    }

    /// A decoding error in a sentence: which field was missing or of the wrong type.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at \(path(context.codingPath))"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(context.codingPath))"
        @unknown default: return "not valid JSON"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
