#if canImport(Glibc)
import Glibc
#endif
import SondeCore
import SondeTestSupport
import Testing
@testable import SondeStore

@Suite("Store: kill -9 while appending", .exclusiveMachineUse)
struct StoreCrashTests {
    /// `sonde-store-stress`, built beside the test bundle.
    static var stressBinary: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let executable = String(cString: Array(buffer[0..<max(0, length)]) + [0])
        var directory = executable
        // The test bundle may be a file (Linux: …/sondePackageTests.xctest) inside the build directory.
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            if access(directory + "/sonde-store-stress", X_OK) == 0 { return directory + "/sonde-store-stress" }
        }
        return ".build/debug/sonde-store-stress"
    }

    // The limit only catches a writer that hangs; it counts the wait for the machine lock too,
    // behind the other tests that drive real processes.
    @Test("SIGKILL at random moments: every durable step is there exactly, and verify passes", .timeLimit(.minutes(15)))
    func killNineRepeatedly() throws {
        let directory = TemporaryDirectory()
        let seriesCount = 50
        var generator = SplitMix64(seed: 2026)
        var nextStep = 0
        var killsWithDurableData = 0
        for round in 0..<24 {
            // Run the writer, let it append for a random while, then kill it without warning.
            var pipeEnds: [Int32] = [0, 0]
            #expect(pipe(&pipeEnds) == 0)
            let pid = spawn([
                StoreCrashTests.stressBinary, "--data-dir", directory.store, "--series", "\(seriesCount)",
                "--start-step", "\(nextStep)", "--flush-every", "5", "--max-bytes", "\(2 << 20)",
            ], stdout: pipeEnds[1])
            close(pipeEnds[1])
            usleep(useconds_t(50_000 + generator.next() % 400_000))
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(pipeEnds[0], &buffer, buffer.count)
                if count <= 0 { break }
                output.append(contentsOf: buffer[0..<count])
            }
            close(pipeEnds[0])
            let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
            #expect(!lines.contains { $0.hasPrefix("error") }, "round \(round): \(lines.filter { $0.hasPrefix("error") })")
            let durable = lines.compactMap { $0.hasPrefix("durable ") ? Int($0.dropFirst(8)) : nil }.last
            // On a loaded machine the first writer can be killed before it created anything: no
            // store yet is then the right outcome, and the next round creates it.
            if durable == nil, access(directory.store + "/store.meta", F_OK) != 0 { continue }

            let report = try Store.verify(directory: directory.store)
            #expect(report.isClean, "round \(round): \(report.problems)")

            let store = try Store.open(directory: directory.store, readOnly: true)
            for index in [0, seriesCount / 2, seriesCount - 1] {
                let samples = try rawSamples(store, "stress", ["series": "\(index)"])
                // Strictly increasing timestamps, every value exactly what was written.
                for (position, sample) in samples.enumerated() {
                    let step = Int(sample.timestamp / 1000)
                    if position > 0 && sample.timestamp <= samples[position - 1].timestamp {
                        Issue.record("round \(round): series \(index) not strictly increasing at step \(step)")
                        break
                    }
                    if sample.value != StressData.value(series: index, step: step) {
                        Issue.record("round \(round): series \(index) wrong value at step \(step)")
                        break
                    }
                }
                guard let durable else { continue }
                // No gap: from the oldest retained step through the last durable one, every step is there.
                let steps = Set(samples.map { Int($0.timestamp / 1000) })
                let oldest = samples.first.map { Int($0.timestamp / 1000) } ?? 0
                let missing = (oldest...durable).filter { !steps.contains($0) }
                #expect(missing.count == 0, "round \(round): series \(index) lost \(missing.count) durable steps from \(missing.first ?? 0)")
            }
            if let durable {
                killsWithDurableData += 1
                nextStep = durable + 1
            }
        }
        #expect(killsWithDurableData >= 20)
    }
}
