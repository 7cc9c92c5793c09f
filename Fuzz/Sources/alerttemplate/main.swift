// Fuzzes alert templates (rule files' labels and annotations): `AlertTemplate.parse`, then
// `render` with fixed data. Invariants besides "does not trap or overflow the stack": errors point
// inside the text (or just past its end) with a line and column, only a parsed template renders,
// rendering is deterministic, and render errors are render errors.
import FuzzDriver
import FuzzSupport
import SondeRules

let data = AlertTemplateData(
    labels: ["instance": "db-1:5432", "job": "postgres", "__name__": "up"], value: 1234.5,
    externalLabels: ["cluster": "eu1"], externalURL: "http://sonde.example:9090/x")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(bytes, size)
    let template: AlertTemplate
    do {
        template = try AlertTemplate.parse(source)
    } catch {
        check(error.code == .parse, "parse error with a render code: \(error)")
        check(error.offset >= 0 && error.offset <= source.utf8.count && error.line >= 1 && error.column >= 1,
              "error position \(error.offset) \(error.line):\(error.column) outside \(source.debugDescription)")
        return 0
    }
    let first = Result { () throws(AlertTemplateError) -> String in try template.render(data) }
    let second = Result { () throws(AlertTemplateError) -> String in try template.render(data) }
    check(first == second, "\(source.debugDescription) renders differently twice")
    if case .failure(let error) = first { check(error.code == .render, "render error with a parse code: \(error)") }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
