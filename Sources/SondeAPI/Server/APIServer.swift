import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SondeCore
#if canImport(Glibc)
import Glibc
#endif

/// The local HTTP API as a service of the agent's group: one Hummingbird application per address
/// (`api.listen`, and `api.unix_socket` when set), both on the same router.
public struct APIServer: Service {
    public let sources: APISources
    public let settings: APISettings
    public let statistics: APIStatistics
    let logger: Logger
    /// Called with each bound address (`127.0.0.1:9733`, or the socket's path): tests bind port 0 and read it here.
    let onListening: @Sendable (String) -> Void

    public init(
        sources: APISources, settings: APISettings, statistics: APIStatistics = APIStatistics(), logger: Logger,
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.sources = sources
        self.settings = settings
        self.statistics = statistics
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let router = APIRouter.make(sources: sources, settings: settings, statistics: statistics, logger: logger)
        var addresses: [(BindAddress, String)] = []
        if let listen = settings.listen { addresses.append((.hostname(listen.host, port: listen.port), listen.description)) }
        if let path = settings.unixSocket {
            // A socket left by an agent that did not stop cleanly would make the bind fail.
            var status = stat()
            if lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
            addresses.append((.unixDomainSocket(path: path), path))
        }
        let logger = self.logger
        let onListening = self.onListening
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (address, name) in addresses {
                let application = Application(
                    router: router, configuration: ApplicationConfiguration(address: address, serverName: nil),
                    onServerRunning: { channel in
                        let bound = channel.localAddress.flatMap { address -> String? in
                            guard let port = address.port else { return nil }
                            return (address.ipAddress?.contains(":") == true ? "[\(address.ipAddress!)]" : address.ipAddress ?? "") + ":\(port)"
                        } ?? name
                        logger.info("api listening", metadata: ["api.address": "\(bound)"])
                        onListening(bound)
                    },
                    logger: Self.quiet(logger))
                group.addTask { await Self.serve(application, name: name, logger: logger) }
            }
            try await group.waitForAll()
        }
    }

    /// Runs one listener; one that cannot bind (the port is taken, the folder is missing) is logged
    /// and tried again every 10 s, and never stops the rest of the agent.
    static func serve(_ application: some ApplicationProtocol, name: String, logger: Logger) async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await application.run()
                return
            } catch {
                if Task.isCancelled { return }
                if !failing { logger.error("api cannot listen; retrying every 10 s", metadata: ["api.address": "\(name)", "error": "\(error)"]) }
                failing = true
            }
            let stop = await cancelWhenGracefulShutdown { () -> Bool in
                (try? await Task.sleep(for: .seconds(10))) == nil
            }
            if stop || Task.isCancelled { return }
        }
    }

    /// Hummingbird logs each connection and its own start at info; the agent's log keeps its own
    /// lines only, so Hummingbird's go at warning and above.
    static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        return quiet
    }
}

/// The API's routes and middleware, in one router; the tests call it in process.
public enum APIRouter {
    public static func make(sources: APISources, settings: APISettings, statistics: APIStatistics, logger: Logger) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: AccessMiddleware(statistics: statistics, logger: logger))
        if let token = settings.token { router.add(middleware: BearerTokenMiddleware(token: Array(token.utf8))) }
        let queries = QueryRunner(sources: sources, settings: settings, gate: QueryGate(limit: settings.maxConcurrentQueries, statistics: statistics))
        PrometheusQueryRoutes(queries: queries).register(on: router)
        PrometheusSeriesRoutes(sources: sources).register(on: router)
        PrometheusRulesRoutes(sources: sources).register(on: router)
        PrometheusStatusRoutes(sources: sources, settings: settings).register(on: router)
        ExpositionRoutes(sources: sources, statistics: statistics).register(on: router)
        AlertmanagerRoutes(sources: sources).register(on: router)
        StatusPageRoutes(queries: queries).register(on: router)
        return router
    }
}
