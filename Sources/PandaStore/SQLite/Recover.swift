import GRDB
import PandaCore

extension SQLiteJobStore {
    /// Job recovery: a `holding` attempt whose pilot could not store its
    /// outputs gets a new lease for the pilot that found them. The old lease
    /// stops counting, so two pilots never finish the same attempt.
    static func recover(_ db: Database, _ request: RecoverRequest, now: Double) throws(StoreError) -> RecoverResult {
        do {
            guard let job = try CurrentJob.fetch(db, id: request.jobID) else { throw StoreError.notFound(request.jobID) }
            guard job.queue == request.queue else {
                throw StoreError.notRecoverable(job: job.id, reason: "it belongs to queue \(job.queue), not \(request.queue)")
            }
            guard job.attempt == request.attempt else {
                throw StoreError.staleLease(job: job.id, attempt: request.attempt, current: job.attempt)
            }
            guard job.state == .holding else {
                throw StoreError.notRecoverable(job: job.id, reason: "it is \(job.state.rawValue), not holding")
            }
            let lease = RandomHex.make(bits: 128)
            try db.cachedStatement(sql: """
                UPDATE jobs SET lease = ?, pilot = ?, node = ?, heartbeat_at = ? WHERE id = ?
                """).execute(arguments: [lease, request.pilot, request.node, now, job.id])
            try JobMoves.record(db, job: job, to: .holding, now: now,
                                reason: "recovered by pilot \(request.pilot ?? "?") on \(request.node)", lease: lease)
            return RecoverResult(jobID: job.id, attempt: job.attempt, lease: lease)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }
}
