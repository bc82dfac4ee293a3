import Foundation
import GRDB
import PandaCore

extension SQLiteJobStore {
    /// The dispatcher's hot path: the highest-priority, oldest activated jobs
    /// of the queue that fit the pilot, each moved to sent by a conditional
    /// update, so a job is handed out once even if two claims overlap.
    /// `tag` (a key's `claimTag`) is written on each job taken, by the same
    /// update, so a retry of the call can find them (`ClaimKeys.swift`).
    static func claim(_ db: Database, _ request: ClaimRequest, tag: String? = nil, now: Double) throws -> [ClaimedJob] {
        try take(db, try candidates(db, request), for: request, tag: tag, now: now)
    }

    /// An activated job that fits a pilot, as matching read it.
    struct Candidate: Sendable {
        let id: Int64
        let attempt: Int
        let specJSON: String
        let cores: Int
        let memory: Int64
        let disk: Int64
        let walltime: Int64
        let maxAttempts: Int
        let owner: String
    }

    static func candidates(_ db: Database, _ request: ClaimRequest) throws -> [Candidate] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, attempt, spec, cores, memory, disk, walltime, max_attempts, owner FROM jobs
            WHERE queue = ? AND state = 'activated' AND cores <= ? AND memory <= ? AND disk <= ? AND walltime <= ?
            ORDER BY priority DESC, id
            LIMIT ?
            """), arguments: [request.queue, request.cores, request.memory.bytes, request.disk.bytes,
                              request.remaining.milliseconds / 1000, request.limit]).map { row in
            Candidate(id: row[0], attempt: row[1], specJSON: row[2], cores: row[3], memory: row[4], disk: row[5],
                      walltime: row[6], maxAttempts: row[7], owner: row[8])
        }
    }

    /// Moves the candidates to sent. The `state = 'activated'` guard is what
    /// makes dispatch exactly-once: candidates read before another writer
    /// took them (another server on the database, a read outside the write
    /// lock) are skipped, never handed out twice.
    /// An unkeyed claim writes NULL, so no earlier attempt's key survives.
    static func take(_ db: Database, _ candidates: [Candidate], for request: ClaimRequest, tag: String? = nil, now: Double) throws -> [ClaimedJob] {
        let take = try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'sent', lease = ?, pilot = ?, node = ?, command = NULL, state_changed_at = ?, heartbeat_at = ?,
                claim_key = ?
            WHERE id = ? AND state = 'activated' AND attempt = ?
            """)
        var claimed: [ClaimedJob] = []
        for candidate in candidates {
            // Unguessable, so only the pilot handed the job can report on it.
            let lease = RandomHex.make(bits: 128)
            try take.execute(arguments: [lease, request.pilot, request.node, now, now, tag, candidate.id, candidate.attempt])
            guard db.changesCount == 1 else { continue }
            let job = CurrentJob(id: candidate.id, queue: request.queue, state: .activated, attempt: candidate.attempt,
                                 maxAttempts: candidate.maxAttempts, lease: lease, command: nil, owner: candidate.owner)
            try JobMoves.record(db, job: job, to: .sent, now: now, reason: "to pilot \(request.pilot ?? "?") on \(request.node)", lease: lease)
            claimed.append(ClaimedJob(id: candidate.id, attempt: candidate.attempt, lease: lease, specJSON: candidate.specJSON,
                                      cores: candidate.cores, memory: ByteCount(bytes: candidate.memory),
                                      disk: ByteCount(bytes: candidate.disk), walltime: .seconds(candidate.walltime)))
        }
        return claimed
    }
}
