import PandaCore

/// A job's row as the write paths need it.
struct CurrentJob {
    let id: Int64
    let queue: String
    let state: JobState
    let attempt: Int
    let maxAttempts: Int
    let lease: String?
    let command: String?
    let owner: String
    /// Where its outputs are registered once it finishes.
    var outputDataset: String? = nil

    /// The same job in another state, for recording a second move.
    func moved(to state: JobState) -> CurrentJob {
        CurrentJob(id: id, queue: queue, state: state, attempt: attempt, maxAttempts: maxAttempts,
                   lease: lease, command: command, owner: owner, outputDataset: outputDataset)
    }

    /// A pilot token acts only on jobs of its queue: checked before the
    /// lease, so a foreign pilot learns nothing about the attempt.
    func check(in queues: [String]?) throws {
        guard let queues, !queues.contains(queue) else { return }
        throw StoreError.forbidden("job \(id) is of queue \(queue); this token is for \(queues.isEmpty ? "no queue" : queues.joined(separator: ", "))")
    }
}

/// The rules of a pilot's report that do not depend on the database, so both
/// backends apply them the same way: a report under the current lease either
/// repeats the job's final state (acknowledged, nothing written), is refused,
/// or is a move in the state table.
extension CurrentJob {
    /// The reply to a report that repeats this job's final state; nil when the
    /// report is a move the caller then writes. Throws when it is refused.
    func repeatedFinal(_ update: JobUpdate) throws(StoreError) -> UpdateReply? {
        guard update.state.isPilotReportable else {
            throw StoreError.invalid("a pilot reports starting, running, holding, finished or failed, not \(update.state.rawValue)")
        }
        if state.isFinal {
            // The same final report again (a retried request) is fine; another is a contradiction.
            let sameReport = state == update.state || (state == .cancelled && update.state == .failed)
            guard sameReport else { throw StoreError.illegalTransition(job: id, from: state, to: update.state) }
            return UpdateReply(state: state, command: nil)
        }
        guard state.canMove(to: update.state) else {
            throw StoreError.illegalTransition(job: id, from: state, to: update.state)
        }
        return nil
    }

    /// The reply once the report moved the job to `moved`: the pending
    /// command, unless the attempt is over.
    func reply(after moved: JobState) -> UpdateReply {
        UpdateReply(state: moved, command: moved.isFinal || moved == .activated ? nil : command.flatMap(PilotCommand.init(rawValue:)))
    }
}
