#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport
import Testing

/// `sonde rules test` must pass exactly the unit-test files `promtool test rules` (Prometheus 2.42)
/// passes. The corpus records promtool's verdict per file (`expected-outcomes.txt`, written by
/// `scripts/promtool-corpus.sh`); where promtool is installed the test also runs it, so a stale
/// record cannot hide a difference.
@Suite("promtool compatibility of sonde rules test", .exclusiveMachineUse)
struct PromtoolCompatibilityTests {
    static let repository: String = {
        var directory = #filePath
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            if access(directory + "/Package.swift", R_OK) == 0 && access(directory + "/alerts", R_OK) == 0 { return directory }
        }
        return "."
    }()

    static let corpus = repository + "/Tests/SondeRulesTests/PromtoolCorpus"

    static var promtoolInstalled: Bool {
        TestFiles.run(["sh", "-c", "command -v promtool >/dev/null"]) == 0
    }

    /// Exit status of `promtool test rules FILE`, its output discarded.
    static func promtool(_ file: String) -> Int32 {
        TestFiles.run(["sh", "-c", "promtool test rules \"$0\" >/dev/null 2>&1", file])
    }

    static func expectedOutcomes() -> [(file: String, passes: Bool)] {
        let text = String(decoding: TestFiles.read(corpus + "/expected-outcomes.txt"), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2, !line.hasPrefix("#") else { return nil }
            return (String(fields[0]), fields[1] == "pass")
        }
    }

    @Test("every corpus file passes with sonde exactly when it passes with promtool")
    func corpus() throws {
        let outcomes = Self.expectedOutcomes()
        #expect(outcomes.count >= 60, "the corpus has \(outcomes.count) files")
        #expect(outcomes.contains { $0.passes } && outcomes.contains { !$0.passes }, "passing and failing cases")
        let promtool = Self.promtoolInstalled
        for (file, passes) in outcomes {
            let path = Self.corpus + "/" + file
            let sonde = Sonde.run(["rules", "test", path])
            #expect((sonde.status == 0) == passes, "\(file): promtool says \(passes ? "pass" : "fail"), sonde exits \(sonde.status)\n\(sonde.stdout)\(sonde.stderr)")
            if promtool {
                #expect((Self.promtool(path) == 0) == passes, "\(file): the recorded promtool outcome is stale; run scripts/promtool-corpus.sh")
            }
        }
    }

    /// `scripts/promql-differential.py` with fixed seeds: random expressions over the whole
    /// function table and the aggregations, which sonde evaluates and promtool then checks.
    @Test("random expressions agree with promtool 2.42", arguments: [1, 2, 3])
    func differential(seed: Int) throws {
        try #require(Self.promtoolInstalled, "promtool is needed (apt-get install prometheus)")
        let output = "/tmp/sonde-differential-\(seed)-\(getpid()).out"
        defer { unlink(output) }
        let status = TestFiles.run([
            "sh", "-c", "SONDE=\"$0\" python3 \"$1\" \"$2\" 400 > \"$3\" 2>&1", Sonde.binary, Self.repository + "/scripts/promql-differential.py", "\(seed)", output,
        ])
        let text = String(decoding: TestFiles.read(output), as: UTF8.self)
        #expect(status == 0 && text.contains("real differences: 0"), "\(text)")
    }

    @Test("the default rules in alerts/ pass their unit tests, with sonde and with promtool")
    func defaultRules() throws {
        let tests = Self.files(in: Self.repository + "/alerts/tests", suffix: ".yaml")
        #expect(tests.count >= 6, "alerts/tests has a unit test per rule file")
        let listing = Sonde.run(["rules", "check"] + Self.files(in: Self.repository + "/alerts", suffix: ".yaml"))
        #expect(listing.status == 0, "\(listing.stderr)")
        for test in tests {
            let sonde = Sonde.run(["rules", "test", test])
            #expect(sonde.status == 0, "\(test)\n\(sonde.stdout)\(sonde.stderr)")
            if Self.promtoolInstalled { #expect(Self.promtool(test) == 0, "\(test) fails with promtool") }
        }
    }

    static func files(in directory: String, suffix: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(suffix) { names.append(directory + "/" + name) }
        }
        return names.sorted()
    }
}
