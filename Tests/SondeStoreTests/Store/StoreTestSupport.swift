#if canImport(Glibc)
import Glibc
#endif
import SondeCore
import SondeTestSupport
@testable import SondeStore

extension TemporaryDirectory {
    /// Where a test's store lives inside the directory.
    var store: String { path + "/store" }
}

/// Starts a process; returns its pid.
func spawn(_ arguments: [String], stdout: Int32? = nil) -> pid_t {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    if let stdout { posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
    posix_spawn_file_actions_destroy(&actions)
    precondition(result == 0, "posix_spawn \(arguments[0]) failed: \(result)")
    return pid
}

/// Small stores wrap quickly; tests use them to exercise the ring.
func smallOptions(budget: Int64 = 1 << 20) -> StoreOptions {
    var options = StoreOptions()
    options.maxBytes = budget
    options.selfMetricsIntervalMilliseconds = .max / 2
    return options
}

func series(_ name: String, _ labels: [String: String] = [:]) -> Labels { Labels(name: name, labels) }

/// Reads one series' raw samples as (timestamp, value bits) pairs.
func rawSamples(_ store: Store, _ name: String, _ labels: [String: String] = [:], start: Int64 = .min, end: Int64 = .max, tier: Tier = .raw) throws -> [Sample] {
    var matchers = [LabelMatcher.equal("__name__", name)]
    for (key, value) in labels { matchers.append(.equal(key, value)) }
    let found = try store.select(matchers, start: start, end: end, tier: .tier(tier))
    guard let first = found.first else { return [] }
    return zip(first.timestamps, first.values).map { Sample(timestamp: $0, value: $1) }
}

