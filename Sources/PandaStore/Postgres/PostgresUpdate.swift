import Foundation
import PandaCore
import PostgresNIO

extension PostgresJobStore {
    public func update(_ update: JobUpdate, queues: [String]?, now: Double) async throws(StoreError) -> UpdateReply {
        try await storeErrors { try await writer.report(update, queues: queues, now: now) }
    }

    public func updateMany(_ updates: [JobUpdate], queues: [String]?, now: Double) async throws -> [Result<UpdateReply, StoreError>] {
        let results = try await storeErrors { try await writer.reports(updates, queues: queues, now: now) }
        return results.map { result in result.mapError { $0 as? StoreError ?? .database(PostgresRetry.describe($0)) } }
    }

    /// One pilot report, checked in the order `SQLiteJobStore.apply` checks
    /// it, on the job's row locked for the batch. `PostgresReports` applies
    /// the plain ones of a batch together, by the same checks; a refusal is
    /// thrown, so the write's savepoint undoes whatever ran before it.
    static func apply(_ tx: PostgresWrite, _ update: JobUpdate, queues: [String]?, now: Double) async throws -> UpdateReply {
        guard let job = try await CurrentJob.fetch(tx.session, id: update.jobID) else { throw StoreError.notFound(update.jobID) }
        try job.check(in: queues)
        guard update.attempt == job.attempt, update.lease == job.lease else {
            if let final = try await finalState(tx.session, job: job.id, attempt: update.attempt, lease: update.lease), final == update.state {
                return UpdateReply(state: final, command: nil)
            }
            throw StoreError.staleLease(job: job.id, attempt: update.attempt, current: job.attempt)
        }
        if let reply = try job.repeatedFinal(update) { return reply }
        return job.reply(after: try await move(tx, job: job, by: update, now: now))
    }

    private static func finalState(_ session: PostgresSession, job: Int64, attempt: Int, lease: String) async throws -> JobState? {
        let state = try await session.value("""
            SELECT state FROM job_events
            WHERE job_id = \(job) AND attempt = \(attempt) AND lease = \(lease) AND state IN ('finished', 'failed', 'cancelled')
            LIMIT 1
            """, as: String.self)
        return state.flatMap(JobState.init(rawValue:))
    }

    private static func move(_ tx: PostgresWrite, job: CurrentJob, by update: JobUpdate, now: Double) async throws -> JobState {
        // A failure's figures go on the row in its state; `fail` or `cancel` then moves it.
        tx.hold(try PlainMove(update, job: job, now: now, state: update.state == .failed ? job.state : update.state), of: job)
        try await tx.flush()
        switch update.state {
        case .failed:
            let code = ErrorCode.lookup(update.errorCode ?? ErrorCode.payloadFailed.number)
            if job.command == PilotCommand.kill.rawValue {
                try await PostgresJobMoves.cancel(tx, job: job, code: .killedByServer, diagnostic: update.errorDiag, now: now)
                return .cancelled
            }
            return try await PostgresJobMoves.fail(tx, job: job, code: code, diagnostic: update.errorDiag, now: now)
        default:
            guard update.state != job.state else { return job.state }   // a heartbeat
            if update.state == .finished {
                // In the same transaction: a job acknowledged finished has its files in the catalogue.
                try await PostgresCatalogue.registerOutputs(tx.session, dataset: job.outputDataset, owner: job.owner, job: job.id,
                                                            outputs: update.outputs ?? [], now: now)
            }
            return update.state
        }
    }

    public func recover(_ request: RecoverRequest, now: Double) async throws(StoreError) -> RecoverResult {
        try await write { tx in
            guard let job = try await CurrentJob.fetch(tx.session, id: request.jobID) else { throw StoreError.notFound(request.jobID) }
            guard job.queue == request.queue else {
                throw StoreError.forbidden("job \(job.id) is of queue \(job.queue), not \(request.queue)")
            }
            let ranUnder = try await tx.session.one("""
                SELECT 1 FROM job_events WHERE job_id = \(job.id) AND attempt = \(job.attempt) AND lease = \(request.lease)
                    AND state IN ('sent', 'holding') LIMIT 1
                """) != nil
            guard job.attempt == request.attempt, ranUnder else {
                throw StoreError.staleLease(job: job.id, attempt: request.attempt, current: job.attempt)
            }
            guard job.state == .holding else {
                throw StoreError.notRecoverable(job: job.id, reason: "it is \(job.state.rawValue), not holding")
            }
            if job.command == PilotCommand.kill.rawValue {
                try await PostgresJobMoves.cancel(tx, job: job, code: .killedByServer, diagnostic: "killed while its outputs waited for recovery",
                                                  now: now)
                return RecoverResult(jobID: job.id, attempt: job.attempt, lease: request.lease, command: .kill)
            }
            let lease = RandomHex.make(bits: 128)
            try await tx.session.execute("""
                UPDATE jobs SET lease = \(lease), pilot = \(request.pilot), node = \(request.node), heartbeat_at = \(now), state_changed_at = \(now)
                WHERE id = \(job.id)
                """)
            try await PostgresJobMoves.record(tx, job: job, to: .holding, now: now,
                                              reason: "recovered by pilot \(request.pilot ?? "?") on \(request.node)", lease: lease)
            // What the holding report kept: the pilot checks the files it found against it.
            let kept = try await tx.session.value("SELECT outputs FROM jobs WHERE id = \(job.id)", as: String.self)
            return RecoverResult(jobID: job.id, attempt: job.attempt, lease: lease, outputs: try StoredFile.list(json: kept))
        }
    }

    /// One primary-key read: no transaction, no commit.
    public func pendingCommand(_ poll: CommandPoll) async throws(StoreError) -> PendingCommand {
        typealias Fields = (queue: String, state: String, attempt: Int, lease: String?, command: String?)
        let fields: Fields? = try await read { session in
            guard let row = try await session.one("SELECT queue, state, attempt, lease, command FROM jobs WHERE id = \(poll.jobID)") else {
                return nil
            }
            return (try row[0], try row[1], try row[2], try row[3], try row[4])
        }
        guard let fields else { throw .notFound(poll.jobID) }
        return try PendingCommand(answering: poll, queue: fields.queue, state: fields.state, attempt: fields.attempt,
                                  lease: fields.lease, command: fields.command)
    }
}
