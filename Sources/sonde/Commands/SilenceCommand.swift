import ArgumentParser
import SondeCore
import SondeNotify

#if canImport(Glibc)
import Glibc
#endif

struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Add, list and expire silences (kept in the data directory; a running agent picks them up).",
        subcommands: [Add.self, List.self, Expire.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Silence the alerts that match every matcher, for a while.",
            discussion: """
                Matchers use Alertmanager's syntax: name="value", name!="value", name=~"regex",
                name!~"regex"; quotes are optional. Prints the new silence's ID.

                Examples:
                  sonde silence add 'alertname="HighCPU"' 'instance=~"web.*"' --duration 2h --comment "deploying"
                  sonde silence add alertname=DiskFull --start now+1h --duration 30m --comment "maintenance" --author ops
                """
        )

        @OptionGroup var data: DataDirOption
        @Argument(help: "Matchers, all of which an alert must satisfy.") var matchers: [String]
        @Option(help: "How long it lasts (Prometheus durations: 30m, 2h, 1d).") var duration = "1h"
        @Option(help: "When it starts: now, now+1h, an RFC 3339 time or Unix seconds.") var start = "now"
        @Option(help: "Why (required).") var comment: String
        @Option(help: "Who (default: $USER).") var author: String?

        func run() throws {
            let now = SystemClock().wallMilliseconds
            let startsAt: Int64
            let length: Int64
            do {
                startsAt = try TimeExpression.parse(start, now: now)
            } catch {
                throw ValidationError("--start: \(error.message)")
            }
            do {
                length = try DurationParser.parse(duration)
            } catch {
                throw ValidationError("--duration: \(error.message)")
            }
            let who = author ?? getenv("USER").map { String(cString: $0) } ?? "sonde"
            do {
                let silence = try SilenceFile(directory: data.dataDir + "/notify").add(
                    matchers: matchers, startsAt: startsAt, endsAt: startsAt + length, createdBy: who, comment: comment, now: now)
                Terminal.out(silence.id)
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The silences that are active or pending (with --expired, the expired ones too).",
            discussion: """
                Example:
                  sonde silence list --data-dir /var/lib/sonde
                """
        )

        @OptionGroup var data: DataDirOption
        @Flag(help: "Include expired silences.") var expired = false

        func run() throws {
            let now = SystemClock().wallMilliseconds
            let silences = try SilenceFile(directory: data.dataDir + "/notify").load().filter { expired || $0.state(at: now) != .expired }
            Terminal.out("ID\tSTATE\tMATCHERS\tSTARTS\tENDS\tCREATED BY\tCOMMENT")
            for silence in silences {
                let matchers = silence.matchers.compactMap { try? $0.labelMatcher.description }.joined(separator: ",")
                Terminal.out([
                    silence.id, silence.state(at: now).rawValue, matchers, TimestampFormat.rfc3339(milliseconds: silence.startsAt),
                    TimestampFormat.rfc3339(milliseconds: silence.endsAt), silence.createdBy, silence.comment,
                ].joined(separator: "\t"))
            }
        }
    }

    struct Expire: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End silences now.",
            discussion: """
                Example:
                  sonde silence expire 0c4f2a1e-6c1d-4b7e-9a8f-1e2d3c4b5a69
                """
        )

        @OptionGroup var data: DataDirOption
        @Argument(help: "Silence IDs, as `sonde silence list` prints them.") var ids: [String]

        func run() throws {
            let now = SystemClock().wallMilliseconds
            for id in ids {
                do {
                    try SilenceFile(directory: data.dataDir + "/notify").expire(id: id, now: now)
                } catch {
                    throw ValidationError(error.message)
                }
            }
        }
    }
}
