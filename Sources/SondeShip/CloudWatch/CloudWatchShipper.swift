import Logging
import SondeAWS
import SondeCore
import SondeStore
import Synchronization

/// One shipping round at a time: the whole minutes from the cursor to `now - settle`, oldest
/// first, in PutMetricData requests of at most 1,000 datums and 1 MB, the cursor saved after each 2xx.
/// A failed request stops the round with the cursor where it was: the next round sends the same
/// datums again. A datum CloudWatch refuses (`InvalidParameterValue`) is isolated by splitting its
/// request, dropped and counted; the rest goes. Minutes older than CloudWatch accepts are skipped
/// and counted. The agent's `ShipRunner` calls `ship(now:)` every interval.
public final class CloudWatchShipper: Sendable {
    /// Sends one PutMetricData request and returns the bytes of its body as sent; the real one is
    /// `CloudWatchClient.putMetricData`.
    public typealias Send = @Sendable (_ request: CloudWatchClient.PutMetricDataRequest) async throws(AWSError) -> Int

    public struct Statistics: Sendable, Equatable {
        public var datumsSent = 0
        public var requestsSent = 0
        /// Request bodies as sent (compressed when they were).
        public var bytesSent = 0
        public var datumsRejected = 0
        public var minutesTooOld = 0
        /// Minutes with nothing to ship passed over in windows of an hour, without reading each.
        public var emptyMinutesJumped = 0
        public var errors: [String: Int] = [:]
    }

    /// CloudWatch takes datums up to two weeks old.
    public static let maxAge: Int64 = 14 * 24 * 3_600_000

    let planner: ShipDatums
    let store: Store
    let cursorPath: String
    let send: Send
    let logger: Logger
    /// How long after a minute ends before it ships: the last samples of the minute must be stored.
    let settle: Int64
    /// A backlog drains at this many requests per round, so a long outage does not burst. The
    /// minutes that came due since the round before always go, however many requests they take
    /// (at 1 s resolution a minute of 2,000 series is 120 requests).
    let maxRequestsPerRound: Int
    /// How often rounds run: the minutes of the last `interval` are due, not backlog.
    let interval: Int64
    private let state = Mutex(Statistics())
    /// This month's metrics and requests, for the cost estimate; loaded at the first round.
    private let ledger = Mutex<ShipLedger?>(nil)
    let ledgerPath: String

    public init(
        planner: ShipDatums, store: Store, cursorPath: String, settle: Duration = .seconds(15), interval: Duration = .seconds(60), maxRequestsPerRound: Int = 20,
        logger: Logger, send: @escaping Send
    ) {
        self.planner = planner
        self.store = store
        self.cursorPath = cursorPath
        ledgerPath = String(cursorPath[..<(cursorPath.lastIndex(of: "/") ?? cursorPath.startIndex)]) + (cursorPath.contains("/") ? "/" : "") + "cloudwatch-month.json"
        self.settle = settle.inMilliseconds
        self.maxRequestsPerRound = maxRequestsPerRound
        self.interval = interval.inMilliseconds
        self.logger = logger
        self.send = send
    }

    public var statistics: Statistics { state.withLock { $0 } }

    /// This month's ledger as of the last round (an empty one before the first).
    public func monthLedger(at now: Int64) -> ShipLedger {
        ledger.withLock { $0?.current(at: now) } ?? ShipLedger(month: CivilDate.monthBounds(containing: now).start)
    }

    /// Ships what is due at `now`; returns the cursor it leaves. Without a cursor on file, shipping
    /// starts at the current minute (history before `enabled` is not billed by surprise).
    @discardableResult
    public func ship(now: Int64) async -> ShipCursor {
        let before = ledger.withLock { saved in
            let current = (saved ?? ShipLedger.load(ledgerPath) ?? ShipLedger(month: CivilDate.monthBounds(containing: now).start)).current(at: now)
            saved = current
            return current
        }
        let cursor = await round(now: now)
        if let after = ledger.withLock({ $0 }), after != before {
            do {
                try after.save(ledgerPath)
            } catch {
                logger.warning("cannot save this month's shipping ledger; the cost estimate may restart low", metadata: ["error": "\(error)"])
            }
        }
        return cursor
    }

