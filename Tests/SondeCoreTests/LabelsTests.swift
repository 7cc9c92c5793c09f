import SondeCore
import Testing

@Suite("Labels")
struct LabelsTests {
    @Test("sorted by name, last duplicate wins, empty values dropped")
    func canonicalForm() {
        let labels = Labels([Label("b", "2"), Label("__name__", "m"), Label("a", "1"), Label("b", "3"), Label("c", "")])
        #expect(labels.pairs.map(\.name) == ["__name__", "a", "b"])
        #expect(labels["b"] == "3")
        #expect(labels == Labels(name: "m", ["a": "1", "b": "3"]))
    }

    @Test("description escapes every newline, also inside \\r\\n (found by fuzzing), and parses back")
    func escaping() throws {
        let labels = Labels(name: "a", ["b": "x\r\ny\"z\\"])
        #expect(labels.description == #"a{b="x\#r\ny\"z\\"}"#)
        let selector = try SeriesSelector.parse(labels.description)
        #expect(selector.matches(labels))
    }
}
