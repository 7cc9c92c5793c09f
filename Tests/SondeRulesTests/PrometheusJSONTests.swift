import SondeCore
import SondeRules
import Testing

@Suite struct PrometheusJSONTests {
    @Test func vectorSortedByLabelsWithValuesAsStrings() {
        let samples = [
            PromQLSample(labels: Labels(name: "up", ["job": "web"]), value: .nan, timestamp: 0),
            PromQLSample(labels: Labels(name: "up", ["job": "api\"\n\u{1}"]), value: -.infinity, timestamp: 0),
        ]
        #expect(PrometheusJSON.instant(.vector(samples), at: 1_700_000_000_500) == #"""
            {"resultType":"vector","result":[{"metric":{"__name__":"up","job":"api\"\n\u0001"},"value":[1700000000.5,"-Inf"]},{"metric":{"__name__":"up","job":"web"},"value":[1700000000.5,"NaN"]}]}
            """#)
    }

    @Test func scalarStringAndMatrix() {
        #expect(PrometheusJSON.instant(.scalar(1.5), at: 2_000) == #"{"resultType":"scalar","result":[2,"1.5"]}"#)
        #expect(PrometheusJSON.instant(.string("a\\b"), at: 2_000) == #"{"resultType":"string","result":[2,"a\\b"]}"#)
        #expect(PrometheusJSON.matrix([(Labels(name: "x"), [1_000, 2_001], [1, 2e21])]) == #"""
            {"resultType":"matrix","result":[{"metric":{"__name__":"x"},"values":[[1,"1"],[2.001,"2e+21"]]}]}
            """#)
        #expect(PrometheusJSON.matrix([]) == #"{"resultType":"matrix","result":[]}"#)
    }
}
