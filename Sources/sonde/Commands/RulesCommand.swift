import ArgumentParser
import SondeCore
import SondeRules

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Work with Prometheus-format rule files.",
        subcommands: [RulesCheckCommand.self]
    )
}

struct RulesCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check Prometheus rule files as `promtool check rules` does.",
        discussion: """
            Reads each file's groups of recording and alerting rules and reports every problem with
            its file, line, column and rule: YAML errors, unknown fields, a rule with neither or both
            of record and alert, expressions that do not parse or do not type-check, bad durations,
            invalid rule and label names, repeated group names. Exit status 1 when any file has one.

            Examples:
              sonde rules check /etc/sonde/alerts/*.yaml
            """
    )

    @Argument(help: ArgumentHelp("Rule files (YAML).", valueName: "FILE"))
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            let text: String
            do {
                text = try TextFile.read(file)
            } catch {
                Terminal.error("error: cannot read \(file): \(error.message)")
                failed = true
                continue
            }
            do {
                let parsed = try RuleFile.parse(text, path: file)
                let rules = parsed.groups.reduce(0) { $0 + $1.rules.count }
                Terminal.out("\(file): \(parsed.groups.count) group(s), \(rules) rule(s): SUCCESS")
            } catch {
                for problem in error.errors { Terminal.error("error: \(problem)") }
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
