import ArgumentParser
import SondeCore
import SondeStore

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect the store.",
        subcommands: [Stats.self, Verify.self]
    )

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per tier: series, samples, bytes used and allocated, bytes per sample, oldest and newest data.",
            discussion: """
                bytes_used counts everything a tier's live data occupies on disk: chunk records, segment
                headers, indexes and trailers, open chunks; the raw tier also counts the series index.
                The raw tier's bytes_allocated includes the series index, head log and snapshot slots,
                so the tiers add up to the whole budget.

                Examples:
                  sonde store stats
                  sonde store stats --json --data-dir /var/lib/sonde
                """
        )

        @OptionGroup var data: DataDirOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let store = try Store.open(directory: data.dataDir, readOnly: true)
            let stats = try store.stats()
            if json {
                Terminal.out(StatsOutput.json(stats))
            } else {
                StatsOutput.table(stats).forEach(Terminal.out)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every checksum and structure; exit status 1 when anything is damaged.",
            discussion: """
                Changes nothing. What a crash leaves behind by design (a torn last record, an unfinished
                snapshot next to a complete one) is not damage; the next open drops it.

                Example:
                  sonde store verify --data-dir /var/lib/sonde
                """
        )

        @OptionGroup var data: DataDirOption

        func run() throws {
            let report = try Store.verify(directory: data.dataDir)
            let checked = report.checked.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            if report.isClean {
                Terminal.out("ok: \(checked.isEmpty ? "empty store" : checked)")
                return
            }
            for problem in report.problems { Terminal.out("damaged: \(problem)") }
            Terminal.out("\(report.problems.count) problem(s); checked \(checked)")
            throw ExitCode(1)
        }
    }
}

enum StatsOutput {
    static func json(_ stats: StoreStats) -> String {
        var out = "{\"budget_bytes\":\(stats.budget),\"series\":\(stats.seriesTotal),\"tiers\":["
        for (index, tier) in stats.tiers.enumerated() {
            if index > 0 { out += "," }
            out += "{\"name\":\"\(tier.name)\",\"series\":\(tier.series),\"samples\":\(tier.samples),"
            out += "\"bytes_used\":\(tier.bytesUsed),\"bytes_allocated\":\(tier.bytesAllocated),"
            out += "\"bytes_per_sample\":\(Terminal.format(tier.bytesPerSample, decimals: 4)),"
            out += "\"oldest_ms\":\(tier.oldestMs.map(String.init) ?? "null"),\"newest_ms\":\(tier.newestMs.map(String.init) ?? "null")}"
        }
        return out + "]}"
    }

    static func table(_ stats: StoreStats) -> [String] {
        var lines = ["budget \(ByteSize.format(stats.budget)), \(stats.seriesTotal) series"]
        let header = ["tier", "series", "samples", "used", "allocated", "bytes/sample", "oldest", "newest"]
        var rows = [header]
        for tier in stats.tiers {
            rows.append([
                tier.name, String(tier.series), String(tier.samples),
                ByteSize.format(Int64(tier.bytesUsed)), ByteSize.format(Int64(tier.bytesAllocated)),
                Terminal.format(tier.bytesPerSample, decimals: 3),
                tier.oldestMs.map { TimestampFormat.rfc3339(milliseconds: $0) } ?? "-",
                tier.newestMs.map { TimestampFormat.rfc3339(milliseconds: $0) } ?? "-",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.indices.map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }.joined(separator: "  "))
        }
        return lines
    }
}
