import Foundation
import HTTPTypes
import Logging
import SondeAPI
import SondeCore
import SondeNotify
import Testing

/// Alertmanager's API v2 in process: the shapes amtool's client requires, silences through the
/// same file as `sonde silence`, the alert filters, and bad input answered 4xx, never 500.
@Suite struct AlertmanagerRoutesTests {
    static let hour: Int64 = 3_600_000

    func json(_ answer: InProcessAPI.Answer) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(answer.bytes), options: [.fragmentsAllowed])
    }

    func post(_ api: InProcessAPI, _ body: String) async throws -> InProcessAPI.Answer {
        try await api.send(.post, "/api/v2/silences", headers: [.contentType: "application/json"], body: Array(body.utf8))
    }

    func silenceBody(id: String? = nil, matchers: String = #"[{"name":"alertname","value":"HighCPU","isRegex":false}]"#, start: Int64, end: Int64) -> String {
        let idField = id.map { "\"id\":\"\($0)\"," } ?? ""
        return "{\(idField)\"matchers\":\(matchers),\"startsAt\":\"\(TimestampFormat.rfc3339(milliseconds: start))\","
            + "\"endsAt\":\"\(TimestampFormat.rfc3339(milliseconds: end))\",\"createdBy\":\"ops\",\"comment\":\"deploy\"}"
    }

    @Test func silencesAddQueryUpdateExpireThroughTheSameFile() async throws {
        let api = try InProcessAPI()
        let now = api.clock.wallMilliseconds
        let added = try await post(api, silenceBody(start: now - 1000, end: now + Self.hour))
        #expect(added.status == 200, "\(added.body)")
        let id = try #require((try json(added) as? [String: Any])?["silenceID"] as? String)
        #expect(id.count == 36)
        // The same silence as `sonde silence list` reads.
        let onFile = try api.sources.silences.load()
        #expect(onFile.map(\.id) == [id])
        #expect(onFile.first?.startsAt == now, "a start in the past becomes now")

        let one = try await api.get("/api/v2/silence/\(id)")
        let silence = try #require(try json(one) as? [String: Any])
        #expect((silence["status"] as? [String: Any])?["state"] as? String == "active")
        for field in ["id", "matchers", "startsAt", "endsAt", "updatedAt", "createdBy", "comment"] { #expect(silence[field] != nil, "\(field)") }

        // Extending an active silence keeps its id; changing its matchers expires it and makes a new one.
        let extended = try await post(api, silenceBody(id: id, start: now, end: now + 2 * Self.hour))
        #expect((try json(extended) as? [String: Any])?["silenceID"] as? String == id)
        #expect(try api.sources.silences.load().first?.endsAt == now + 2 * Self.hour)
        let changed = try await post(api, silenceBody(id: id, matchers: #"[{"name":"alertname","value":"DiskFull","isRegex":false}]"#, start: now, end: now + Self.hour))
        let newID = try #require((try json(changed) as? [String: Any])?["silenceID"] as? String)
        #expect(newID != id)
        #expect(try api.sources.silences.load().first { $0.id == id }?.state(at: now) == .expired)

        let filtered = try await api.get("/api/v2/silences?filter=alertname%3D%22DiskFull%22")
        #expect((try json(filtered) as? [[String: Any]])?.map { $0["id"] as? String } == [newID])
        let all = try await api.get("/api/v2/silences")
        #expect((try json(all) as? [[String: Any]])?.map { $0["id"] as? String } == [newID, id], "active ones first, then expired")

        let deleted = try await api.send(.delete, "/api/v2/silence/\(newID)", headers: [:], body: [])
        #expect(deleted.status == 200)
        #expect(try api.sources.silences.load().allSatisfy { $0.state(at: now) == .expired })
    }

    @Test func badSilencesAndUnknownIDsAreRefusedNever500() async throws {
        let api = try InProcessAPI()
        let now = api.clock.wallMilliseconds
        let cases: [(String, Int, String)] = [
            ("not json", 400, "not valid JSON"),
            (#"{"matchers":[]}"#, 400, "missing field startsAt"),
            (silenceBody(matchers: "[]", start: now, end: now + Self.hour), 400, "at least one matcher"),
            (silenceBody(matchers: #"[{"name":"a","value":".*","isRegex":true}]"#, start: now, end: now + Self.hour), 400, "empty string"),
            (silenceBody(matchers: #"[{"name":"a","value":"(a+)+","isRegex":true}]"#, start: now, end: now + Self.hour), 400, "refused"),
            (silenceBody(start: now, end: now - 1), 400, "end after it starts"),
            (silenceBody(start: now - 2 * Self.hour, end: now - Self.hour), 400, "in the past"),
            (silenceBody(id: "00000000-0000-4000-8000-000000000000", start: now, end: now + Self.hour), 404, "no silence"),
            (#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"yesterday","endsAt":"x","createdBy":"a","comment":"c"}"#, 400, "RFC 3339"),
        ]
        for (body, status, message) in cases {
            let answer = try await post(api, body)
            #expect(answer.status == status, "\(body): \(answer.body)")
            #expect((try json(answer) as? String)?.contains(message) == true, "\(body): \(answer.body)")
        }
        let huge = try await post(api, String(repeating: " ", count: 2 << 20))
        #expect(huge.status == 413)
        #expect(try await api.get("/api/v2/silence/nope").status == 404)
        #expect(try await api.send(.delete, "/api/v2/silence/nope", headers: [:], body: []).status == 404)
        #expect(try await api.get("/api/v2/silences?filter=a%3D~%22(a%2B)%2B%22").status == 400)
        #expect(try await api.get("/api/v2/alerts?silenced=maybe").status == 400)
        #expect(try await api.get("/api/v2/alerts?receiver=(a%2B)%2B").status == 400)
        #expect(try api.sources.silences.load().isEmpty)
    }

    @Test func alertsCarryReceiversSilencesAndInhibitions() async throws {
        let api = try InProcessAPI()
        let now = api.clock.wallMilliseconds
        let config = try AlertmanagerConfig.parse("""
            route:
              receiver: ops
              group_by: [alertname]
              routes:
                - {receiver: pager, matchers: ['severity="page"'], continue: true}
            inhibit_rules:
              - {source_matchers: ['severity="page"'], target_matchers: ['severity="info"'], equal: [instance]}
            receivers:
              - name: ops
              - name: pager
            """)
        let notify = try NotifyService(
            config: config, dataDirectory: api.directory.path + "/data/notify", externalURL: "", environment: [:], clock: api.clock, logger: Logger(label: "t"))
        api.sources.notify = notify
        func alert(_ name: String, _ severity: String) -> NotifyAlert {
            NotifyAlert(
                labels: Labels([Label("alertname", name), Label("severity", severity), Label("instance", "web-1")]), annotations: ["summary": name],
                startsAt: now - 60_000, endsAt: now + 240_000, updatedAt: now)
        }
        notify.receive([alert("HostDown", "page"), alert("HighLoad", "info"), alert("DiskFull", "warning")])
        _ = try api.sources.silences.add(matchers: [#"alertname="DiskFull""#], startsAt: now, endsAt: now + Self.hour, createdBy: "ops", comment: "c", now: now)

        let answer = try await api.get("/api/v2/alerts")
        #expect(answer.status == 200)
        let alerts = try #require(try json(answer) as? [[String: Any]])
        func named(_ name: String) -> [String: Any]? { alerts.first { ($0["labels"] as? [String: String])?["alertname"] == name } }
        let down = try #require(named("HostDown"))
        #expect((down["receivers"] as? [[String: String]])?.map { $0["name"] } == ["pager"], "the page route does not continue to the default")
        #expect((down["status"] as? [String: Any])?["state"] as? String == "active")
        let load = try #require(named("HighLoad"))
        #expect(((load["status"] as? [String: Any])?["inhibitedBy"] as? [String])?.count == 1)
        #expect(((named("DiskFull")?["status"] as? [String: Any])?["silencedBy"] as? [String])?.count == 1)
        for field in ["annotations", "endsAt", "fingerprint", "receivers", "startsAt", "status", "updatedAt", "labels"] { #expect(down[field] != nil, "\(field)") }

        let unmuted = try await api.get("/api/v2/alerts?silenced=false&inhibited=false")
        #expect((try json(unmuted) as? [[String: Any]])?.count == 1)
        let filtered = try await api.get("/api/v2/alerts?filter=severity%3D~%22page%7Cinfo%22&receiver=ops")
        #expect((try json(filtered) as? [[String: Any]])?.count == 1, "HighLoad only: HostDown goes to pager")
        let groups = try #require(try json(try await api.get("/api/v2/alerts/groups")) as? [[String: Any]])
        #expect(groups.count == 3)
        #expect(Set(groups.compactMap { ($0["receiver"] as? [String: String])?["name"] }) == ["ops", "pager"])

        let status = try #require(try json(try await api.get("/api/v2/status")) as? [String: Any])
        #expect((status["cluster"] as? [String: Any])?["status"] as? String == "disabled")
        let original = try #require((status["config"] as? [String: Any])?["original"] as? String)
        #expect(original.contains("receiver: \"pager\""))
        _ = try AlertmanagerConfig.parse(original)
    }
}
