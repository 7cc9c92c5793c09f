import Hummingbird
import SondeCore
import SondeRules

/// `/api/v1/rules` and `/api/v1/alerts`, from the rule groups as their last rounds left them.
struct PrometheusRulesRoutes {
    let sources: APISources

    func register(on router: Router<APIRequestContext>) {
        router.get("/api/v1/rules") { request, context in
            let parameters = try await RequestParameters.read(request, context: context)
            return try self.rules(parameters)
        }
        router.get("/api/v1/alerts") { _, _ in
            let alerts = self.sources.ruleGroups().flatMap { $0.evaluator.alertStates.values.flatMap(\.allAlerts) }
            return APIResponse.success("{\"alerts\":[" + Self.sorted(alerts).map(Self.alert).joined(separator: ",") + "]}")
        }
    }

    func rules(_ parameters: RequestParameters) throws(APIError) -> Response {
        let type = parameters["type"] ?? ""
        guard ["", "alert", "record"].contains(type) else { throw APIError.badData("invalid parameter \"type\": not supported value \"\(type)\"") }
        let names = Set(parameters.all("rule_name[]"))
        let groupNames = Set(parameters.all("rule_group[]"))
        let files = Set(parameters.all("file[]"))
        var groups: [String] = []
        for snapshot in sources.ruleGroups() {
            let group = snapshot.evaluator.group
            if !groupNames.isEmpty && !groupNames.contains(group.name) { continue }
            if !files.isEmpty && !files.contains(snapshot.file) { continue }
            var rules: [String] = []
            for (index, rule) in group.rules.enumerated() {
                if !names.isEmpty && !names.contains(rule.name) { continue }
                let error = snapshot.evaluator.lastErrors[index]
                let health = snapshot.lastEvaluation == nil ? "unknown" : error == nil ? "ok" : "err"
                var fields = [
                    "\"name\":" + PrometheusJSON.string(rule.name), "\"query\":" + PrometheusJSON.string(rule.exprText),
                    "\"labels\":" + Self.object(rule.labels), "\"health\":\"\(health)\"",
                    "\"lastError\":" + PrometheusJSON.string(error ?? ""),
                    "\"evaluationTime\":" + ValueFormat.string(snapshot.evaluator.lastDurations[index] ?? 0),
                    "\"lastEvaluation\":" + Self.time(snapshot.lastEvaluation),
                ]
                switch rule.kind {
                case .recording:
                    if type == "alert" { continue }
                    fields.append("\"type\":\"recording\"")
                case .alerting(_, let hold, let keepFiringFor, let annotations):
                    if type == "record" { continue }
                    let alerts = Self.sorted(snapshot.evaluator.alertStates[index]?.allAlerts ?? [])
                    let state = alerts.contains { $0.state == .firing } ? "firing" : alerts.contains { $0.state == .pending } ? "pending" : "inactive"
                    fields += [
                        "\"state\":\"\(state)\"", "\"duration\":" + ValueFormat.string(Double(hold) / 1000),
                        "\"keepFiringFor\":" + ValueFormat.string(Double(keepFiringFor) / 1000), "\"annotations\":" + Self.object(annotations),
                        "\"alerts\":[" + alerts.map(Self.alert).joined(separator: ",") + "]", "\"type\":\"alerting\"",
                    ]
                }
                rules.append("{" + fields.joined(separator: ",") + "}")
            }
            if !names.isEmpty && rules.isEmpty { continue }
            groups.append(
                "{\"name\":" + PrometheusJSON.string(group.name) + ",\"file\":" + PrometheusJSON.string(snapshot.file)
                    + ",\"rules\":[" + rules.joined(separator: ",") + "],\"interval\":" + ValueFormat.string(Double(snapshot.intervalMilliseconds) / 1000)
                    + ",\"limit\":\(group.limit),\"evaluationTime\":" + ValueFormat.string(snapshot.lastDurationSeconds)
                    + ",\"lastEvaluation\":" + Self.time(snapshot.lastEvaluation) + "}")
        }
        return APIResponse.success("{\"groups\":[" + groups.joined(separator: ",") + "]}")
    }

    /// Pending and firing alerts (resolved ones are kept for notification only).
    static func sorted(_ alerts: [ActiveAlert]) -> [ActiveAlert] {
        alerts.filter { $0.state != .inactive }.sorted { $0.labels.description < $1.labels.description }
    }

    static func alert(_ alert: ActiveAlert) -> String {
        var text = "{\"labels\":" + PrometheusJSON.labels(alert.labels) + ",\"annotations\":" + object(alert.annotations)
        text += ",\"state\":\"\(alert.state.rawValue)\",\"activeAt\":" + time(alert.activeAt)
        if alert.keepFiringSince != nil { text += ",\"keepFiringSince\":" + time(alert.keepFiringSince) }
        return text + ",\"value\":" + PrometheusJSON.string(GoFloat.exponent(alert.value)) + "}"
    }

    static func object(_ map: [String: String]) -> String {
        "{" + map.sorted { $0.key < $1.key }.map { PrometheusJSON.string($0.key) + ":" + PrometheusJSON.string($0.value) }.joined(separator: ",") + "}"
    }

    static func time(_ milliseconds: Int64?) -> String {
        PrometheusJSON.string(milliseconds.map { TimestampFormat.rfc3339(milliseconds: $0) } ?? "0001-01-01T00:00:00Z")
    }
}

/// Go's `strconv.FormatFloat(v, 'e', -1, 64)`, which Prometheus uses for an alert's value: the
/// shortest digits that read back as the same number, as `1.5e+00`.
public enum GoFloat {
    public static func exponent(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == 0 { return value.sign == .minus ? "-0e+00" : "0e+00" }
        // Swift's description is the shortest round-tripping form; move its point to after the first digit.
        var text = "\(abs(value))"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var digits = text.replacing(".", with: "")
        let pointPosition = text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? text.count
        let leadingZeros = digits.prefix { $0 == "0" }.count
        digits.removeFirst(leadingZeros)
        exponent += pointPosition - 1 - leadingZeros
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let mantissa = digits.count > 1 ? String(digits.first!) + "." + digits.dropFirst() : digits
        let sign = exponent < 0 ? "-" : "+"
        let magnitude = abs(exponent)
        return (value < 0 ? "-" : "") + mantissa + "e" + sign + (magnitude < 10 ? "0" : "") + String(magnitude)
    }
}
