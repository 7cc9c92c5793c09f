#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SondeCore

#if canImport(Glibc)
import Glibc
#endif

/// The silences of one data directory, in `silences.json`. `sonde silence` edits it whether or not
/// an agent runs; the agent reads it again whenever it changed. Every change is a read, modify and
/// atomic replace under an exclusive lock on `silences.lock`, so two writers never lose each
/// other's silences. Silences expired for longer than `retention` are dropped when it is written.
public struct SilenceFile: Sendable {
    public let directory: String
    public let path: String
    let lockPath: String
    /// Alertmanager keeps expired silences five days.
    public static let retention: Int64 = 5 * 24 * 3_600_000

    public init(directory: String) {
        self.directory = directory
        path = directory + "/silences.json"
        lockPath = directory + "/silences.lock"
    }

    struct Contents: Codable {
        var version: Int
        var silences: [Silence]
    }

    /// Every silence on file, in creation order; none when there is no file.
    public func load() throws(SondeError) -> [Silence] {
        guard access(path, F_OK) == 0 else { return [] }
        let text: String
        do {
            text = try TextFile.read(path)
        } catch {
            throw SondeError(.io, "cannot read \(path): \(error.message)")
        }
        do {
            return try JSONDecoder().decode(Contents.self, from: Data(text.utf8)).silences
        } catch {
            throw SondeError(.corrupt, "\(path): not a silence file sonde wrote: \(error)")
        }
    }

    /// Adds a silence from matchers (Alertmanager's syntax, as `amtool silence add` takes them).
    @discardableResult
    public func add(
        matchers texts: [String], startsAt: Int64, endsAt: Int64, createdBy: String, comment: String, now: Int64
    ) throws(SondeError) -> Silence {
        var matchers: [LabelMatcher] = []
        for text in texts {
            do {
                matchers += try AlertmanagerMatchers.parse(text)
            } catch {
                throw SondeError(.invalidArgument, "matcher \"\(text)\": \(error.message)")
            }
        }
        return try set(id: nil, matchers: matchers, startsAt: startsAt, endsAt: endsAt, createdBy: createdBy, comment: comment, now: now)
    }

    /// Alertmanager's `Silences.Set`: without `id` a new silence; with the `id` of a silence whose
    /// matchers stay the same and that has not expired (nor, once active, changes its start), that
    /// silence changes in place; any other change of a known `id` expires it and makes a new one.
    /// A start in the past becomes now. Returns the silence as stored, with its (maybe new) id.
    @discardableResult
    public func set(
        id: String?, matchers: [LabelMatcher], startsAt requestedStart: Int64, endsAt: Int64, createdBy: String, comment: String, now: Int64
    ) throws(SondeError) -> Silence {
        guard !matchers.isEmpty else { throw SondeError(.invalidArgument, "a silence needs at least one matcher") }
        // Alertmanager refuses silences that would match every alert.
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw SondeError(.invalidArgument, "at least one matcher must not match the empty string (it would silence every alert)")
        }
        guard endsAt > requestedStart else { throw SondeError(.invalidArgument, "the silence must end after it starts") }
        guard endsAt > now else { throw SondeError(.invalidArgument, "the silence's end time is in the past") }
        guard !comment.isEmpty else { throw SondeError(.invalidArgument, "a silence needs a comment") }
        guard !createdBy.isEmpty else { throw SondeError(.invalidArgument, "a silence needs its author (createdBy)") }
        var stored = Silence(
            id: Silence.newID(), matchers: matchers.map(Silence.Matcher.init), startsAt: requestedStart, endsAt: endsAt, updatedAt: now,
            createdBy: createdBy, comment: comment)
        try modify(now: now) { (silences) throws(SondeError) in
            if let id {
                guard let index = silences.firstIndex(where: { $0.id == id }) else { throw SondeError(.notFound, "no silence \(id)") }
                let previous = silences[index]
                if Self.canUpdate(previous, to: stored, now: now) {
                    stored.id = id
                    silences[index] = stored
                    return
                }
                if previous.state(at: now) != .expired { Self.end(&silences[index], now: now) }
            }
            stored.startsAt = max(stored.startsAt, now)
            silences.append(stored)
        }
        return stored
    }

    /// Alertmanager's `canUpdate`: same matchers; an active silence keeps its start and may not end
    /// in the past; a pending one may not start in the past; an expired one never changes.
    static func canUpdate(_ previous: Silence, to next: Silence, now: Int64) -> Bool {
        guard previous.matchers == next.matchers else { return false }
        switch previous.state(at: now) {
        case .active: return next.startsAt == previous.startsAt && next.endsAt >= now
        case .pending: return next.startsAt >= now
        case .expired: return false
        }
    }

    /// Ends a silence now: an active one expires, a pending one never starts.
    public func expire(id: String, now: Int64) throws(SondeError) {
        try modify(now: now) { (silences) throws(SondeError) in
            guard let index = silences.firstIndex(where: { $0.id == id }) else { throw SondeError(.notFound, "no silence \(id)") }
            guard silences[index].state(at: now) != .expired else { throw SondeError(.invalidArgument, "silence \(id) has already expired") }
            Self.end(&silences[index], now: now)
        }
    }

    private static func end(_ silence: inout Silence, now: Int64) {
        if silence.startsAt > now { silence.startsAt = now }
        silence.endsAt = now
        silence.updatedAt = now
    }

    private func modify(now: Int64, _ change: (inout [Silence]) throws(SondeError) -> Void) throws(SondeError) {
        // The first silence may come before the agent ever ran here (and made the data directory).
        var prefix = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o750) != 0, errno != EEXIST {
                throw SondeError(.io, "cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard lock >= 0 else { throw SondeError(.io, "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw SondeError(.io, "cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        var silences = try load()
        try change(&silences)
        silences.removeAll { $0.endsAt <= now - Self.retention }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(Contents(version: 1, silences: silences)))
        } catch {
            throw SondeError(.io, "cannot encode silences: \(error)")
        }
        try AtomicFile.replace(path, with: bytes)
    }
}
