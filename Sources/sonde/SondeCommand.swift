import ArgumentParser

@main
struct SondeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sonde",
        abstract: "A lightweight observability agent: collects, stores, alerts and ships host metrics.",
        discussion: """
            Examples:
              sonde run                                  start the agent (data in ./sonde-data)
              sonde check --config sonde.yaml            validate a configuration, print it
              sonde import dump.om.gz                    backfill OpenMetrics text with timestamps
              sonde logs import --app myapp access.log.1.gz   backfill request metrics from Gunicorn logs
              sonde query 'node_load1' --start now-1h       raw samples of the last hour
              sonde store stats                          what the store holds, per tier
              sonde status                               the running agent: alerts, collectors, store
              sonde ship --dry-run --since 1h            what ship.cloudwatch would send, and its monthly cost
              sonde notify test --config sonde.yaml      send a test notification through the route
            """,
        subcommands: [RunCommand.self, CheckCommand.self, ImportCommand.self, LogsCommand.self, QueryCommand.self, RulesCommand.self, NotifyCommand.self, SilenceCommand.self, ShipCommand.self, StatusCommand.self, StoreCommand.self]
    )
}

/// `--data-dir`, shared by every command.
struct DataDirOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store's directory.", valueName: "DIR"))
    var dataDir: String = "./sonde-data"
}
