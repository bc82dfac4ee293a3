import GRDB
import PandaCore

/// Keyed claims. A claim's idempotency key lives on the rows of the jobs it
/// took (`jobs.claim_key`, the caller and the key), written by the claim's
/// own UPDATE: a first try reads nothing and writes no extra row, and the
/// key needs no expiry, since the job's next claim overwrites it.
///
/// Only a call the client marks as a retry looks its key up: among the
/// queue's `sent` jobs (through the dispatch index), those whose row carries
/// this caller's key are the ones the first try took, at their current
/// attempt and lease, still waiting for a pilot that never got the answer.
/// The retry gets exactly those and takes nothing new. A job that left `sent`
/// meanwhile (killed, or swept after the sent timeout) is not handed out
/// again. A retry that finds nothing (the first try never arrived, or found
/// no work) claims as a first try would.
extension SQLiteJobStore {
    static func claim(_ db: Database, _ request: ClaimRequest, key: RequestKey?, now: Double) throws -> [ClaimedJob] {
        if let key, key.isRetry {
            let earlier = try claimedEarlier(db, queue: request.queue, tag: key.claimTag)
            if !earlier.isEmpty { return earlier }
        }
        return try claim(db, request, tag: key?.claimTag, now: now)
    }

    /// The jobs of `queue` still in `sent` from the claim tagged `tag`, in
    /// the order a claim hands them out.
    static func claimedEarlier(_ db: Database, queue: String, tag: String) throws -> [ClaimedJob] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, attempt, lease, spec, cores, memory, disk, walltime FROM jobs
            WHERE queue = ? AND state = 'sent' AND claim_key = ?
            ORDER BY priority DESC, id
            """), arguments: [queue, tag]).map { row in
            ClaimedJob(id: row[0], attempt: row[1], lease: row[2], specJSON: row[3], cores: row[4],
                       memory: ByteCount(bytes: row[5]), disk: ByteCount(bytes: row[6]), walltime: .seconds(row[7]))
        }
    }
}
