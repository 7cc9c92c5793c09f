// Fuzzes `SeriesSelector.parse` (the `--match` flag and the API's `match[]`) and the PromQL lexer
// under it. Invariants checked besides "does not trap":
// - the lexer, run to the end of the input, makes progress and yields in-bounds token ranges;
// - a parsed selector's `description` (documented as "parseable by `parse`") parses back to an
//   equal selector, and matching it against a few label sets does not trap.
import FuzzDriver
import FuzzSupport
import SondeCore

private let probes: [Labels] = [
    Labels(name: "up"),
    Labels(name: "http_requests_total", ["job": "api", "code": "500"]),
    Labels([Label("job", "")]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(data, size)
    let utf8Count = source.utf8.count

    var lexer = PromQLLexer(source, fileName: "fuzz")
    var previousEnd = 0
    for _ in 0...(utf8Count + 1) {
        guard let token = try? lexer.next() else { break }
        check(token.range.lowerBound >= previousEnd && token.range.upperBound <= utf8Count,
              "token range \(token.range) out of order or past the input (\(utf8Count) bytes)")
        previousEnd = token.range.upperBound
        if token.kind == .endOfInput { break }
    }

    guard let selector = try? SeriesSelector.parse(source) else { return 0 }
    check(!selector.matchers.isEmpty, "parsed selector without matchers")
    let rendered = selector.description
    do {
        let again = try SeriesSelector.parse(rendered)
        check(again == selector, "description \(rendered) of \(source.debugDescription) parses to \(again)")
    } catch {
        check(false, "description \(rendered) of \(source.debugDescription) does not parse: \(error)")
    }
    for labels in probes { _ = selector.matches(labels) }
    return 0
}


sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
