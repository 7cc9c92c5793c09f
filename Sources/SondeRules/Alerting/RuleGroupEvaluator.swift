import SondeCore

/// Expands one label or annotation template of an alerting rule for one alert: the template text,
/// the alert's labels (with `__name__` if the expression kept it) and its value.
public typealias AlertTemplateExpander = @Sendable (_ template: String, _ labels: Labels, _ value: Double) -> String

/// Where rule results go: the store for the agent, memory for `sonde rules test`. A write must be
/// visible to the next rule's query at once, because rules of a group may read each other's results.
public protocol RuleSampleSink: Sendable {
    func write(_ labels: Labels, timestamp: Int64, value: Double)
}

/// One group of rules with the state it carries from one evaluation to the next: each alerting
/// rule's alerts, and the series each rule wrote last time (which get a staleness marker when a
/// rule stops returning them, as Prometheus writes them).
///
/// Rules run in file order and each sees what the ones before it wrote at the same timestamp. A
/// rule that fails keeps its previous series and alerts; the others still run.
public struct RuleGroupEvaluator: Sendable {
    public let group: RuleGroup
    /// Alerting rules' states by rule index.
    public private(set) var alertStates: [Int: AlertingRuleState] = [:]
    /// The last error of each rule by index; cleared when it evaluates again without one.
    public private(set) var lastErrors: [Int: String] = [:]
    /// How long each rule's last evaluation took, in seconds, by index (`/api/v1/rules`' `evaluationTime`).
    public private(set) var lastDurations: [Int: Double] = [:]
    private var previousSeries: [Int: Set<Labels>] = [:]

    /// A rule's result after its labels are applied.
    public struct Transition: Sendable, Equatable {
        public var group: String
        public var rule: String
        public var transition: AlertTransition
    }

    public struct RoundResult: Sendable {
        public var transitions: [Transition] = []
        /// Rules that failed this round, with why.
        public var failures: [(rule: String, message: String)] = []
        public var samplesWritten = 0
    }

    public init(group: RuleGroup, restoring alerts: [String: [ActiveAlert]] = [:]) {
        self.group = group
        for (index, rule) in group.rules.enumerated() {
            guard case .alerting(_, let hold, let keepFiringFor, _) = rule.kind else { continue }
            alertStates[index] = AlertingRuleState(
                holdMilliseconds: hold, keepFiringForMilliseconds: keepFiringFor,
                alerts: alerts[Self.stateKey(group: group.name, rule: rule)] ?? [])
        }
    }

    /// How a rule's alerts are keyed in the persisted state: moving a rule within its file keeps
    /// its alerts; changing its name or expression starts it afresh.
    public static func stateKey(group: String, rule: Rule) -> String {
        group + "\u{1F}" + rule.name + "\u{1F}" + rule.exprText
    }

    /// Every alerting rule's alerts by `stateKey`, for persisting.
    public var alertsByKey: [String: [ActiveAlert]] {
        var result: [String: [ActiveAlert]] = [:]
        for (index, state) in alertStates where !state.allAlerts.isEmpty {
            result[Self.stateKey(group: group.name, rule: group.rules[index])] = state.allAlerts
        }
        return result
    }

    /// Evaluates every rule at `time`, writing recording rules' results, `ALERTS` and
    /// `ALERTS_FOR_STATE` through `sink`. The engine's limits, if any, bound each rule's query on
    /// its own (a rule over them fails alone, as in Prometheus).
    public mutating func evaluate(
        at time: Int64, engine: PromQLEngine, sink: some RuleSampleSink, expand: AlertTemplateExpander
    ) -> RoundResult {
        var round = RoundResult()
        // Rules of one round share what they read; a write drops what it could change.
        let cache = PromQLSelectionCache()
        var engine = engine
        engine.selectionCache = cache
        func write(_ labels: Labels, _ value: Double) {
            sink.write(labels, timestamp: time, value: value)
            cache.invalidate(labels)
        }
        let clock = ContinuousClock()
        for (index, rule) in group.rules.enumerated() {
            let started = clock.now
            defer { lastDurations[index] = (clock.now - started).inSeconds }
            engine.limits = engine.limits?.renewed()
            do {
                let output = try evaluateRule(index, rule, at: time, engine: engine, expand: expand, round: &round)
                for (labels, value) in output { write(labels, value) }
                let current = Set(output.map(\.0))
                for labels in previousSeries[index] ?? [] where !current.contains(labels) {
                    write(labels, StaleMarker.value)
                }
                previousSeries[index] = current
                round.samplesWritten += output.count
                lastErrors[index] = nil
            } catch {
                lastErrors[index] = error.message
                round.failures.append((rule.name, error.message))
            }
        }
        return round
    }

