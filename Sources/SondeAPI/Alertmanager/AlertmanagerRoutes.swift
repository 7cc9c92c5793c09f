#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import SondeCore
import SondeNotify
import SondeRules

/// The part of Alertmanager's API v2 that `amtool` uses: status, alerts, alert groups and
/// silences. Silences are the data directory's `notify/silences.json`, the same file the
/// `sonde silence` commands edit. Errors are Alertmanager's: a JSON string with the status code.
struct AlertmanagerRoutes {
    let sources: APISources

    func register(on router: Router<APIRequestContext>) {
        router.get("/api/v2/status") { _, _ in
            APIResponse.json(AlertmanagerStatus.json(notify: self.sources.notify, startedAt: self.sources.startedAt))
        }
        router.get("/api/v2/receivers") { _, _ in
            let names = self.sources.notify?.config.receivers.map(\.name) ?? []
            return APIResponse.json("[" + names.map(AlertmanagerJSON.receiver).joined(separator: ",") + "]")
        }
        router.get("/api/v2/alerts") { request, context in
            await Self.answer { () async throws(APIError) -> Response in
                let filter = try AlertFilter(try await RequestParameters.read(request, context: context))
                let now = self.sources.clock.wallMilliseconds
                var seen: Set<AlertFingerprint> = []
                var alerts: [AlertStatus] = []
                for group in self.groups(now: now) {
                    for alert in group.alerts where filter.admits(alert) && seen.insert(alert.alert.fingerprint).inserted { alerts.append(alert) }
                }
                alerts.sort { $0.alert.fingerprint < $1.alert.fingerprint }
                return APIResponse.json("[" + alerts.map { AlertmanagerJSON.alert($0, now: now) }.joined(separator: ",") + "]")
            }
        }
        router.get("/api/v2/alerts/groups") { request, context in
            await Self.answer { () async throws(APIError) -> Response in
                let filter = try AlertFilter(try await RequestParameters.read(request, context: context))
                let now = self.sources.clock.wallMilliseconds
                let groups = self.groups(now: now).compactMap { group -> String? in
                    let alerts = group.alerts.filter(filter.admits)
                    return alerts.isEmpty ? nil : AlertmanagerJSON.group(group, alerts: alerts, now: now)
                }
                return APIResponse.json("[" + groups.joined(separator: ",") + "]")
            }
        }
        router.get("/api/v2/silences") { request, context in
            await Self.answer { () async throws(APIError) -> Response in
                let parameters = try await RequestParameters.read(request, context: context)
                let filter = try AlertFilter.matchers(parameters.all("filter"))
                let now = self.sources.clock.wallMilliseconds
                let silences = try self.loadSilences().filter { Self.silence($0, matches: filter) }
                return APIResponse.json("[" + Self.ordered(silences, now: now).map { AlertmanagerJSON.silence($0, now: now) }.joined(separator: ",") + "]")
            }
        }
        router.post("/api/v2/silences") { request, context in
            await Self.answer { () async throws(APIError) -> Response in
                let posted = try await PostedSilence.read(request)
                let now = self.sources.clock.wallMilliseconds
                do throws(SondeError) {
                    let stored = try self.sources.silences.set(
                        id: posted.id, matchers: posted.matchers, startsAt: posted.startsAt, endsAt: posted.endsAt,
                        createdBy: posted.createdBy, comment: posted.comment, now: now)
                    return APIResponse.json("{\"silenceID\":" + PrometheusJSON.string(stored.id) + "}")
                } catch {
                    throw Self.silenceError(error)
                }
            }
        }
        router.get("/api/v2/silence/:id") { _, context in
            await Self.answer { () async throws(APIError) -> Response in
                let id = context.parameters.get("id") ?? ""
                guard let silence = try self.loadSilences().first(where: { $0.id == id }) else {
                    throw APIError(status: .notFound, type: .notFound, message: "silence \(id) not found")
                }
                return APIResponse.json(AlertmanagerJSON.silence(silence, now: self.sources.clock.wallMilliseconds))
            }
        }
        router.delete("/api/v2/silence/:id") { _, context in
            await Self.answer { () async throws(APIError) -> Response in
                let id = context.parameters.get("id") ?? ""
                do throws(SondeError) {
                    try self.sources.silences.expire(id: id, now: self.sources.clock.wallMilliseconds)
                } catch {
                    throw Self.silenceError(error)
                }
                return APIResponse.json("")
            }
        }
    }

    /// The alert groups: the notify service's, or without `notify:` the rules' firing alerts in one
    /// group with no receiver, muted only by silences.
    func groups(now: Int64) -> [AlertGroupStatus] {
        if let notify = sources.notify { return notify.alertGroups(now: now) }
        let silences = (try? sources.silences.load()) ?? []
        var alerts: [AlertStatus] = []
        for snapshot in sources.ruleGroups() {
            for alert in snapshot.evaluator.alertStates.values.flatMap(\.allAlerts) where alert.state == .firing {
                let endsAt = now + 4 * max(snapshot.intervalMilliseconds, 60_000)
                let notifyAlert = NotifyAlert(
                    labels: alert.labels, annotations: alert.annotations, startsAt: alert.firedAt ?? alert.activeAt, endsAt: endsAt, updatedAt: now)
                alerts.append(AlertStatus(
                    alert: notifyAlert, receivers: [], silencedBy: AlertStatus.silencing(alert.labels, silences: silences, now: now), inhibitedBy: []))
            }
        }
        return alerts.isEmpty ? [] : [AlertGroupStatus(labels: Labels([]), receiver: "", alerts: alerts)]
    }

    func loadSilences() throws(APIError) -> [Silence] {
        do {
            return try sources.silences.load()
        } catch {
            throw APIError(status: .internalServerError, type: .internal, message: error.message)
        }
    }

    /// Alertmanager's `silenceMatchesFilterLabels`: each filter matcher must match the value of a
    /// silence matcher of the same name.
    static func silence(_ silence: Silence, matches filter: [LabelMatcher]) -> Bool {
        filter.allSatisfy { matcher in silence.matchers.contains { $0.name == matcher.name && matcher.matches($0.value) } }
    }

    /// Alertmanager's order: active ones by end, then pending ones by start, then expired ones, the
    /// most recently ended first.
    static func ordered(_ silences: [Silence], now: Int64) -> [Silence] {
        let active = silences.filter { $0.state(at: now) == .active }.sorted { $0.endsAt < $1.endsAt }
        let pending = silences.filter { $0.state(at: now) == .pending }.sorted { $0.startsAt < $1.startsAt }
        let expired = silences.filter { $0.state(at: now) == .expired }.sorted { $0.endsAt > $1.endsAt }
        return active + pending + expired
    }

    /// A refused silence change: 404 for an unknown id, 400 for a bad silence, 500 for a file that
    /// cannot be read or written.
    static func silenceError(_ error: SondeError) -> APIError {
        switch error.code {
        case .notFound: APIError(status: .notFound, type: .notFound, message: error.message)
        case .invalidArgument: APIError(status: .badRequest, type: .badData, message: error.message)
        default: APIError(status: .internalServerError, type: .internal, message: error.message)
        }
    }

    /// Runs a handler, answering its error as Alertmanager does: the message as a JSON string.
    static func answer(_ handler: () async throws(APIError) -> Response) async -> Response {
        do {
            return try await handler()
        } catch {
            return APIResponse.json(PrometheusJSON.string(error.message), status: error.status)
        }
    }
}
