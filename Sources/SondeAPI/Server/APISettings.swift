import SondeCore

/// The API's settings from `api:`, with the token read from its file.
public struct APISettings: Sendable {
    public var listen: ListenAddress?
    public var unixSocket: String?
    public var token: String?
    public var queryTimeout: Duration
    public var maxSamples: Int
    public var maxConcurrentQueries: Int
    /// The step of a subquery written without one: `rules.evaluation_interval`, as Prometheus
    /// takes its global evaluation interval.
    public var subqueryStep: Duration = .seconds(60)

    public init(
        listen: ListenAddress?, unixSocket: String? = nil, token: String? = nil, queryTimeout: Duration = .seconds(30),
        maxSamples: Int = 50_000_000, maxConcurrentQueries: Int = 4
    ) {
        self.listen = listen
        self.unixSocket = unixSocket
        self.token = token
        self.queryTimeout = queryTimeout
        self.maxSamples = maxSamples
        self.maxConcurrentQueries = maxConcurrentQueries
    }

    /// From the configuration; reads `token_file`, which must hold a token (surrounding
    /// whitespace and the final newline are not part of it).
    public init(_ config: APIConfig) throws(SondeError) {
        self.init(
            listen: config.listen, unixSocket: config.unixSocket, queryTimeout: config.queryTimeout, maxSamples: config.maxSamples,
            maxConcurrentQueries: config.maxConcurrentQueries)
        if let path = config.tokenFile {
            let text: String
            do {
                text = try TextFile.read(path)
            } catch {
                throw SondeError(.io, "api.token_file: cannot read \(path): \(error.message)")
            }
            let trimmed = String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
            guard trimmed.count >= 16 else { throw SondeError(.invalidArgument, "api.token_file: \(path) must hold a token of at least 16 characters") }
            token = trimmed
        }
    }
}