    private mutating func evaluateRule(
        _ index: Int, _ rule: Rule, at time: Int64, engine: PromQLEngine, expand: AlertTemplateExpander, round: inout RoundResult
    ) throws(SondeError) -> [(Labels, Double)] {
        let samples: [PromQLSample]
        switch try engine.instantQuery(rule.expr, at: time) {
        case .vector(let vector): samples = vector
        case .scalar(let value): samples = [PromQLSample(labels: Labels([]), value: value, timestamp: time)]
        case .matrix, .string: throw SondeError(.invalidArgument, "rule result is not a vector or scalar")
        }
        switch rule.kind {
        case .recording(let record):
            var output: [(Labels, Double)] = []
            var seen = Set<Labels>()
            for sample in samples {
                var pairs = sample.labels.pairs.filter { $0.name != Labels.metricNameLabel && rule.labels[$0.name] == nil }
                pairs.append(Label(Labels.metricNameLabel, record))
                for (name, value) in rule.labels { pairs.append(Label(name, value)) }
                let labels = Labels(pairs)
                guard seen.insert(labels).inserted else {
                    throw SondeError(.invalidArgument, "vector contains metrics with the same labelset after applying rule labels")
                }
                output.append((labels, sample.value))
            }
            if group.limit > 0 && output.count > group.limit {
                throw SondeError(.limit, "exceeded limit of \(group.limit) with \(output.count) series")
            }
            return output

        case .alerting(let alertName, _, _, let annotations):
            var results: [AlertingRuleState.Result] = []
            var seen = Set<Labels>()
            for sample in samples {
                var pairs = sample.labels.pairs.filter { $0.name != Labels.metricNameLabel }
                for (name, template) in rule.labels.sorted(by: { $0.key < $1.key }) {
                    pairs.removeAll { $0.name == name }
                    pairs.append(Label(name, expand(template, sample.labels, sample.value)))
                }
                pairs.removeAll { $0.name == "alertname" }
                pairs.append(Label("alertname", alertName))
                let labels = Labels(pairs)
                guard seen.insert(labels).inserted else {
                    throw SondeError(.invalidArgument, "vector contains metrics with the same labelset after applying alert labels")
                }
                var expanded: [String: String] = [:]
                for (name, template) in annotations { expanded[name] = expand(template, sample.labels, sample.value) }
                results.append(AlertingRuleState.Result(labels: labels, annotations: expanded, value: sample.value))
            }
            guard var state = alertStates[index] else { return [] }
            let transitions = state.advance(results, at: time)
            if group.limit > 0 && state.activeAlerts.count > group.limit {
                let count = state.activeAlerts.count
                alertStates[index] = AlertingRuleState(holdMilliseconds: state.holdMilliseconds, keepFiringForMilliseconds: state.keepFiringForMilliseconds)
                throw SondeError(.limit, "exceeded limit of \(group.limit) with \(count) alerts")
            }
            alertStates[index] = state
            round.transitions += transitions.map { Transition(group: group.name, rule: alertName, transition: $0) }
            var output: [(Labels, Double)] = []
            for alert in state.activeAlerts {
                var pairs = alert.labels.pairs
                pairs.append(Label(Labels.metricNameLabel, "ALERTS"))
                pairs.append(Label("alertstate", alert.state.rawValue))
                output.append((Labels(pairs), 1))
                var forState = alert.labels.pairs
                forState.append(Label(Labels.metricNameLabel, "ALERTS_FOR_STATE"))
                output.append((Labels(forState), Double(alert.activeAt / 1000)))
            }
            return output
        }
    }
}
