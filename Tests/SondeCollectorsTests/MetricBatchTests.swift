import SondeCollectors
import SondeCore
import Testing

@Suite("MetricBatch")
struct MetricBatchTests {
    @Test("builds sorted label sets with the metric name, dropping empty values")
    func adds() {
        var batch = MetricBatch()
        batch.add("node_load1", 0.5)
        batch.add("node_cpu_seconds_total", 12, [("mode", "idle"), ("cpu", "0"), ("empty", "")])
        #expect(batch.count == 2)
        #expect(batch.samples[1].labels == Labels(name: "node_cpu_seconds_total", ["cpu": "0", "mode": "idle"]))
        #expect(batch.samples[0].labels.description == "node_load1")
    }
}
