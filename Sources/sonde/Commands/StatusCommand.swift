import ArgumentParser
import SondeAPI
import SondeCore
import SondeNet

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `sonde status`: the running agent's state, as its status page shows it, asked over its API.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running agent's state: firing alerts, collector health, the store, the outbox.",
        discussion: """
            Asks the agent's API (/api/v1/status/sonde) at api.listen of --config (with its
            api.token_file), or at --url. Exits 1 when the agent cannot be reached, 2 when it answers
            but is not ready yet or a collector is failing.

            Examples:
              sonde status
              sonde status --config /etc/sonde/sonde.yaml
              sonde status --url http://127.0.0.1:9733 --json
            """
    )

    @Option(help: ArgumentHelp("Configuration file (YAML) naming api.listen and api.token_file.", valueName: "FILE"))
    var config: String?
    @Option(help: ArgumentHelp("The agent's API (default: from --config, or http://127.0.0.1:9733).", valueName: "URL"))
    var url: String?
    @Flag(help: "Print the status as the API's JSON.")
    var json = false

    func run() async throws {
        let (base, token) = try target()
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token { headers.append(("Authorization", "Bearer " + token)) }
        let response: HTTPResponse
        do {
            response = try await HTTPClient().send(HTTPRequest(url: base + "/api/v1/status/sonde", headers: headers, timeout: .seconds(5)))
        } catch {
            Terminal.error("error: no agent answers at \(base): \(error) (is `sonde run` running? --url or --config name its address)")
            throw ExitCode(1)
        }
        guard response.status == 200 else {
            Terminal.error("error: \(base) answered HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            throw ExitCode(1)
        }
        let status: StatusView
        do {
            status = try JSONDecoder().decode(StatusEnvelope.self, from: Data(response.body)).data
        } catch {
            Terminal.error("error: \(base) is not a sonde agent (its /api/v1/status/sonde is not sonde's): \(error)")
            throw ExitCode(1)
        }
        if json {
            Terminal.out(String(decoding: response.body, as: UTF8.self))
        } else {
            StatusView.lines(status, base: base).forEach(Terminal.out)
        }
        if !status.ready || status.collectors.contains(where: { !$0.healthy }) { throw ExitCode(2) }
    }

    /// The API's base URL and bearer token.
    func target() throws -> (String, String?) {
        var token: String?
        var base = "http://127.0.0.1:9733"
        if let config {
            let loaded = try SondeConfig.load(path: config)
            token = try APISettings(loaded.api).token
            if var address = loaded.api.listen {
                // An agent listening on every address is reached on loopback.
                if address.host == "0.0.0.0" { address.host = "127.0.0.1" }
                if address.host == "::" { address.host = "::1" }
                base = "http://" + address.description
            } else {
                throw ValidationError("\(config): api.listen is off; give --url")
            }
        }
        if let url { base = url.hasSuffix("/") ? String(url.dropLast()) : url }
        return (base, token)
    }
}

/// The JSON of `/api/v1/status/sonde`, as far as the terminal shows it, and its rendering.
struct StatusEnvelope: Decodable {
    var data: StatusView
}

struct StatusView: Decodable {
    struct Collector: Decodable {
        var name: String
        var healthy: Bool
        var lastRun: String?
        var lastSuccess: String?
        var lastError: String?
    }

    struct Tier: Decodable {
        var tier: String
        var series: Int
        var samples: Int
        var bytesUsed: Int
        var bytesAllocated: Int
        var oldest: String?
        var newest: String?
    }

    struct Store: Decodable {
        var budgetBytes: Int
        var series: Int
        var tiers: [Tier]
    }

    struct Alert: Decodable {
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
        var activeAt: String
        var value: String
    }

    var version: String
    var now: String
    var startedAt: String
    var ready: Bool
    var collectors: [Collector]
    var store: Store?
    var storeError: String?
    var alerts: [Alert]
    var ruleGroups: Int
    var outboxEntries: Double?

    static func lines(_ status: StatusView, base: String) -> [String] {
        let now = (try? TimeExpression.parse(status.now, now: 0)) ?? 0
        func ago(_ text: String?) -> String {
            guard let text, let time = try? TimeExpression.parse(text, now: 0) else { return "never" }
            return DurationParser.format(max(0, now - time) / 1000 * 1000) + " ago"
        }
        var lines = ["sonde \(status.version) at \(base): \(status.ready ? "ready" : "NOT READY (store recovering or collectors starting)"), up \(ago(status.startedAt).dropLast(4))"]

        lines.append("")
        let firing = status.alerts.filter { $0.state == "firing" }
        let pending = status.alerts.filter { $0.state == "pending" }
        lines.append("ALERTS: \(firing.count) firing, \(pending.count) pending (\(status.ruleGroups) rule groups)")
        for alert in firing + pending {
            let name = alert.labels["alertname"] ?? "?"
            let others = alert.labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            let summary = alert.annotations["summary"].map { "  " + $0 } ?? ""
            lines.append("  \(alert.state.uppercased())  \(name){\(others)}  since \(ago(alert.activeAt))  value \(alert.value)\(summary)")
        }

        lines.append("")
        lines.append("COLLECTORS")
        lines += table(
            ["NAME", "STATE", "LAST RUN", "LAST SUCCESS", "LAST ERROR"],
            status.collectors.map { [$0.name, $0.healthy ? "ok" : "FAILING", ago($0.lastRun), ago($0.lastSuccess), $0.lastError ?? ""] })

        lines.append("")
        if let store = status.store {
            lines.append("STORE: \(store.series) series, budget \(ValueLabel.string(Double(store.budgetBytes), unit: .bytes))")
            lines += table(
                ["TIER", "SERIES", "SAMPLES", "USED", "ALLOCATED", "OLDEST", "NEWEST"],
                store.tiers.map { [$0.tier, String($0.series), Terminal.compact(Double($0.samples)), ValueLabel.string(Double($0.bytesUsed), unit: .bytes),
                                   ValueLabel.string(Double($0.bytesAllocated), unit: .bytes), $0.oldest ?? "-", $0.newest ?? "-"] })
        } else {
            lines.append("STORE: unreadable: \(status.storeError ?? "unknown error")")
        }
        if let outbox = status.outboxEntries { lines.append("OUTBOX: \(Int(outbox)) notifications waiting") }
        return lines
    }

    /// Columns padded to their widest cell, two spaces apart, indented by two.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let line = "  " + row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }
                .joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())
        }
    }
}
