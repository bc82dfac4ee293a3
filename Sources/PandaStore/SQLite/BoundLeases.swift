import GRDB
import PandaCore

/// Leases held for pilots that cannot carry one. The PanDA pilot 3 reports
/// on a job with only its id and attempt number, so the server remembers
/// which token claimed each attempt and under which lease, and finds the
/// lease again when that token reports.
///
/// ```swift
/// let jobs = try await store.claim(request, boundTo: claims.id, now: now)
/// let lease = try await store.boundLease(job: id, attempt: 1, tokenID: claims.id)   // nil for another token
/// ```
public protocol BoundLeaseStore: Sendable {
    /// `claim(_:now:)`, with each claimed attempt bound to the token in the
    /// same transaction: a job handed out is always one its token can report on.
    func claim(_ request: ClaimRequest, boundTo tokenID: String, now: Double) async throws -> [ClaimedJob]
    /// The lease of the attempt if this token claimed it; nil otherwise.
    func boundLease(job: Int64, attempt: Int, tokenID: String) async throws -> String?
}

extension SQLiteJobStore {
    public func claim(_ request: ClaimRequest, boundTo tokenID: String, now: Double) async throws -> [ClaimedJob] {
        try await storeErrors {
            try await writer.write { db in
                let claimed = try Self.claim(db, request, now: now)
                let bind = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO bound_leases (job_id, attempt, token_id, lease, bound_at) VALUES (?, ?, ?, ?, ?)
                    """)
                for job in claimed {
                    try bind.execute(arguments: [job.id, job.attempt, tokenID, job.lease, now])
                }
                return claimed
            }
        }
    }

    public func boundLease(job: Int64, attempt: Int, tokenID: String) async throws -> String? {
        try await storeErrors {
            try await pool.read { db in
                try String.fetchOne(db.cachedStatement(sql: """
                    SELECT lease FROM bound_leases WHERE job_id = ? AND attempt = ? AND token_id = ?
                    """), arguments: [job, attempt, tokenID])
            }
        }
    }
}
