#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SondeCore

#if canImport(Glibc)
import Glibc
#endif

/// How far shipping has got, on disk: every minute before `minute` has been accepted by
/// CloudWatch, and the first `datumsSent` datums of `minute` too (a minute with more than one
/// request's worth of datums goes in parts). It is written only after a 2xx, atomically, so a kill
/// between the answer and the write resends that one request and nothing else.
public struct ShipCursor: Sendable, Equatable, Codable {
    public var minute: Int64
    public var datumsSent: Int

    public init(minute: Int64, datumsSent: Int = 0) {
        self.minute = minute
        self.datumsSent = datumsSent
    }

    /// The cursor on file; nil when there is none yet. An unreadable file is an error, for the
    /// caller to log (and start afresh from).
    public static func load(_ path: String) throws(SondeError) -> ShipCursor? {
        guard access(path, F_OK) == 0 else { return nil }
        let bytes = try TextFile.readBytes(path)
        do {
            return try JSONDecoder().decode(ShipCursor.self, from: Data(bytes))
        } catch {
            throw SondeError(.corrupt, "\(path): not a cursor sonde wrote: \(error)")
        }
    }

    public func save(_ path: String) throws(SondeError) {
        let text = "{\"minute\":\(minute),\"datumsSent\":\(datumsSent)}\n"
        try AtomicFile.replace(path, with: Array(text.utf8))
    }
}
