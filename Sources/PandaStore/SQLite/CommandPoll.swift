import GRDB
import PandaCore

/// The answer to a pilot's command poll, with the job's queue so the route
/// can check the pilot's token covers it.
public struct PendingCommand: Sendable, Equatable {
    public let queue: String
    public let reply: UpdateReply
}

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
        guard fields.attempt == poll.attempt, fields.lease == poll.lease else {
            throw .staleLease(job: poll.jobID, attempt: poll.attempt, current: fields.attempt)
        }
        let state = JobState(rawValue: fields.state) ?? .failed
        let command: PilotCommand? = state.isFinal ? nil : fields.command.flatMap(PilotCommand.init(rawValue:))
        return PendingCommand(queue: fields.queue, reply: UpdateReply(state: state, command: command))
    }
}
