import SondeCore
import SondeRules
import SondeStore

/// How every route evaluates PromQL: one engine over the store, under the API's limits (samples,
/// deadline), on the gate's threads, with the engine's failures turned into Prometheus' codes
/// (422 over the sample limit, 503 out of time, 400 refused input). `/api/v1/query_range` and the
/// status page's `/graph` both go through here, so a chart is bounded exactly as a query is.
struct QueryRunner: Sendable {
    let sources: APISources
    let settings: APISettings
    let gate: QueryGate

    /// `api.query_timeout`, or less when the caller asks for less.
    func limits(timeout asked: Duration? = nil) -> PromQLLimits {
        PromQLLimits(maxSamples: settings.maxSamples, timeout: asked.map { min($0, settings.queryTimeout) } ?? settings.queryTimeout)
    }

    func engine(tier: Store.TierChoice, maxRollup: Tier = .hour, limits: PromQLLimits) -> PromQLEngine {
        var engine = PromQLEngine(source: StoreSampleSource(store: sources.store, tier: tier, maxRollup: maxRollup))
        engine.limits = limits
        engine.defaultSubqueryStepMilliseconds = settings.subqueryStep.inMilliseconds
        return engine
    }

    /// `expr` at `at`, handed to `render` on the query's thread (rendering a large answer is work too).
    func instant<T: Sendable>(
        _ expr: PromQLExpr, at: Int64, tier: Store.TierChoice = .automatic, maxRollup: Tier = .hour, limits: PromQLLimits,
        render: @escaping @Sendable (PromQLValue) -> T
    ) async throws(APIError) -> T {
        let query = engine(tier: tier, maxRollup: maxRollup, limits: limits)
        return try await gate.run { () throws(APIError) -> T in
            do throws(SondeError) {
                return render(try query.instantQuery(expr, at: at))
            } catch {
                throw APIError.query(error)
            }
        }
    }

    /// `expr` at every `step` from `start` to `end`, its series sorted by labels, handed to `render`
    /// on the query's thread.
    func range<T: Sendable>(
        _ expr: PromQLExpr, start: Int64, end: Int64, step: Int64, tier: Store.TierChoice = .automatic, maxRollup: Tier = .hour, limits: PromQLLimits,
        render: @escaping @Sendable ([PromQLSeries]) -> T
    ) async throws(APIError) -> T {
        let query = engine(tier: tier, maxRollup: maxRollup, limits: limits)
        return try await gate.run { () throws(APIError) -> T in
            do throws(SondeError) {
                let series = try query.rangeQuery(expr, start: start, end: end, step: step)
                return render(series.sorted { $0.labels.description < $1.labels.description })
            } catch {
                throw APIError.query(error)
            }
        }
    }
}
