import GRDB
import PandaCore

extension CurrentJob {
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
            try keepOutcome(db, job: job.id, ended: .failed, errorCode: code.number, errorDiag: diagnostic ?? code.text, at: now)
            try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'activated', attempt = attempt + 1, \(cleanAttempt), state_changed_at = ? WHERE id = ?
                """).execute(arguments: [now, job.id])
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
        // The attempt ended when the job reached its final state, not now.
        try keepOutcome(db, job: job.id, ended: job.state, errorCode: nil, errorDiag: nil, at: nil)
        try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'activated', queue = ?, attempt = attempt + 1, max_attempts = max(max_attempts, attempt + 1),
                \(cleanAttempt), state_changed_at = ?
            WHERE id = ?
            """).execute(arguments: [queue, now, job.id])
        try appendEvent(db, job: job.id, attempt: job.attempt + 1, state: .activated, now: now, reason: reason, errorCode: nil, lease: nil)
        try count(db, queue: job.queue, state: job.state, by: -1)
        try count(db, queue: queue, state: .activated, by: 1)
    }

    /// Everything on the job row that belongs to one attempt, cleared when the
    /// next begins: a new attempt never shows the last one's exit code,
    /// figures, outputs, timings or error. Both ways a new attempt begins
    /// (`fail` with attempts left, `restart`) use it, after `keepOutcome`.
    static let cleanAttempt = """
        lease = NULL, command = NULL, pilot = NULL, node = NULL, heartbeat_at = NULL, exit_code = NULL, cpu_seconds = NULL,
        max_rss = NULL, outputs = NULL, timings = NULL, error_code = NULL, error_diag = NULL
        """

    /// Keeps the ending attempt's outcome, as the job row has it, in the
    /// job's attempt records (`errorCode`/`errorDiag` when the row does not
    /// carry them yet). `at` is when it ended; nil for an attempt that
    /// ended earlier (a retry of a final job): the row's state change then.
    static func keepOutcome(_ db: Database, job: Int64, ended state: JobState, errorCode: Int?, errorDiag: String?, at: Double?) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO job_attempts (job_id, attempt, state, queue, pilot, node, exit_code, error_code, error_diag,
                cpu_seconds, max_rss, outputs, timings, ended_at)
            SELECT id, attempt, ?, queue, pilot, node, exit_code, coalesce(?, error_code), coalesce(?, error_diag),
                cpu_seconds, max_rss, outputs, timings, coalesce(?, state_changed_at) FROM jobs WHERE id = ?
            """).execute(arguments: [state.rawValue, errorCode, errorDiag, at, job])
    }

    /// Ends the job as cancelled (killed).
    static func cancel(_ db: Database, job: CurrentJob, code: ErrorCode, diagnostic: String?, now: Double) throws {
        try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'cancelled', command = NULL, state_changed_at = ?, error_code = ?, error_diag = ? WHERE id = ?
            """).execute(arguments: [now, code.number, diagnostic ?? code.text, job.id])
        try record(db, job: job, to: .cancelled, now: now, reason: diagnostic ?? code.text, errorCode: code.number, lease: job.lease)
    }
}
