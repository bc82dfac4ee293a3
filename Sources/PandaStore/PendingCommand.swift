import PandaCore

/// The answer to a pilot's command poll, with the job's queue so the route
/// can check the pilot's token covers it.
public struct PendingCommand: Sendable, Equatable {
    public let queue: String
    public let reply: UpdateReply

    /// The answer from the job's row as either backend reads it: a poll about
    /// another attempt or lease is refused like a stale update, and an attempt
    /// that is over has no command left.
    init(answering poll: CommandPoll, queue: String, state: String, attempt: Int, lease: String?, command: String?) throws(StoreError) {
        guard attempt == poll.attempt, lease == poll.lease else {
            throw .staleLease(job: poll.jobID, attempt: poll.attempt, current: attempt)
        }
        let state = JobState(rawValue: state) ?? .failed
        self.queue = queue
        reply = UpdateReply(state: state, command: state.isFinal ? nil : command.flatMap(PilotCommand.init(rawValue:)))
    }
}
