import ArgumentParser
import Logging
import SondeAgent
import SondeCore
import SondeNotify
import SondeRules

/// `sonde run`: the agent in the foreground (the systemd service runs exactly this).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent in the foreground.",
        discussion: """
            Without --config the embedded defaults apply: loopback only, host and process metrics
            every 10 s, a StatsD listener on 127.0.0.1:8125 (see `sonde check` for all of it).
            SIGHUP reloads the configuration (an invalid file is rejected and the old one kept);
            SIGTERM or SIGINT stops cleanly, the store flushed last.

            Examples:
              sonde run
              sonde run --config /etc/sonde/sonde.yaml --data-dir /var/lib/sonde
            """
    )

    @OptionGroup var data: DataDirOption

    @Option(help: ArgumentHelp("Configuration file (YAML).", valueName: "FILE"))
    var config: String?

    func run() async throws {
        // Only the executable sets up logging; every library logs through the logger it is given.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "sonde")
        logger.logLevel = .info
        do {
            try await Agent.run(configPath: config, dataDirectory: data.dataDir, logger: logger)
        } catch let error as ParseError {
            throw ValidationError("\(error)")
        }
    }
}

/// `sonde check`: validates a configuration and prints the effective one, secrets redacted.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration and print the effective one, secrets redacted.",
        discussion: """
            Errors name the file, line, column and key path, e.g.
              sonde.yaml:7:25: collectors.process.groups[1].match.cmdline: invalid regular expression: …

            Examples:
              sonde check
              sonde check --config /etc/sonde/sonde.yaml
            """
    )

    @Option(help: ArgumentHelp("Configuration file (YAML); without it, the embedded defaults.", valueName: "FILE"))
    var config: String?

    func run() throws {
        let parsed: SondeConfig
        do {
            parsed = try SondeConfig.load(path: config)
            try CollectorFactory.validate(parsed)
            if parsed.notify.isConfigured { try NotifyWiring.check(parsed.notify, environment: ProcessEnvironment.current()) }
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        do {
            _ = try RuleSet.load(parsed.rules.files)
        } catch {
            for problem in error.errors { Terminal.error("error: \(problem)") }
            throw ExitCode(1)
        }
        Terminal.out("# effective configuration (\(config ?? "embedded defaults")), secrets redacted")
        print(parsed.rendered(), terminator: "")
    }
}
