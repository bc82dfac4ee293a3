import GRDB
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

    static func fetch(_ db: Database, id: Int64) throws -> CurrentJob? {
        let statement = try db.cachedStatement(sql: """
            SELECT queue, state, attempt, max_attempts, lease, command, owner, out_dataset FROM jobs WHERE id = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        return CurrentJob(id: id, queue: row[0], state: JobState(rawValue: row[1]) ?? .failed, attempt: row[2],
                          maxAttempts: row[3], lease: row[4], command: row[5], owner: row[6], outputDataset: row[7])
    }
}

/// How a job moves: the row, its history and the state counters change
/// together, in the caller's transaction.
enum JobMoves {
    /// Appends to the job's history and moves it between counters.
    static func record(_ db: Database, job: CurrentJob, attempt: Int? = nil, to state: JobState, now: Double,
                       reason: String? = nil, errorCode: Int? = nil, lease: String? = nil) throws {
        try appendEvent(db, job: job.id, attempt: attempt ?? job.attempt, state: state, now: now,
                        reason: reason, errorCode: errorCode, lease: lease)
        if job.state != state {
            try count(db, queue: job.queue, state: job.state, by: -1)
            try count(db, queue: job.queue, state: state, by: 1)
        }
    }

    static func appendEvent(_ db: Database, job: Int64, attempt: Int, state: JobState, now: Double,
                            reason: String?, errorCode: Int?, lease: String?) throws {
        try db.cachedStatement(sql: """
            INSERT INTO job_events (job_id, attempt, state, at, reason, error_code, lease) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [job, attempt, state.rawValue, now, reason, errorCode, lease])
    }

    static func count(_ db: Database, queue: String, state: JobState, by delta: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO state_counts (queue, state, n) VALUES (?, ?, ?)
            ON CONFLICT (queue, state) DO UPDATE SET n = n + excluded.n
            """).execute(arguments: [queue, state.rawValue, delta])
    }

    /// Ends the current attempt as failed. When the error is retryable, the
    /// job has attempts left and nobody asked to kill it, the job starts its
    /// next attempt as activated; the failed attempt stays in its history.
    @discardableResult
    static func fail(_ db: Database, job: CurrentJob, code: ErrorCode, diagnostic: String?, now: Double) throws -> JobState {
        try record(db, job: job, to: .failed, now: now, reason: diagnostic ?? code.text, errorCode: code.number, lease: job.lease)
        if code.isRetryable, job.attempt < job.maxAttempts, job.command == nil {
            try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'activated', attempt = attempt + 1, lease = NULL, command = NULL, pilot = NULL,
                    node = NULL, heartbeat_at = NULL, state_changed_at = ?, error_code = ?, error_diag = ?
                WHERE id = ?
                """).execute(arguments: [now, code.number, diagnostic ?? code.text, job.id])
            try record(db, job: job.moved(to: .failed), attempt: job.attempt + 1, to: .activated, now: now,
                       reason: "attempt \(job.attempt + 1) of \(job.maxAttempts) after \(code.name)")
            return .activated
        }
        try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'failed', state_changed_at = ?, error_code = ?, error_diag = ? WHERE id = ?
            """).execute(arguments: [now, code.number, diagnostic ?? code.text, job.id])
        return .failed
    }

    /// Starts a new attempt of an ended job as activated (a retry its owner
    /// asked for); it gets at least that one attempt more than it had.
    static func restart(_ db: Database, job: CurrentJob, at queue: String, now: Double, reason: String) throws {
        try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'activated', queue = ?, attempt = attempt + 1, max_attempts = max(max_attempts, attempt + 1),
                lease = NULL, command = NULL, pilot = NULL, node = NULL, heartbeat_at = NULL, state_changed_at = ?
            WHERE id = ?
            """).execute(arguments: [queue, now, job.id])
        try appendEvent(db, job: job.id, attempt: job.attempt + 1, state: .activated, now: now, reason: reason, errorCode: nil, lease: nil)
        try count(db, queue: job.queue, state: job.state, by: -1)
        try count(db, queue: queue, state: .activated, by: 1)
    }

    /// Ends the job as cancelled (killed).
    static func cancel(_ db: Database, job: CurrentJob, code: ErrorCode, diagnostic: String?, now: Double) throws {
        try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'cancelled', command = NULL, state_changed_at = ?, error_code = ?, error_diag = ? WHERE id = ?
            """).execute(arguments: [now, code.number, diagnostic ?? code.text, job.id])
        try record(db, job: job, to: .cancelled, now: now, reason: diagnostic ?? code.text, errorCode: code.number, lease: job.lease)
    }
}
