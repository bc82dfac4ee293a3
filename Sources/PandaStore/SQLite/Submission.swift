import Foundation
import GRDB
import PandaCore

extension SQLiteJobStore {
    /// `specs` are the jobs' specs as JSON, encoded by the caller outside the
    /// writer's transaction, which only one request can be in at a time.
    /// `taskID`, when given, puts every job in that task.
    static func insert(_ db: Database, _ jobs: [NewJob], specs: [String], taskID: Int64? = nil, now: Double) throws -> [SubmittedJob] {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO jobs (task_id, name, owner, queue, state, priority, attempt, max_attempts, cores, memory, disk,
                walltime, spec, out_dataset, created_at, state_changed_at)
            VALUES (?, ?, ?, ?, 'activated', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var submitted: [SubmittedJob] = []
        submitted.reserveCapacity(jobs.count)
        var added: [String: Int] = [:]
        // A job joins only a task its submitter owns, checked where it is added.
        var owners: [Int64: String?] = [:]
        for job in jobs where taskID == nil {
            guard let task = job.spec.taskID else { continue }
            if owners[task] == nil {
                owners[task] = try String.fetchOne(db.cachedStatement(sql: "SELECT owner FROM tasks WHERE id = ?"), arguments: [task])
            }
            guard let holder = owners[task] ?? nil, holder == job.owner else {
                throw StoreError.forbidden("task \(task) does not exist or is not yours; a job joins only a task its submitter owns")
            }
        }
        for (job, spec) in zip(jobs, specs) {
            try insert.execute(arguments: [
                taskID ?? job.spec.taskID, job.spec.name, job.owner, job.queue, job.spec.priority, job.maxAttempts, job.cores,
                job.memory.bytes, job.disk.bytes, job.walltime.milliseconds / 1000, spec, job.spec.outputDataset, now, now,
            ])
            let id = db.lastInsertedRowID
            try JobMoves.appendEvent(db, job: id, attempt: 1, state: .activated, now: now,
                                     reason: "submitted by \(job.owner), brokered to \(job.queue)", errorCode: nil, lease: nil)
            added[job.queue, default: 0] += 1
            submitted.append(SubmittedJob(id: id, queue: job.queue, state: .activated))
        }
        // One counter update per queue, not per job: a 100k-job task touches a few rows.
        for (queue, count) in added { try JobMoves.count(db, queue: queue, state: .activated, by: count) }
        return submitted
    }
}
