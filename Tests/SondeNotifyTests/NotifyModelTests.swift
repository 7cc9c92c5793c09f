import SondeCore
@testable import SondeNotify
import Testing

@Suite("Alert fingerprints, label-set strings and route keys")
struct NotifyModelTests {
    @Test("fingerprints are Prometheus' FNV-1a over sorted names and values, 16 hex digits")
    func fingerprints() {
        #expect(AlertFingerprint(Labels([])).description == "cbf29ce484222325", "FNV-1a's offset basis")
        let one = AlertFingerprint(Labels([Label("alertname", "A"), Label("job", "x")]))
        #expect(one == AlertFingerprint(Labels([Label("job", "x"), Label("alertname", "A")])))
        #expect(one != AlertFingerprint(Labels([Label("alertname", "Ajob"), Label("x", "")])))
        #expect(one.description.count == 16)
    }

    @Test("label sets print as Go's model.LabelSet, values quoted as %q")
    func goStrings() {
        #expect(Labels([Label("b", "2"), Label("a", "x\"y\\z\n\u{01}é")]).goLabelSetString == #"{a="x\"y\\z\n\x01é", b="2"}"#)
        #expect(Labels([]).goLabelSetString == "{}")
    }

    @Test("route keys chain the parents' sorted matchers; continue lets later siblings match")
    func routeKeys() throws {
        let config = try AlertmanagerConfig.parse("""
            route:
              receiver: r
              routes:
                - {matchers: ['team="db"', 'env=~"prod|stage"'], receiver: r, continue: true, routes: [{matchers: ['severity!=info'], receiver: r}]}
                - {matchers: ['team="db"'], receiver: r}
                - {matchers: ['team="web"'], receiver: r}
            receivers: [{name: r}]
            """)
        let tree = RouteTree(config.route)
        let keys = tree.nodes.map(\.key)
        #expect(keys == ["{}", #"{}/{env=~"prod|stage",team="db"}"#, #"{}/{env=~"prod|stage",team="db"}/{severity!="info"}"#,
                         #"{}/{team="db"}"#, #"{}/{team="web"}"#])
        let db = Labels([Label("team", "db"), Label("env", "prod"), Label("severity", "info")])
        #expect(tree.match(db).map(\.path) == [[0], [1]], "the first child (its own child refuses info) and, by continue, the second")
        #expect(tree.match(Labels([Label("team", "web")])).map(\.path) == [[2]])
        #expect(tree.match(Labels([Label("team", "ops")])).map(\.path) == [[]], "no child: the root")
    }
}