    func round(now: Int64) async -> ShipCursor {
        let shippable = (now - settle) / 60_000 * 60_000
        var cursor: ShipCursor
        do {
            if let saved = try ShipCursor.load(cursorPath) {
                cursor = saved
            } else {
                cursor = ShipCursor(minute: shippable)
                saveOrLog(cursor)
            }
        } catch {
            logger.error("ship cursor unreadable; shipping from now on", metadata: ["error": "\(error)"])
            cursor = ShipCursor(minute: shippable)
            saveOrLog(cursor)
        }
        if cursor.minute < now - Self.maxAge {
            let skipped = (now - Self.maxAge) / 60_000 * 60_000 + 60_000
            state.withLock { $0.minutesTooOld += Int((skipped - cursor.minute) / 60_000) }
            cursor = ShipCursor(minute: skipped)
        }
        var requests = 0
        let due = shippable - (interval + 59_999) / 60_000 * 60_000
        while cursor.minute < shippable, requests < maxRequestsPerRound || cursor.minute >= due {
            let sections: [(namespace: String, datums: [CloudWatchClient.Datum])]
            do {
                // Behind by more than a few minutes: jump over the empty ones, an hour at a time.
                if cursor.datumsSent == 0, shippable - cursor.minute > 5 * 60_000 {
                    let window = min(shippable, cursor.minute + 3_600_000)
                    let first = try planner.firstMinuteWithData(in: store, start: cursor.minute, end: window)
                    if first != cursor.minute {
                        let next = first ?? window
                        state.withLock { $0.emptyMinutesJumped += Int((next - cursor.minute) / 60_000) }
                        cursor = ShipCursor(minute: next)
                        saveOrLog(cursor)
                        continue
                    }
                }
                sections = try planner.sections(from: store, start: cursor.minute, end: cursor.minute + 60_000)
            } catch {
                logger.error("ship cannot read the store; retrying next round", metadata: ["error": "\(error)"])
                count(error: "store")
                return cursor
            }
            // The next datums of the minute, from one namespace: a request has one.
            var skip = cursor.datumsSent
            var pending: [CloudWatchClient.Datum] = []
            var namespace = planner.namespace
            for section in sections {
                if skip >= section.datums.count {
                    skip -= section.datums.count
                    continue
                }
                pending = Array(section.datums.dropFirst(skip))
                namespace = section.namespace
                break
            }
            let total = sections.reduce(0) { $0 + $1.datums.count }
            if pending.isEmpty {
                cursor = ShipCursor(minute: cursor.minute + 60_000)
                saveOrLog(cursor)
                continue
            }
            var request = CloudWatchClient.PutMetricDataRequest(namespace: namespace, Array(pending.prefix(CloudWatchClient.maxDatumsPerRequest)))
            // Long names and many dimensions can pass 1 MB before 1,000 datums.
            while request.datums.count > 1, request.body.count > CloudWatchClient.maxRequestBytes {
                request = CloudWatchClient.PutMetricDataRequest(namespace: namespace, Array(request.datums.dropLast(request.datums.count / 2)))
            }
            guard await sendIsolatingRejects(request) else { return cursor }
            requests += 1
            let sent = cursor.datumsSent + request.datums.count
            cursor = sent >= total ? ShipCursor(minute: cursor.minute + 60_000) : ShipCursor(minute: cursor.minute, datumsSent: sent)
            saveOrLog(cursor)
        }
        return cursor
    }

    /// Sends `batch`; on `InvalidParameterValue` splits it in halves until the refused datum is
    /// alone, and drops it. False when the request failed otherwise (retry next round).
    func sendIsolatingRejects(_ request: CloudWatchClient.PutMetricDataRequest) async -> Bool {
        let batch = request.datums, namespace = request.namespace
        do {
            let bytes = try await send(request)
            ledger.withLock { _ = $0?.record(namespace: namespace, batch) }
            state.withLock {
                $0.requestsSent += 1
                $0.datumsSent += batch.count
                $0.bytesSent += bytes
            }
            return true
        } catch {
            count(error: error.code ?? error.kind.description)
            guard error.code == "InvalidParameterValue" || error.code == "InvalidParameterCombination" else {
                logger.warning("PutMetricData failed; retrying next round", metadata: ["error": "\(error)"])
                return false
            }
            if batch.count == 1 {
                logger.error("CloudWatch refused a datum; dropped", metadata: ["ship.metric": "\(batch[0].metricName)", "error": "\(error)"])
                state.withLock { $0.datumsRejected += 1 }
                return true
            }
            let half = batch.count / 2
            guard await sendIsolatingRejects(CloudWatchClient.PutMetricDataRequest(namespace: namespace, Array(batch[..<half]))) else { return false }
            return await sendIsolatingRejects(CloudWatchClient.PutMetricDataRequest(namespace: namespace, Array(batch[half...])))
        }
    }

    private func count(error code: String) {
        state.withLock { $0.errors[code, default: 0] += 1 }
    }

    private func saveOrLog(_ cursor: ShipCursor) {
        do {
            try cursor.save(cursorPath)
        } catch {
            logger.error("cannot save the ship cursor; a restart may resend", metadata: ["error": "\(error)"])
            count(error: "cursor")
        }
    }
}
