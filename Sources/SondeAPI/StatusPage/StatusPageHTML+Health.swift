import SondeCore
import SondeStore

extension StatusPageHTML {
    /// Each collector's last run, success and error, as the agent's status board holds them.
    func collectorsSection() -> String {
        var html = "<section id=\"collectors\">\n<h2>Collectors</h2>\n"
        guard !report.collectors.isEmpty else { return html + "<p class=\"muted\">No collector has started yet.</p>\n</section>\n" }
        html += "<table>\n<tr><th>Collector</th><th>Status</th><th>Last run</th><th>Last success</th><th class=\"number\">Took</th><th>Last error</th></tr>\n"
        for collector in report.collectors {
            let status =
                collector.lastRun == nil ? "<span class=\"muted\">not run yet</span>"
                : collector.isHealthy ? "<span class=\"ok\">ok</span>" : "<span class=\"bad\">failing</span>"
            html += "<tr><td><strong>\(HTMLText.escaped(collector.name, maxCharacters: 200))</strong></td><td>\(status)</td>"
            html += "<td class=\"nowrap\">\(HTMLText.ago(collector.lastRun, now: report.now))</td>"
            html += "<td class=\"nowrap\">\(HTMLText.ago(collector.lastSuccess, now: report.now))</td>"
            let took = collector.lastRun == nil ? "" : ValueLabel.string(collector.lastDurationSeconds, unit: .seconds)
            html += "<td class=\"number\">\(took)</td><td>"
            if let error = collector.lastError {
                // An error the collector has since recovered from is history, shown greyed.
                html += "<span class=\"\(collector.isHealthy ? "muted" : "error")\">\(HTMLText.escaped(error))</span>"
                if let at = collector.lastErrorAt { html += " <span class=\"muted\">(\(HTMLText.ago(at, now: report.now)))</span>" }
            } else {
                html += "<span class=\"muted\">none</span>"
            }
            html += "</td></tr>\n"
        }
        return html + "</table>\n</section>\n"
    }

    /// The store per tier: what it holds, how much of its share of the budget that takes, how far back it goes.
    func storeSection() -> String {
        var html = "<section id=\"store\">\n<h2>Store</h2>\n"
        if let error = report.storeError { html += "<p class=\"error\">\(HTMLText.escaped(error))</p>\n" }
        guard let store = report.store else { return html + "</section>\n" }
        html += "<p class=\"muted\">\(store.seriesTotal) series in a budget of \(ValueLabel.string(Double(store.budget), unit: .bytes)).</p>\n"
        html += "<table>\n<tr><th>Tier</th><th class=\"number\">Series</th><th class=\"number\">Samples</th><th class=\"number\">Used</th>"
        html += "<th class=\"number\">Allocated</th><th>Oldest</th><th>Newest</th></tr>\n"
        for tier in store.tiers {
            html += "<tr><td><strong>\(HTMLText.escaped(tier.name))</strong></td><td class=\"number\">\(tier.series)</td>"
            html += "<td class=\"number\">\(ValueLabel.string(Double(tier.samples), unit: .plain))</td>"
            html += "<td class=\"number\">\(ValueLabel.string(Double(tier.bytesUsed), unit: .bytes))</td>"
            html += "<td class=\"number\">\(ValueLabel.string(Double(tier.bytesAllocated), unit: .bytes))</td>"
            html += "<td class=\"nowrap\">\(HTMLText.ago(tier.oldestMs, now: report.now, never: "empty"))</td>"
            html += "<td class=\"nowrap\">\(HTMLText.ago(tier.newestMs, now: report.now, never: "empty"))</td></tr>\n"
        }
        return html + "</table>\n</section>\n"
    }
}
