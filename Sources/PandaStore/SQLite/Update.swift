import Foundation
import GRDB
import PandaCore

extension SQLiteJobStore {
    /// Applies one pilot report. Order of checks: the job exists; the report
    /// is about the current attempt under its lease (or repeats an earlier
    /// attempt's final report, which is acknowledged and ignored); a final job
    /// accepts only the same final report again; the move is in the table.
    static func apply(_ db: Database, _ update: JobUpdate, queues: [String]? = nil, now: Double) throws(StoreError) -> UpdateReply {
        do {
            guard let job = try CurrentJob.fetch(db, id: update.jobID) else { throw StoreError.notFound(update.jobID) }
            try job.check(in: queues)
            guard update.attempt == job.attempt, update.lease == job.lease else {
                if let final = try finalState(db, job: job.id, attempt: update.attempt, lease: update.lease), final == update.state {
                    return UpdateReply(state: final, command: nil)
                }
                throw StoreError.staleLease(job: job.id, attempt: update.attempt, current: job.attempt)
            }
            if let reply = try job.repeatedFinal(update) { return reply }
            return job.reply(after: try move(db, job: job, by: update, now: now))
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }

    /// The final state an earlier attempt ended in under this lease, if any.
    private static func finalState(_ db: Database, job: Int64, attempt: Int, lease: String) throws -> JobState? {
        let state = try String.fetchOne(db.cachedStatement(sql: """
            SELECT state FROM job_events
            WHERE job_id = ? AND attempt = ? AND lease = ? AND state IN ('finished', 'failed', 'cancelled')
            """), arguments: [job, attempt, lease])
        return state.flatMap(JobState.init(rawValue:))
    }

    private static func move(_ db: Database, job: CurrentJob, by update: JobUpdate, now: Double) throws -> JobState {
        let outputs = try update.outputs.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let timings = try update.timings.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        // One statement for the report's figures and, unless it is a failure
        // (which JobMoves.fail handles with retries), the new state. SQLite
        // evaluates every SET expression against the row as it was.
        let state = update.state == .failed ? job.state : update.state
        try db.cachedStatement(sql: """
            UPDATE jobs SET heartbeat_at = ?, exit_code = coalesce(?, exit_code), cpu_seconds = coalesce(?, cpu_seconds),
                max_rss = coalesce(?, max_rss), outputs = coalesce(?, outputs), timings = coalesce(?, timings), state = ?,
                state_changed_at = CASE WHEN state = ? THEN state_changed_at ELSE ? END,
                error_code = CASE WHEN state = ? THEN error_code ELSE NULL END,
                error_diag = CASE WHEN state = ? THEN error_diag ELSE NULL END
            WHERE id = ?
            """).execute(arguments: [now, update.exitCode, update.cpuSeconds, update.maxRSS?.bytes, outputs, timings, state.rawValue,
                                     state.rawValue, now, state.rawValue, state.rawValue, job.id])
        switch update.state {
        case .failed:
            let code = ErrorCode.lookup(update.errorCode ?? ErrorCode.payloadFailed.number)
            if job.command == PilotCommand.kill.rawValue {
                try JobMoves.cancel(db, job: job, code: .killedByServer, diagnostic: update.errorDiag, now: now)
                return .cancelled
            }
            return try JobMoves.fail(db, job: job, code: code, diagnostic: update.errorDiag, now: now)
        default:
            guard update.state != job.state else { return job.state }   // a heartbeat
            try JobMoves.record(db, job: job, to: update.state, now: now,
                                lease: update.state.isFinal ? job.lease : nil)
            if update.state == .finished {
                // In the same transaction: a job acknowledged finished has its files in the catalogue.
                try Catalogue.registerOutputs(db, dataset: job.outputDataset, owner: job.owner, job: job.id, outputs: update.outputs ?? [], now: now)
            }
            return update.state
        }
    }
}
