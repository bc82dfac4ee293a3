import PandaCore
import PostgresNIO

extension CurrentJob {
    /// The job's row, locked until the batch commits: a write on another
    /// server waits for it and then reads the row as this one left it.
    static func fetch(_ session: PostgresSession, id: Int64) async throws -> CurrentJob? {
        guard let row = try await session.one("""
            SELECT queue, state, attempt, max_attempts, lease, command, owner, out_dataset FROM jobs WHERE id = \(id) FOR UPDATE
            """) else { return nil }
        return CurrentJob(id: id, queue: try row[0], state: JobState(rawValue: try row[1]) ?? .failed, attempt: try row[2],
                          maxAttempts: try row[3], lease: try row[4], command: try row[5], owner: try row[6], outputDataset: try row[7])
    }
}

/// How a job moves on PostgreSQL: the row, its history and the state
/// counters change together, in the batch's transaction (as `JobMoves` on SQLite).
enum PostgresJobMoves {
    static func record(_ tx: PostgresWrite, job: CurrentJob, attempt: Int? = nil, to state: JobState, now: Double,
                       reason: String? = nil, errorCode: Int? = nil, lease: String? = nil) async throws {
        try await appendEvent(tx, job: job.id, attempt: attempt ?? job.attempt, state: state, now: now,
                              reason: reason, errorCode: errorCode, lease: lease)
        if job.state != state {
            tx.count(queue: job.queue, state: job.state, by: -1)
            tx.count(queue: job.queue, state: state, by: 1)
        }
    }

    static func appendEvent(_ tx: PostgresWrite, job: Int64, attempt: Int, state: JobState, now: Double,
                            reason: String?, errorCode: Int?, lease: String?) async throws {
        try await tx.session.execute("""
            INSERT INTO job_events (job_id, attempt, state, at, reason, error_code, lease)
            VALUES (\(job), \(attempt), \(state.rawValue), \(now), \(reason), \(errorCode), \(lease))
            """)
    }

    /// Ends the current attempt as failed; with attempts left, a retryable
    /// error and no kill asked for, the job starts its next attempt as activated.
    @discardableResult
    static func fail(_ tx: PostgresWrite, job: CurrentJob, code: ErrorCode, diagnostic: String?, now: Double) async throws -> JobState {
        try await record(tx, job: job, to: .failed, now: now, reason: diagnostic ?? code.text, errorCode: code.number, lease: job.lease)
        if code.isRetryable, job.attempt < job.maxAttempts, job.command == nil {
            try await keepOutcome(tx, job: job.id, ended: .failed, errorCode: code.number, errorDiag: diagnostic ?? code.text, at: now)
            try await tx.session.execute(PostgresQuery(unsafeSQL: """
                UPDATE jobs SET state = 'activated', attempt = attempt + 1, \(JobMoves.cleanAttempt), state_changed_at = $1 WHERE id = $2
                """, binds: bindings(now, job.id)))
            try await record(tx, job: job.moved(to: .failed), attempt: job.attempt + 1, to: .activated, now: now,
                             reason: "attempt \(job.attempt + 1) of \(job.maxAttempts) after \(code.name)")
            return .activated
        }
        try await tx.session.execute("""
            UPDATE jobs SET state = 'failed', state_changed_at = \(now), error_code = \(code.number), error_diag = \(diagnostic ?? code.text)
            WHERE id = \(job.id)
            """)
        return .failed
    }

    /// Starts a new attempt of an ended job as activated (its owner's retry).
    static func restart(_ tx: PostgresWrite, job: CurrentJob, at queue: String, now: Double, reason: String) async throws {
        // The attempt ended when the job reached its final state, not now.
        try await keepOutcome(tx, job: job.id, ended: job.state, errorCode: nil, errorDiag: nil, at: nil)
        try await tx.session.execute(PostgresQuery(unsafeSQL: """
            UPDATE jobs SET state = 'activated', queue = $1, attempt = attempt + 1, max_attempts = greatest(max_attempts, attempt + 1),
                \(JobMoves.cleanAttempt), state_changed_at = $2
            WHERE id = $3
            """, binds: bindings(queue, now, job.id)))
        try await appendEvent(tx, job: job.id, attempt: job.attempt + 1, state: .activated, now: now, reason: reason, errorCode: nil, lease: nil)
        tx.count(queue: job.queue, state: job.state, by: -1)
        tx.count(queue: queue, state: .activated, by: 1)
    }

    /// Keeps the ending attempt's outcome, as the job row has it, in the job's
    /// attempt records; `at` nil: it ended at the row's last state change.
    static func keepOutcome(_ tx: PostgresWrite, job: Int64, ended state: JobState, errorCode: Int?, errorDiag: String?, at: Double?) async throws {
        try await tx.session.execute("""
            INSERT INTO job_attempts (job_id, attempt, state, queue, pilot, node, exit_code, error_code, error_diag,
                cpu_seconds, max_rss, outputs, timings, ended_at)
            SELECT id, attempt, \(state.rawValue), queue, pilot, node, exit_code, coalesce(\(errorCode.map(Int64.init))::bigint, error_code),
                coalesce(\(errorDiag)::text, error_diag), cpu_seconds, max_rss, outputs, timings,
                coalesce(\(at)::double precision, state_changed_at) FROM jobs WHERE id = \(job)
            ON CONFLICT (job_id, attempt) DO UPDATE SET state = excluded.state, queue = excluded.queue, pilot = excluded.pilot,
                node = excluded.node, exit_code = excluded.exit_code, error_code = excluded.error_code, error_diag = excluded.error_diag,
                cpu_seconds = excluded.cpu_seconds, max_rss = excluded.max_rss, outputs = excluded.outputs, timings = excluded.timings,
                ended_at = excluded.ended_at
            """)
    }

    /// Ends the job as cancelled (killed).
    static func cancel(_ tx: PostgresWrite, job: CurrentJob, code: ErrorCode, diagnostic: String?, now: Double) async throws {
        try await tx.session.execute("""
            UPDATE jobs SET state = 'cancelled', command = NULL, state_changed_at = \(now), error_code = \(code.number),
                error_diag = \(diagnostic ?? code.text) WHERE id = \(job.id)
            """)
        try await record(tx, job: job, to: .cancelled, now: now, reason: diagnostic ?? code.text, errorCode: code.number, lease: job.lease)
    }
}
