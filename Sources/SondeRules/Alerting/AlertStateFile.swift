// JSONEncoder and Data only: FoundationEssentials has them without full Foundation and its ICU
// data, which would add megabytes to the agent's resident memory.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import SondeCore

/// The alert states of every rule, saved in the data directory after each evaluation round so a
/// restart (or a kill -9) neither forgets a pending alert's start nor announces a firing alert again.
///
/// JSON, replaced atomically. A file that does not parse is reported and ignored (alerts then start
/// afresh); a file older than the outage tolerance is ignored too, because what was true before a
/// long outage says little about now.
public enum AlertStateFile {
    public static let fileName = "alerts.state"
    /// Prometheus' default `rules.alert.for-outage-tolerance`.
    public static let defaultOutageTolerance: Int64 = 3_600_000

    public enum Loaded: Sendable {
        case none
        case restored([String: [ActiveAlert]], savedAt: Int64)
        case tooOld(savedAt: Int64)
        case damaged(String)
    }

    private struct Snapshot: Codable {
        var version: Int
        var savedAt: Int64
        var rules: [String: [StoredAlert]]
    }

    private struct StoredAlert: Codable {
        var labels: [String: String]
        var annotations: [String: String]
        var state: AlertState
        /// A string: JSON has no NaN or infinities, and a rule's value may be either.
        var value: String
        var activeAt: Int64
        var firedAt: Int64?
        var resolvedAt: Int64?
        var keepFiringSince: Int64?
        var firingAnnounced: Bool
    }

    public static func save(_ alerts: [String: [ActiveAlert]], at now: Int64, to path: String) throws(SondeError) {
        var rules: [String: [StoredAlert]] = [:]
        for (key, list) in alerts {
            rules[key] = list.map { alert in
                StoredAlert(
                    labels: Dictionary(alert.labels.pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                    annotations: alert.annotations, state: alert.state, value: ValueFormat.string(alert.value),
                    activeAt: alert.activeAt, firedAt: alert.firedAt, resolvedAt: alert.resolvedAt,
                    keepFiringSince: alert.keepFiringSince, firingAnnounced: alert.firingAnnounced)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(Snapshot(version: 1, savedAt: now, rules: rules)))
        } catch {
            throw SondeError(.io, "cannot encode alert state: \(error)")
        }
        try AtomicFile.replace(path, with: bytes)
    }

    public static func load(from path: String, now: Int64, outageTolerance: Int64 = defaultOutageTolerance) -> Loaded {
        guard access(path, F_OK) == 0 else { return .none }
        let text: String
        do {
            text = try TextFile.read(path)
        } catch {
            return .damaged("\(path): \(error.message)")
        }
        let snapshot: Snapshot
        do {
            snapshot = try JSONDecoder().decode(Snapshot.self, from: Data(text.utf8))
        } catch {
            return .damaged("\(path): not an alert state file (\(error))")
        }
        guard snapshot.version == 1 else { return .damaged("\(path): unknown version \(snapshot.version)") }
        guard now - snapshot.savedAt <= outageTolerance else { return .tooOld(savedAt: snapshot.savedAt) }
        var result: [String: [ActiveAlert]] = [:]
        for (key, list) in snapshot.rules {
            result[key] = list.map { stored in
                ActiveAlert(
                    labels: Labels(stored.labels.map { Label($0.key, $0.value) }), annotations: stored.annotations,
                    state: stored.state, value: GoFormat.parseFloat(stored.value) ?? .nan, activeAt: stored.activeAt,
                    firedAt: stored.firedAt, resolvedAt: stored.resolvedAt, keepFiringSince: stored.keepFiringSince,
                    firingAnnounced: stored.firingAnnounced)
            }
        }
        return .restored(result, savedAt: snapshot.savedAt)
    }
}
