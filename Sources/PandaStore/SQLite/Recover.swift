import GRDB
import PandaCore

extension SQLiteJobStore {
    /// Job recovery: a `holding` attempt whose pilot could not store its
    /// outputs gets a new lease for the pilot that found them. The old lease
    /// stops counting, so two pilots never finish the same attempt. The
    /// holding clock starts again, so the sweeper cannot fail the job while
    /// the new pilot stores its files; a kill asked for meanwhile wins.
    static func recover(_ db: Database, _ request: RecoverRequest, now: Double) throws(StoreError) -> RecoverResult {
        do {
            guard let job = try CurrentJob.fetch(db, id: request.jobID) else { throw StoreError.notFound(request.jobID) }
            guard job.queue == request.queue else {
                throw StoreError.forbidden("job \(job.id) is of queue \(job.queue), not \(request.queue)")
            }
            guard job.attempt == request.attempt, try ranUnder(db, job: job.id, attempt: job.attempt, lease: request.lease) else {
                throw StoreError.staleLease(job: job.id, attempt: request.attempt, current: job.attempt)
            }
            guard job.state == .holding else {
                throw StoreError.notRecoverable(job: job.id, reason: "it is \(job.state.rawValue), not holding")
            }
            if job.command == PilotCommand.kill.rawValue {
                try JobMoves.cancel(db, job: job, code: .killedByServer, diagnostic: "killed while its outputs waited for recovery", now: now)
                return RecoverResult(jobID: job.id, attempt: job.attempt, lease: request.lease, command: .kill)
            }
            let lease = RandomHex.make(bits: 128)
            try db.cachedStatement(sql: """
                UPDATE jobs SET lease = ?, pilot = ?, node = ?, heartbeat_at = ?, state_changed_at = ? WHERE id = ?
                """).execute(arguments: [lease, request.pilot, request.node, now, now, job.id])
            try JobMoves.record(db, job: job, to: .holding, now: now,
                                reason: "recovered by pilot \(request.pilot ?? "?") on \(request.node)", lease: lease)
            // What the holding report kept: the pilot checks the files it found against it.
            let kept = try String.fetchOne(db.cachedStatement(sql: "SELECT outputs FROM jobs WHERE id = ?"), arguments: [job.id])
            return RecoverResult(jobID: job.id, attempt: job.attempt, lease: lease, outputs: try StoredFile.list(json: kept))
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }

    /// Whether the attempt was dispatched or recovered under this lease: the
    /// manifest keeps the lease of the pilot that ran the job, which a later
    /// recovery (one that failed again) has since replaced.
    private static func ranUnder(_ db: Database, job: Int64, attempt: Int, lease: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM job_events WHERE job_id = ? AND attempt = ? AND lease = ? AND state IN ('sent', 'holding')
            """), arguments: [job, attempt, lease]) != nil
    }
}
