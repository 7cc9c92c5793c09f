import SondeCore

/// The rule groups of a list of rule-file patterns, as `rules.files` and a unit test's `rule_files`
/// name them: each pattern expanded (a pattern matching nothing is fine; a plain path that does not
/// exist is an error), each file parsed, every problem of every file reported together.
public enum RuleSet {
    public struct LoadedGroup: Sendable, Equatable {
        public var file: String
        public var group: RuleGroup
    }

    public static func load(_ patterns: [String], relativeTo directory: String? = nil) throws(RuleFileErrors) -> [LoadedGroup] {
        var groups: [LoadedGroup] = []
        var problems: [ParseError] = []
        var seenFiles: Set<String> = []
        for pattern in patterns {
            let resolved = directory.map { pattern.hasPrefix("/") ? pattern : $0 + "/" + pattern } ?? pattern
            let files = FileGlob.isPattern(resolved) ? FileGlob.expand(resolved) : [resolved]
            for file in files where seenFiles.insert(file).inserted {
                let text: String
                do {
                    text = try TextFile.read(file)
                } catch {
                    problems.append(ParseError(file: file, line: 1, column: 1, message: "cannot read rule file: \(error.message)"))
                    continue
                }
                do {
                    let parsed = try RuleFile.parse(text, path: file)
                    groups += parsed.groups.map { LoadedGroup(file: file, group: $0) }
                } catch {
                    problems += error.errors
                }
            }
        }
        guard problems.isEmpty else { throw RuleFileErrors(errors: problems) }
        return groups
    }
}
