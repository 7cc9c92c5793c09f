// Fuzzes the PromQL-subset parser (rule expressions and `sonde query`). Invariants besides "does
// not trap or overflow the stack": a parsed expression's `description` parses back to an equal
// expression, and errors point inside the input (or just past its end).
import FuzzDriver
import FuzzSupport
import SondeCore
import SondeRules

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(data, size)
    do {
        let expr = try PromQLParser.parse(source)
        let rendered = expr.description
        do {
            let again = try PromQLParser.parse(rendered)
            check(again == expr, "description \(rendered) of \(source.debugDescription) parses to another expression")
        } catch {
            check(false, "description \(rendered) of \(source.debugDescription) does not parse: \(error)")
        }
    } catch {
        check(error.line >= 1 && error.column >= 1, "error position \(error.line):\(error.column)")
    }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
