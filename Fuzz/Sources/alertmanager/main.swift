// Fuzzes the Alertmanager configuration reader (`notify.config_file` or `notify:` inline) and the
// matcher syntax (`matchers:`, `sonde silence add`). Invariants besides "does not trap or overflow
// the stack": every configuration error names a line and column inside the text; an accepted
// configuration routes a fixed alert to receivers it defines; each line taken as matchers either
// fails with a message or gives matchers whose printed form parses back to the same matchers.
import FuzzDriver
import FuzzSupport
import SondeCore
import SondeNotify

let probe = Labels([Label("alertname", "HighCPU"), Label("instance", "web-1"), Label("severity", "critical")])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(bytes, size)
    // YAML breaks lines at \n, \r\n and a lone \r, as Swift's isNewline does.
    let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    do {
        let config = try AlertmanagerConfig.parse(source, file: "fuzz.yml")
        for node in RouteTree(config.route).match(probe) {
            check(config.receiver(named: node.route.receiver) != nil, "routed to undefined receiver \(node.route.receiver)")
            _ = node.groupKey(groupLabels: node.groupLabels(of: probe))
        }
    } catch {
        check(error.line >= 1 && error.line <= lines.count + 1 && error.column >= 1,
              "error at \(error.line):\(error.column) outside \(lines.count) lines: \(error)")
    }
    for line in lines.prefix(64) {
        let parsed: [LabelMatcher]
        do {
            parsed = try AlertmanagerMatchers.parse(String(line))
        } catch {
            check(!error.message.isEmpty, "matcher error without a message for \(line.debugDescription)")
            continue
        }
        let printed = parsed.map(\.description).joined(separator: ",")
        let reparsed = try? AlertmanagerMatchers.parse(printed)
        check(reparsed == parsed, "\(line.debugDescription) prints as \(printed.debugDescription), which parses to \(String(describing: reparsed))")
    }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
