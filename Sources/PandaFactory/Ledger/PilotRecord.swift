import GRDB
import PandaCore

/// One pilot the factory submitted, as it remembers it.
struct PilotRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    enum State: String, Codable, Sendable {
        /// Recorded before its batch submission, under a placeholder id, so a
        /// factory killed before it learns the id finds the pilot by name.
        case submitting
        case queued, running, held, finished, failed

        var isActive: Bool { self == .queued || self == .running || self == .held }
    }

    static let databaseTableName = "pilots"

    var system: BatchSystem
    var batchID: String
    var queue: String
    var name: String
    var state: State
    /// Why it failed or is held, as the batch system said.
    var reason: String?
    var exitCode: Int?
    var submittedAt: Double
    var startedAt: Double?
    var endedAt: Double?
    /// When it last entered `held`.
    var heldAt: Double?
    /// Where its script, token and output are.
    var directory: String
    /// Cycles in a row the batch system did not know it.
    var missing: Int

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case system, queue, name, state, reason, directory, missing
        case batchID = "batch_id", exitCode = "exit_code", submittedAt = "submitted_at", startedAt = "started_at"
        case endedAt = "ended_at", heldAt = "held_at"
    }
}
