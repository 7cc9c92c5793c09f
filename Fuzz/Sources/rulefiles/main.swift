// Fuzzes the readers of rule files (which the agent loads from `rules.files`) and of promtool
// unit-test files (`sonde rules test`): `RuleFile.parse` and `RuleTestFile.parse`, through the YAML
// reader, the PromQL parser, templates and the series notation. Invariants besides "does not trap or
// overflow the stack": every error names a line and column inside the text, and every expression of
// an accepted rule file prints to text that parses back to the same tree.
import FuzzDriver
import FuzzSupport
import SondeCore
import SondeRules

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(bytes, size)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).count
    func checkPositions(_ errors: [ParseError], _ what: String) {
        check(!errors.isEmpty, "\(what): thrown without an error")
        for error in errors {
            check(error.line >= 1 && error.line <= lines + 1 && error.column >= 1,
                  "\(what): error at \(error.line):\(error.column) outside \(lines) lines: \(error)")
        }
    }
    do {
        let file = try RuleFile.parse(source, path: "fuzz.yaml")
        for group in file.groups {
            for rule in group.rules {
                let printed = rule.expr.description
                let reparsed = Result { () throws(ParseError) -> PromQLExpr in try PromQLParser.parse(printed) }
                check((try? reparsed.get()) == rule.expr, "rule \(rule.name): \(printed.debugDescription) does not parse back")
            }
        }
    } catch {
        checkPositions(error.errors, "rule file")
    }
    do {
        _ = try RuleTestFile.parse(source, path: "fuzz.test.yaml")
    } catch {
        checkPositions(error.errors, "test file")
    }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
