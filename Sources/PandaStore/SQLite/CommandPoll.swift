import GRDB
import PandaCore

extension SQLiteJobStore {
    /// One primary-key read from the reader pool: no writer, no fsync. A poll
    /// about another attempt or lease is refused like a stale update.
    public func pendingCommand(_ poll: CommandPoll) async throws(StoreError) -> PendingCommand {
        typealias Fields = (queue: String, state: String, attempt: Int, lease: String?, command: String?)
        let fields: Fields?
        do {
            // Plain values out of the read (a Row is not Sendable, and would pick GRDB's blocking read).
            fields = try await pool.read { db -> Fields? in
                guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT queue, state, attempt, lease, command FROM jobs WHERE id = ?"),
                                                 arguments: [poll.jobID]) else { return nil }
                return (row[0], row[1], row[2], row[3], row[4])
            }
        } catch {
            throw .database(String(describing: error))
        }
        guard let fields else { throw .notFound(poll.jobID) }
        return try PendingCommand(answering: poll, queue: fields.queue, state: fields.state, attempt: fields.attempt,
                                  lease: fields.lease, command: fields.command)
    }
}
