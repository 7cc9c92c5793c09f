import Hummingbird
import SondeCore
import SondeRules

/// `/api/v1/status/*`, `/-/healthy` and `/-/ready`.
struct PrometheusStatusRoutes {
    let sources: APISources
    let settings: APISettings

    func register(on router: Router<APIRequestContext>) {
        router.get("/api/v1/status/buildinfo") { _, _ in
            // Grafana reads `version` to choose which Prometheus features to use.
            APIResponse.success(
                "{\"version\":\"\(SondeBuild.prometheusVersion)\",\"revision\":\"sonde-\(SondeBuild.version)\",\"branch\":\"sonde\","
                    + "\"buildUser\":\"sonde\",\"buildDate\":\"\",\"goVersion\":\"none (sonde \(SondeBuild.version), Swift)\"}")
        }
        router.get("/api/v1/status/runtimeinfo") { _, _ in
            let stats = try? self.sources.store.stats()
            let oldest = stats?.tiers.compactMap(\.oldestMs).min()
            let retention = oldest.map { DurationParser.format((self.sources.clock.wallMilliseconds - $0) / 60_000 * 60_000) } ?? "0s"
            return APIResponse.success(
                "{\"startTime\":" + PrometheusJSON.string(TimestampFormat.rfc3339(milliseconds: self.sources.startedAt))
                    + ",\"CWD\":" + PrometheusJSON.string(self.sources.store.directory) + ",\"reloadConfigSuccess\":true"
                    + ",\"lastConfigTime\":" + PrometheusJSON.string(TimestampFormat.rfc3339(milliseconds: self.sources.startedAt))
                    + ",\"corruptionCount\":\(stats?.counters.unreadableChunks ?? 0),\"goroutineCount\":0,\"GOMAXPROCS\":0,\"GOGC\":\"\",\"GODEBUG\":\"\""
                    + ",\"storageRetention\":" + PrometheusJSON.string(retention + " (ring, by disk budget)") + "}")
        }
        router.get("/api/v1/status/flags") { _, _ in
            let flags: [(String, String)] = [
                ("query.timeout", DurationParser.format(self.settings.queryTimeout.inMilliseconds)),
                ("query.max-samples", String(self.settings.maxSamples)),
                ("query.max-concurrency", String(self.settings.maxConcurrentQueries)),
                ("query.lookback-delta", "5m"),
                ("storage.tsdb.path", self.sources.store.directory),
                ("web.listen-address", self.settings.listen.map(\.description) ?? ""),
            ]
            return APIResponse.success("{" + flags.map { PrometheusJSON.string($0.0) + ":" + PrometheusJSON.string($0.1) }.joined(separator: ",") + "}")
        }
        router.get("/api/v1/status/sonde") { _, _ in
            APIResponse.success(AgentStatusReport.gather(self.sources).json)
        }
        router.get("/-/healthy") { _, _ in APIResponse.text("sonde is Healthy.\n") }
        router.head("/-/healthy") { _, _ in APIResponse.text("") }
        router.get("/-/ready") { _, _ in
            self.sources.board.isReady
                ? APIResponse.text("sonde is Ready.\n")
                : APIResponse.text("Service Unavailable: the store or the collectors have not started yet.\n", status: .serviceUnavailable)
        }
    }
}
