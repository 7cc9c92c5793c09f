import ArgumentParser
import SondeAgent
import SondeCore
import SondeNotify

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Notification tools.",
        subcommands: [Test.self]
    )

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test notification through the configured route, now, and say what each receiver answered.",
            discussion: """
                The test alert is alertname="SondeTestNotification" with this host as instance, plus
                any --label; it goes where the route sends such an alert (or to --receiver), rendered
                with the configured templates, straight to each integration: no outbox, silences,
                inhibition or time intervals. Exits 1 if any integration did not take it.

                Examples:
                  sonde notify test --config /etc/sonde/sonde.yaml
                  sonde notify test --config /etc/sonde/sonde.yaml --label severity=critical
                  sonde notify test --config /etc/sonde/sonde.yaml --receiver pager
                """
        )

        @Option(help: ArgumentHelp("Configuration file (YAML); without it, the embedded defaults.", valueName: "FILE"))
        var config: String?
        @Option(help: ArgumentHelp("Send to this receiver's integrations instead of following the route.", valueName: "NAME"))
        var receiver: String?
        @Option(name: .customLong("label"), help: ArgumentHelp("A label of the test alert (repeatable), to exercise a route.", valueName: "NAME=VALUE"))
        var labels: [String] = []

        func run() async throws {
            var labelMap: [String: String] = [:]
            for label in labels {
                guard let equals = label.firstIndex(of: "="), equals != label.startIndex else {
                    throw ValidationError("--label \(label): expected NAME=VALUE")
                }
                labelMap[String(label[..<equals])] = String(label[label.index(after: equals)...])
            }
            let results: [NotificationTest.Result]
            do {
                results = try await NotifyWiring.test(SondeConfig.load(path: config), receiver: receiver, labels: labelMap)
            } catch {
                Terminal.error("error: \(error)")
                throw ExitCode(1)
            }
            var failed = false
            for result in results {
                for failure in result.templateFailures { Terminal.error("warning: \(result.integration): template \(failure); the default was used") }
                switch result.outcome {
                case .delivered:
                    Terminal.out("\(result.integration)\tdelivered")
                case .retry(let reason):
                    failed = true
                    Terminal.out("\(result.integration)\tnot delivered: \(reason) (the agent would retry)")
                case .rejected(let reason, let detail):
                    failed = true
                    Terminal.out("\(result.integration)\tnot delivered: \(reason): \(detail) (the agent would drop it)")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
