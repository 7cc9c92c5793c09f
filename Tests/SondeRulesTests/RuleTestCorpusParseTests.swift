import Foundation
import SondeRules
import Testing

/// Every promtool test file sonde ships or keeps as a compatibility corpus must load: its series
/// notation, label sets and expressions are inside what sonde reads (running them is the runner's
/// test).
@Suite("promtool test files in the repository")
struct RuleTestCorpusParseTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func testFiles(_ folder: String) -> [URL] {
        let url = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".test.yaml") }.sorted().map { url.appendingPathComponent($0) }
    }

    @Test("alerts/tests and the promtool corpus load", arguments: ["alerts/tests", "Tests/SondeRulesTests/PromtoolCorpus"])
    func load(_ folder: String) throws {
        let files = Self.testFiles(folder)
        #expect(files.count >= (folder == "alerts/tests" ? 6 : 60))
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            do {
                let parsed = try RuleTestFile.parse(text, path: file.path)
                #expect(!parsed.tests.isEmpty, "\(file.lastPathComponent) has no tests")
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test("expected-outcomes.txt lists every corpus file once")
    func outcomes() throws {
        let folder = Self.root.appendingPathComponent("Tests/SondeRulesTests/PromtoolCorpus")
        let text = try String(contentsOf: folder.appendingPathComponent("expected-outcomes.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let listed = lines.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(listed.sorted() == Self.testFiles("Tests/SondeRulesTests/PromtoolCorpus").map(\.lastPathComponent))
        for line in lines {
            let parts = line.split(separator: " ")
            #expect(parts.count == 2 && (parts[1] == "pass" || parts[1] == "fail"), "\(line)")
            // Names say what is meant: deliberately failing cases end in -fails.
            #expect((parts[1] == "fail") == parts[0].hasSuffix("-fails.test.yaml"), "\(line)")
        }
    }
}
