import SondeCore

/// A series' newest raw sample, as the head remembers it: no disk read.
public struct LatestSample: Sendable, Equatable {
    public var labels: Labels
    public var timestamp: Int64
    public var value: Double
}

extension Store {
    /// The label sets of every series matching all `matchers`, read from the in-memory index. With
    /// `since`, only series whose newest sample is at or after it (a series that has stopped long
    /// ago no longer shows in a label browser asking about the last hour).
    public func seriesLabels(matching matchers: [LabelMatcher], since: Int64? = nil) -> [Labels] {
        engine.withLock { engine in
            engine.matchingRefs(matchers).compactMap { ref -> Labels? in
                if let since, engine.heads[Int(ref)].raw.lastTimestamp < since { return nil }
                return engine.labelsByRef[Int(ref)]
            }
        }
    }

    /// Each matching series' newest raw sample at or after `since`, staleness markers left out: what
    /// `/federate` and `/metrics?match[]=` expose.
    public func latestSamples(matching matchers: [LabelMatcher], since: Int64) -> [LatestSample] {
        engine.withLock { engine in
            engine.matchingRefs(matchers).compactMap { ref -> LatestSample? in
                let head = engine.heads[Int(ref)].raw
                guard head.lastTimestamp >= since, head.lastBits != StaleMarker.bitPattern else { return nil }
                return LatestSample(labels: engine.labelsByRef[Int(ref)], timestamp: head.lastTimestamp, value: Double(bitPattern: head.lastBits))
            }
        }
    }
}
