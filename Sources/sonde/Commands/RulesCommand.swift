import ArgumentParser
import SondeCore
import SondeRules

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Work with Prometheus-format rule files.",
        subcommands: [RulesCheckCommand.self, RulesTestCommand.self]
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

struct RulesTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule unit tests written for `promtool test rules`.",
        discussion: """
            Reads promtool's unit-test format: rule_files, evaluation_interval, group_eval_order and
            tests with input_series (`1+2x10`, `5x3`, `_`, `stale`), alert_rule_test and
            promql_expr_test. A file passes here exactly when it passes with promtool 2.42.
            Exit status 1 when any test fails.

            Examples:
              sonde rules test alerts/tests/*.yaml
            """
    )

    @Argument(help: ArgumentHelp("Unit-test files (YAML).", valueName: "FILE"))
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            Terminal.out("Unit Testing:  \(file)")
            let text: String
            do {
                text = try TextFile.read(file)
            } catch {
                Terminal.out("  FAILED:\n    cannot read \(file): \(error.message)\n")
                failed = true
                continue
            }
            let parsed: RuleTestFile
            do {
                parsed = try RuleTestFile.parse(text, path: file)
            } catch {
                Terminal.out("  FAILED:")
                for problem in error.errors { Terminal.out("    \(problem)") }
                Terminal.out("")
                failed = true
                continue
            }
            let outcome = RuleTestRunner.run(parsed)
            if outcome.passed {
                Terminal.out("  SUCCESS\n")
            } else {
                // As promtool: the verdict's details on standard error, one blank line between failures.
                Terminal.error("  FAILED:")
                Terminal.error(outcome.failures.joined(separator: "\n\n"))
                Terminal.error("")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
