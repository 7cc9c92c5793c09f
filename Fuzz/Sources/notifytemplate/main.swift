// Fuzzes notification templates (the files `templates:` names, and Slack and SNS fields):
// `TemplateSet.add` on top of Alertmanager's defaults, then every template it defines, and the
// text itself as a field, rendered against fixed notification data. Invariants besides "does not
// trap or overflow the stack": parse errors point inside the text with a line and column and the
// parse code; rendering is deterministic; render errors carry the render code.
import FuzzDriver
import FuzzSupport
import SondeCore
import SondeNotify
import SondeRules

let data: TemplateValue = {
    let alerts = ["web-1", "web-2"].map { instance in
        NotifyAlert(labels: Labels([Label("alertname", "HighCPU"), Label("instance", instance)]), annotations: ["summary": "CPU <high> & \"hot\""],
                    startsAt: 1_700_000_000_000, endsAt: instance == "web-2" ? 1_700_000_100_000 : nil, updatedAt: 1_700_000_050_000, generatorURL: "http://g/?x=1")
    }
    return NotificationData(receiver: "ops", groupLabels: Labels([Label("alertname", "HighCPU")]), alerts: alerts,
                            externalURL: "http://sonde:9733", now: 1_700_000_050_000).templateValue
}()

func checkParseError(_ error: AlertTemplateError, _ source: String) {
    check(error.code == .parse, "parse error with a render code: \(error)")
    check(error.offset >= 0 && error.offset <= source.utf8.count && error.line >= 1 && error.column >= 1,
          "error position \(error.offset) \(error.line):\(error.column) outside \(source.debugDescription)")
}

func checkRender(_ render: () throws(AlertTemplateError) -> String) {
    let first = Result(catching: render)
    let second = Result(catching: render)
    check(first == second, "renders differently twice")
    if case .failure(let error) = first { check(error.code == .render, "render error with a parse code: \(error)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = text(bytes, size)
    var set = NotificationTemplates.defaults.set
    do {
        try set.add(source, name: "fuzz.tmpl")
    } catch {
        checkParseError(error, source)
        return 0
    }
    let defined = set
    for name in defined.names.prefix(16) {
        checkRender { () throws(AlertTemplateError) -> String in try defined.execute(name, data: data) }
    }
    checkRender { () throws(AlertTemplateError) -> String in try defined.render(source, data: data) }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
