import SondeCore
import SondeNotify
import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Alertmanager configuration")
struct AlertmanagerConfigTests {
    static let receivers = """
        receivers:
          - name: ops
            webhook_configs: [{url: "http://127.0.0.1:5001/"}]
          - name: db
            sns_configs: [{topic_arn: "arn:aws:sns:us-east-1:123456789012:db", sigv4: {region: us-east-1}}]

        """

    /// Files and what Alertmanager 0.25 says of them: nil when `amtool check-config` accepts the
    /// file, else the core of its message, which sonde's error must contain.
    static let cases: [(name: String, yaml: String, error: String?)] = [
        ("minimal", "route: {receiver: ops}\n" + receivers, nil),
        ("full", """
            global: {resolve_timeout: 2m, slack_api_url: "https://hooks.slack.com/services/T/B/x"}
            route:
              receiver: ops
              group_by: [alertname, instance]
              group_wait: 10s
              routes:
                - matchers: ['{severity="critical", team=~"db|ops"}', 'env != dev']
                  receiver: db
                  continue: true
                  group_by: ['...']
                - match: {service: api}
                  match_re: {instance: 'web-[0-9]+'}
                  receiver: chat
                  mute_time_intervals: [nights]
                  active_time_intervals: [weekdays]
                  routes: [{receiver: ops, repeat_interval: 1h}]
            inhibit_rules:
              - source_matchers: [severity=critical]
                target_matchers: [severity=warning]
                equal: [alertname, instance]
              - {source_match: {a: b}, target_match_re: {c: 'd.*'}}
            time_intervals:
              - name: nights
                time_intervals: [{times: [{start_time: "00:00", end_time: "06:00"}], location: Europe/Berlin}]
              - name: weekdays
                time_intervals: [{weekdays: ["monday:friday"], days_of_month: ["1:5", "-3:-1"], months: ["january:march", "12"], years: ["2020:2030"]}]
            templates: ["/nonexistent/*.tmpl"]
            receivers:
              - name: ops
                webhook_configs:
                  - url: "http://127.0.0.1:5001/hook"
                    max_alerts: 10
                    send_resolved: false
                    http_config:
                      authorization: {credentials_file: /etc/token}
                      tls_config: {ca_file: /etc/ca.pem, insecure_skip_verify: false}
              - name: db
                sns_configs:
                  - topic_arn: "arn:aws:sns:us-east-1:123456789012:db.fifo"
                    api_url: "http://127.0.0.1:5000/"
                    subject: "{{ .CommonLabels.alertname }}"
                    attributes: {team: db}
                    sigv4: {region: us-east-1, access_key: AKID, secret_key: SECRET}
              - name: chat
                slack_configs: [{channel: "#ops", title: "{{ .Status }}", send_resolved: true}]
            """, nil),
        ("bad duration", "route: {receiver: ops, group_wait: 30x}\n" + receivers, #"not a valid duration string: "30x""#),
        ("unknown field", "route: {receiver: ops, bogus: 1}\n" + receivers, "unknown field"),
        ("zero repeat", "route: {receiver: ops, repeat_interval: 0s}\n" + receivers, "repeat_interval cannot be zero"),
        ("zero group interval", "route: {receiver: ops, group_interval: 0s}\n" + receivers, "group_interval cannot be zero"),
        ("zero group wait", "route: {receiver: ops, group_wait: 0s}\n" + receivers, nil),
        ("root matchers", "route: {receiver: ops, matchers: ['a=b']}\n" + receivers, "root route must not have any matchers"),
        ("root continue", "route: {receiver: ops, continue: true}\n" + receivers, "cannot have continue in root route"),
        ("root receiver", "route: {group_wait: 1s}\n" + receivers, "root route must specify a default receiver"),
        ("undefined receiver", "route: {receiver: ops, routes: [{receiver: nope}]}\n" + receivers, #"undefined receiver "nope" used in route"#),
        ("duplicate group_by", "route: {receiver: ops, group_by: [a, a]}\n" + receivers, #"duplicated label "a" in group_by"#),
        ("wildcard and labels", "route: {receiver: ops, group_by: ['...', a]}\n" + receivers, "cannot have wildcard group_by"),
        ("bad group_by", "route: {receiver: ops, group_by: ['a-b']}\n" + receivers, #"invalid label name "a-b" in group_by list"#),
        ("no route", receivers, "no routes provided"),
        ("sns two targets", """
            route: {receiver: x}
            receivers: [{name: x, sns_configs: [{topic_arn: "arn:aws:sns:us-east-1:1:t", phone_number: "+15555550100"}]}]
            """, "must provide either a Target ARN, Topic ARN, or Phone Number"),
        ("sns no target", "route: {receiver: x}\nreceivers: [{name: x, sns_configs: [{subject: s}]}]", "must provide either a Target ARN"),
        ("sns half credentials", """
            route: {receiver: x}
            receivers: [{name: x, sns_configs: [{topic_arn: t, sigv4: {access_key: a}}]}]
            """, "must provide a AWS SigV4 Access key and Secret Key"),
        ("slack without url", "route: {receiver: x}\nreceivers: [{name: x, slack_configs: [{channel: c}]}]", "no global Slack API URL set"),
        ("webhook without url", "route: {receiver: x}\nreceivers: [{name: x, webhook_configs: [{}]}]", "missing URL in webhook config"),
        ("relative webhook url", "route: {receiver: x}\nreceivers: [{name: x, webhook_configs: [{url: /hook}]}]", #"unsupported scheme "" for URL"#),
        ("duplicate receiver", "route: {receiver: x}\nreceivers: [{name: x}, {name: x}]", #"notification config name "x" is not unique"#),
        ("receiver without name", "route: {receiver: x}\nreceivers: [{webhook_configs: [{url: 'http://a/'}]}]", "missing name in receiver"),
        ("empty receiver", "route: {receiver: x}\nreceivers: [{name: x}]", nil),
        ("undefined interval", "route: {receiver: ops, routes: [{receiver: ops, mute_time_intervals: [x]}]}\n" + receivers,
         #"undefined time interval "x" used in route"#),
        ("root interval", "route: {receiver: ops, mute_time_intervals: [x]}\ntime_intervals: [{name: x}]\n" + receivers,
         "root route must not have any mute time intervals"),
        ("duplicate interval", "route: {receiver: ops}\ntime_intervals: [{name: x}, {name: x}]\n" + receivers, #"time interval "x" is not unique"#),
        ("bad weekday", "route: {receiver: ops}\ntime_intervals: [{name: x, time_intervals: [{weekdays: [mondai]}]}]\n" + receivers,
         "mondai is not a valid weekday"),
        ("times backwards", """
            route: {receiver: ops}
            time_intervals: [{name: x, time_intervals: [{times: [{start_time: "17:00", end_time: "09:00"}]}]}]
            """ + "\n" + receivers, "start time cannot be equal or greater than end time"),
        ("day zero", "route: {receiver: ops}\ntime_intervals: [{name: x, time_intervals: [{days_of_month: ['0']}]}]\n" + receivers,
         "0 is not a valid day of the month: out of range"),
        ("whole month", "route: {receiver: ops}\ntime_intervals: [{name: x, time_intervals: [{days_of_month: ['1:-1']}]}]\n" + receivers, nil),
        ("negative then positive", "route: {receiver: ops}\ntime_intervals: [{name: x, time_intervals: [{days_of_month: ['-3:5']}]}]\n" + receivers,
         "end day must be negative if start day is negative"),
        ("days backwards", "route: {receiver: ops}\ntime_intervals: [{name: x, time_intervals: [{days_of_month: ['5:3']}]}]\n" + receivers,
         "end day 3 is always before start day 5"),
        ("unknown zone", "route: {receiver: ops}\ntime_intervals: [{name: x, time_intervals: [{location: Mars/Base}]}]\n" + receivers,
         "unknown time zone Mars/Base"),
        ("older mute_time_intervals", """
            route: {receiver: ops, routes: [{receiver: ops, mute_time_intervals: [x]}]}
            mute_time_intervals: [{name: x, time_intervals: [{weekdays: [sunday]}]}]
            """ + "\n" + receivers, nil),
        ("bad regex", "route: {receiver: ops, routes: [{receiver: ops, matchers: ['a=~(']}]}\n" + receivers, "("),
        ("bad match_re", "route: {receiver: ops, routes: [{receiver: ops, match_re: {a: '('}}]}\n" + receivers, "("),
        ("bad match name", "route: {receiver: ops, routes: [{receiver: ops, match: {'a-b': x}}]}\n" + receivers, #"invalid label name "a-b""#),
        ("bad equal", "route: {receiver: ops}\ninhibit_rules: [{equal: [a-b]}]\n" + receivers, #""a-b" is not a valid label name"#),
        ("two auth schemes", """
            route: {receiver: x}
            receivers: [{name: x, webhook_configs: [{url: "http://a/", http_config: {basic_auth: {username: a, password: b}, authorization: {credentials: c}}}]}]
            """, "at most one of basic_auth, oauth2 & authorization must be configured"),
        ("bad matcher", "route: {receiver: ops, routes: [{receiver: ops, matchers: ['just text']}]}\n" + receivers, "bad matcher format"),
        ("unquoted value with spaces", "route: {receiver: ops, routes: [{receiver: ops, matchers: ['x = y z']}]}\n" + receivers, nil),
    ]

    @Test("sonde accepts and refuses what amtool check-config (Alertmanager 0.25) accepts and refuses", .exclusiveMachineUse)
    func againstAmtool() throws {
        let directory = TemporaryDirectory("sonde-amtool")
        defer { directory.remove() }
        for (index, example) in Self.cases.enumerated() {
            let path = "\(directory.path)/case\(index).yml"
            TestFiles.append(path, example.yaml)
            let amtoolAccepts = TestFiles.run(["sh", "-c", "amtool check-config '\(path)' >/dev/null 2>&1"]) == 0
            #expect(amtoolAccepts == (example.error == nil), "amtool on \(example.name)")
            do {
                _ = try AlertmanagerConfig.parse(example.yaml, file: "alertmanager.yml")
                #expect(example.error == nil, "\(example.name): sonde accepted it")
            } catch {
                if let expected = example.error {
                    #expect(error.message.contains(expected), "\(example.name): \(error)")
                } else {
                    Issue.record("\(example.name): sonde refused it: \(error)")
                }
            }
        }
    }

    @Test("defaults are Alertmanager's, and child routes inherit what they do not set")
    func defaultsAndInheritance() throws {
        let config = try AlertmanagerConfig.parse(Self.cases[1].yaml)
        #expect(config.global.resolveTimeout == .seconds(120))
        let root = config.route
        #expect(root.groupBy == ["alertname", "instance"] && root.groupWait == .seconds(10))
        #expect(root.groupInterval == .seconds(300) && root.repeatInterval == .seconds(4 * 3600))
        let critical = root.routes[0]
        #expect(critical.receiver == "db" && critical.groupByAll && critical.continueMatching && critical.groupWait == .seconds(10))
        #expect(critical.matchers.map(\.description) == [#"severity="critical""#, #"team=~"db|ops""#, #"env!="dev""#])
        let chat = root.routes[1]
        #expect(!chat.groupByAll && chat.groupBy == ["alertname", "instance"])
        #expect(chat.matchers.map(\.description) == [#"service="api""#, #"instance=~"web-[0-9]+""#])
        #expect(chat.muteTimeIntervals == ["nights"] && chat.activeTimeIntervals == ["weekdays"])
        #expect(chat.routes[0].receiver == "ops" && chat.routes[0].repeatInterval == .seconds(3600) && chat.routes[0].matchers.isEmpty)
        #expect(chat.routes[0].muteTimeIntervals.isEmpty, "time intervals are not inherited")

        let ops = try #require(config.receiver(named: "ops")?.webhooks.first)
        #expect(ops.url?.value == "http://127.0.0.1:5001/hook" && ops.maxAlerts == 10 && !ops.sendResolved)
        #expect(ops.httpConfig.authorization == .header(type: "Bearer", credentials: nil, credentialsFile: "/etc/token"))
        #expect(ops.httpConfig.tls.caFile == "/etc/ca.pem")
        let sns = try #require(config.receiver(named: "db")?.sns.first)
        #expect(sns.sendResolved && sns.topicARN?.hasSuffix(".fifo") == true && sns.attributes == ["team": "db"])
        #expect(sns.message == #"{{ template "sns.default.message" . }}"# && sns.subject == "{{ .CommonLabels.alertname }}")
        #expect(sns.sigv4.accessKey == "AKID" && sns.sigv4.secretKey?.value == "SECRET" && sns.apiURL == "http://127.0.0.1:5000/")
        let slack = try #require(config.receiver(named: "chat")?.slack.first)
        #expect(slack.apiURL?.value == "https://hooks.slack.com/services/T/B/x", "from global.slack_api_url")
        #expect(slack.sendResolved && slack.title == "{{ .Status }}" && slack.text == #"{{ template "slack.default.text" . }}"#)

        let weekdays = try #require(config.timeIntervals["weekdays"]?.first)
        #expect(weekdays.weekdays == [1...5] && weekdays.daysOfMonth == [.init(1, 5), .init(-3, -1)] && weekdays.months == [1...3, 12...12])
        #expect(weekdays.years == [2020...2030])
        let nights = try #require(config.timeIntervals["nights"]?.first)
        #expect(nights.times == [0..<360] && nights.zone?.name == "Europe/Berlin")
        let inhibit = config.inhibitRules[0]
        #expect(inhibit.sourceMatchers.map(\.description) == [#"severity="critical""#] && inhibit.equal == ["alertname", "instance"])
    }

    @Test("receivers sonde does not deliver to, and other integrations' settings, are errors at their line and column")
    func unsupported() {
        let text = """
            route: {receiver: mail}
            receivers:
              - name: mail
                email_configs: [{to: ops@example.com}]
            """
        #expect(throws: ParseError(file: "am.yml", line: 4, column: 5, message:
            "receivers[0].email_configs: sonde does not deliver to this receiver kind; it delivers to webhook_configs, slack_configs and sns_configs")) {
            try AlertmanagerConfig.parse(text, file: "am.yml")
        }
        #expect(throws: ParseError.self) { try AlertmanagerConfig.parse("global: {smtp_smarthost: 'localhost:25'}\nroute: {receiver: x}\nreceivers: [{name: x}]") }
        #expect(throws: ParseError.self) {
            try AlertmanagerConfig.parse("route: {receiver: x}\nreceivers: [{name: x, slack_configs: [{api_url: 'http://a/', fields: []}]}]")
        }
        do {
            _ = try AlertmanagerConfig.parse("route:\n  receiver: ops\n  group_wait: soon\n" + Self.receivers, file: "am.yml")
            Issue.record("accepted")
        } catch {
            #expect(error.description == #"am.yml:3:15: route.group_wait: not a valid duration string: "soon""#)
        }
    }

    @Test("matchers as Alertmanager 0.25 parses them: braces, commas, quotes, escapes, unquoted values")
    func matchers() throws {
        func parse(_ text: String) throws -> [String] { try AlertmanagerMatchers.parse(text).map(\.description) }
        #expect(try parse(#"{alertname="HighCPU", instance=~"web.*"}"#) == [#"alertname="HighCPU""#, #"instance=~"web.*""#])
        #expect(try parse("severity!=info") == [#"severity!="info""#])
        #expect(try parse(#"a = "x, y", b!~"c|d""#) == [#"a="x, y""#, #"b!~"c|d""#])
        #expect(try parse("team = ops east ") == [#"team="ops east""#])
        #expect(try AlertmanagerMatchers.parse(#"msg="say \"hi\"\nnow\\""#).first?.value == "say \"hi\"\nnow\\")
        #expect(try parse("") == [])
        let regex = try AlertmanagerMatchers.matcher(#"instance=~"web-[0-9]+""#)
        #expect(regex.matches("web-12") && !regex.matches("xweb-12") && !regex.matches("web-1x"))
        #expect(!(try AlertmanagerMatchers.matcher("a=~.*").matches("x\ny")), "Alertmanager's . does not match a newline")
        #expect(try parse("a==b") == [#"a="=b""#], "the value is =b")
        for bad in ["=x", "a", #"a="x"y""#, #"a="open"#, "a=~(", "1a=b"] {
            #expect(throws: AlertmanagerMatchers.Invalid.self, "\(bad)") { try AlertmanagerMatchers.parse(bad) }
        }
    }
}
