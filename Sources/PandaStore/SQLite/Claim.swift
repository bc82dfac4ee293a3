import Foundation
import GRDB
import PandaCore

extension SQLiteJobStore {
    /// The dispatcher's hot path: the highest-priority, oldest activated jobs
    /// of the queue that fit the pilot, each moved to sent by a conditional
    /// update, so a job is handed out once even if two claims overlap.
    static func claim(_ db: Database, _ request: ClaimRequest, now: Double) throws -> [ClaimedJob] {
        let candidates = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, attempt, spec, cores, memory, disk, walltime, max_attempts, owner FROM jobs
            WHERE queue = ? AND state = 'activated' AND cores <= ? AND memory <= ? AND disk <= ? AND walltime <= ?
            ORDER BY priority DESC, id
            LIMIT ?
            """), arguments: [request.queue, request.cores, request.memory.bytes, request.disk.bytes,
                              request.remaining.milliseconds / 1000, request.limit])
        let take = try db.cachedStatement(sql: """
            UPDATE jobs SET state = 'sent', lease = ?, pilot = ?, node = ?, command = NULL, state_changed_at = ?, heartbeat_at = ?
            WHERE id = ? AND state = 'activated'
            """)
        var claimed: [ClaimedJob] = []
        for row in candidates {
            let id: Int64 = row[0]
            let attempt: Int = row[1]
            // Unguessable, so only the pilot handed the job can report on it.
            let lease = RandomHex.make(bits: 128)
            try take.execute(arguments: [lease, request.pilot, request.node, now, now, id])
            guard db.changesCount == 1 else { continue }
            let job = CurrentJob(id: id, queue: request.queue, state: .activated, attempt: attempt, maxAttempts: row[7],
                                 lease: lease, command: nil, owner: row[8])
            try JobMoves.record(db, job: job, to: .sent, now: now, reason: "to pilot \(request.pilot ?? "?") on \(request.node)", lease: lease)
            claimed.append(ClaimedJob(id: id, attempt: attempt, lease: lease, specJSON: row[2], cores: row[3],
                                      memory: ByteCount(bytes: row[4]), disk: ByteCount(bytes: row[5]),
                                      walltime: .seconds(row[6])))
        }
        return claimed
    }
}
