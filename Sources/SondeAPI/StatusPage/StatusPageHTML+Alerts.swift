import SondeCore
import SondeNotify
import SondeRules

extension StatusPageHTML {
    /// Firing alerts, then pending ones: their labels, summary, since when, value, and whether a
    /// silence on file mutes them (inhibition, which depends on the other alerts, is not shown).
    func alertsSection() -> String {
        let alerts = report.firing + report.pending
        var html = "<section id=\"alerts\">\n<h2>Alerts: \(report.firing.count) firing, \(report.pending.count) pending</h2>\n"
        if case .failure(let error) = silences {
            html += "<p class=\"error\">cannot read the silences, so silenced alerts are not marked: \(HTMLText.escaped(error.message))</p>\n"
        }
        guard !alerts.isEmpty else {
            let reason = report.ruleGroups == 0 ? "no alerting rules are loaded (rules.files)" : "every rule is quiet"
            return html + "<p class=\"calm\">Nothing is firing or pending: \(reason).</p>\n</section>\n"
        }
        html += "<table>\n<tr><th>State</th><th>Alert</th><th>Labels</th><th>Summary</th><th>Since</th><th class=\"number\">Value</th></tr>\n"
        for alert in alerts { html += row(alert) }
        return html + "</table>\n</section>\n"
    }

    private func row(_ alert: ActiveAlert) -> String {
        let state = alert.state == .firing ? "firing" : "pending"
        var html = "<tr class=\"\(state)\"><td class=\"nowrap\"><span class=\"badge\">\(state)</span>"
        if let silence = muting(alert) {
            let until = HTMLText.time(silence.endsAt)
            let comment = "\(silence.comment) (\(silence.createdBy))"
            html += "<br><span class=\"badge silenced\" title=\"\(HTMLText.escaped(comment, maxCharacters: 300))\">silenced until \(until)</span>"
        }
        html += "</td><td><strong>\(HTMLText.escaped(alert.labels["alertname"] ?? "", maxCharacters: 200))</strong></td><td>"
        for label in alert.labels.pairs where label.name != "alertname" && label.name != Labels.metricNameLabel {
            html += "<code class=\"label\">\(HTMLText.escaped(label.name, maxCharacters: 100))=\(HTMLText.escaped(label.value, maxCharacters: 300))</code>"
        }
        let summary = alert.annotations["summary"] ?? alert.annotations["description"] ?? ""
        html += "</td><td>\(HTMLText.escaped(summary))</td>"
        // A firing alert counts from when it fired; a pending one from when its expression first held.
        let since = alert.state == .firing ? alert.firedAt ?? alert.activeAt : alert.activeAt
        html += "<td class=\"nowrap\">for \(HTMLText.elapsed(since: since, now: report.now))</td>"
        html += "<td class=\"number\">\(HTMLText.escaped(ValueLabel.string(alert.value, unit: .plain)))</td></tr>\n"
        return html
    }

    /// The active silence that mutes `alert`, if any: the one that ends last, which says for how long.
    private func muting(_ alert: ActiveAlert) -> Silence? {
        guard case .success(let all) = silences else { return nil }
        return all.filter { $0.silences(alert.labels, at: report.now) }.max { $0.endsAt < $1.endsAt }
    }
}
