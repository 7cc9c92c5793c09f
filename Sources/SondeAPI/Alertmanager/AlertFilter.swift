import SondeCore
import SondeNotify

/// The filter of `/api/v2/alerts` and `/api/v2/alerts/groups`, as Alertmanager's `alertFilter`:
/// `filter` matchers on the labels, `receiver` a regular expression on a receiver's name, and
/// `active`, `silenced`, `inhibited`, `unprocessed` (each true unless given) choosing by state.
struct AlertFilter {
    var matchers: [LabelMatcher]
    var receiver: RegexPattern?
    var active = true
    var silenced = true
    var inhibited = true

    init(_ parameters: RequestParameters) throws(APIError) {
        matchers = try Self.matchers(parameters.all("filter"))
        if let pattern = parameters["receiver"], !pattern.isEmpty {
            do {
                receiver = try RegexPattern(pattern, anchoring: .wholeText, key: "receiver", refusingBacktracking: true)
            } catch {
                throw APIError.badData(error.message)
            }
        }
        active = try Self.flag(parameters, "active")
        silenced = try Self.flag(parameters, "silenced")
        inhibited = try Self.flag(parameters, "inhibited")
        // sonde hands every alert to the dispatcher as it arrives: none is ever `unprocessed`, but
        // the parameter is checked so a typo is not silently ignored.
        _ = try Self.flag(parameters, "unprocessed")
    }

    func admits(_ alert: AlertStatus) -> Bool {
        if !active && !alert.isSuppressed { return false }
        if !silenced && !alert.silencedBy.isEmpty { return false }
        if !inhibited && !alert.inhibitedBy.isEmpty { return false }
        if let receiver, !alert.receivers.contains(where: receiver.matches) { return false }
        return matchers.allSatisfy { $0.matches(alert.alert.labels[$0.name] ?? "") }
    }

    /// Matchers in Alertmanager's syntax (`alertname="HighCPU"`, `{a=~"b.*"}`), one per `filter`.
    static func matchers(_ texts: [String]) throws(APIError) -> [LabelMatcher] {
        var result: [LabelMatcher] = []
        for text in texts {
            do {
                result += try AlertmanagerMatchers.parse(text)
            } catch {
                throw APIError.badData(error.message)
            }
        }
        return result
    }

    static func flag(_ parameters: RequestParameters, _ name: String) throws(APIError) -> Bool {
        guard let text = parameters[name], !text.isEmpty else { return true }
        switch text.lowercased() {
        case "true", "1", "yes", "y", "on": return true
        case "false", "0", "no", "n", "off": return false
        default: throw APIError.badData("\(name) in query must be of type bool: \"\(text)\"")
        }
    }
}
