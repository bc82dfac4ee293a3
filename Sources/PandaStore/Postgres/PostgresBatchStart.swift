import PandaCore
import PostgresNIO

/// A batch's first statement: its claims (`PostgresClaims`) and the lock on
/// its reports' jobs (`PostgresReports`), in one round trip. With the
/// plain reports' moves and the counter deltas in the last statement
/// (`PostgresWrite.flush`), a batch of claims and reports costs four round
/// trips however many it holds: BEGIN, this, the flush, COMMIT.
enum PostgresBatchStart {
    /// Runs the claims and locks the reports' jobs; returns how to answer
    /// the claims once the batch commits, and the locked jobs by id.
    static func run(_ tx: PostgresWrite, claims: [PendingClaim], reports: [PendingReport]) async throws
        -> (claimAnswers: [@Sendable () -> Void], locked: [Int64: CurrentJob]) {
        let asked = claims.map { ($0.request, $0.tag, $0.now) }
        let ids = Set(reports.map(\.update.jobID)).sorted()
        let rows = try await tx.session.run(Start.self, bindings(try PostgresClaims.argument(asked), ids))
        var claimRows: [PostgresRowValues] = []
        var locked: [Int64: CurrentJob] = [:]
        for row in rows {
            if try row[0] as Int? != nil {
                claimRows.append(row)
                continue
            }
            let job = CurrentJob(id: try row[1], queue: try row[9], state: JobState(rawValue: try row[10]) ?? .failed, attempt: try row[2],
                                 maxAttempts: try row[11], lease: try row[3], command: try row[12], owner: try row[13],
                                 outputDataset: try row[14])
            locked[job.id] = job
        }
        let taken = try PostgresClaims.taken(from: claimRows, by: asked, in: tx)
        let answers = claims.enumerated().map { index, claim -> @Sendable () -> Void in
            let jobs = taken[index] ?? []
            return { claim.answer(.success(jobs)) }
        }
        return (answers, locked)
    }

    /// Claim rows have the claim's index first; locked rows have NULL there,
    /// and the job's row in columns 1–3 and 9–14. The reports' jobs are
    /// locked in id order, so two servers' batches take them in the same order.
    enum Start: HotStatement {
        static let sql = """
            WITH claimed AS (
                SELECT * FROM panda_claim($1::json)
            ), locked AS (
                SELECT id, queue, state, attempt, max_attempts, lease, command, owner, out_dataset FROM jobs
                WHERE id = ANY($2::bigint[]) ORDER BY id FOR UPDATE
            )
            SELECT request, id, attempt, lease, spec, cores, memory, disk, walltime,
                NULL::text, NULL::text, NULL::bigint, NULL::text, NULL::text, NULL::text FROM claimed
            UNION ALL
            SELECT NULL, id, attempt, lease, NULL, NULL, NULL, NULL, NULL, queue, state, max_attempts, command, owner, out_dataset FROM locked
            """
    }
}
