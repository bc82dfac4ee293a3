import Foundation
import PandaCore
import PostgresNIO

extension PostgresJobStore {
    /// One claim in the batch's transaction (`PostgresClaims` has the statement).
    /// `tag` (a key's `claimTag`) goes on each row taken; an unkeyed claim writes NULL.
    static func claim(_ tx: PostgresWrite, _ request: ClaimRequest, tag: String? = nil, now: Double) async throws -> [ClaimedJob] {
        try await PostgresClaims.claim(tx, [(request, tag, now)])[0] ?? []
    }

    /// Keyed claims as on SQLite (`ClaimKeys.swift`): the key is written on
    /// the rows taken, and only a call marked as a retry looks it up, among
    /// the queue's `sent` jobs, taking nothing new when it finds them.
    public func claim(_ request: ClaimRequest, key: RequestKey?, now: Double) async throws -> [ClaimedJob] {
        guard let key, key.isRetry else {
            return try await storeErrors { try await writer.claim(request, tag: key?.claimTag, now: now) }
        }
        return try await write { tx in
            let rows = try await tx.session.rows("""
                SELECT id, attempt, lease, spec, cores, memory, disk, walltime FROM jobs
                WHERE queue = \(request.queue) AND state = 'sent' AND claim_key = \(key.claimTag)
                ORDER BY priority DESC, id
                """)
            let earlier = try rows.map { row in try PostgresClaims.job(row, from: 0) }
            if !earlier.isEmpty { return earlier }
            return try await Self.claim(tx, request, tag: key.claimTag, now: now)
        }
    }

    public func claim(_ request: ClaimRequest, boundTo tokenID: String, now: Double) async throws -> [ClaimedJob] {
        try await write { tx in
            let claimed = try await Self.claim(tx, request, now: now)
            for job in claimed {
                try await tx.session.execute("""
                    INSERT INTO bound_leases (job_id, attempt, token_id, lease, bound_at) VALUES (\(job.id), \(job.attempt), \(tokenID), \(job.lease), \(now))
                    ON CONFLICT (job_id, attempt) DO UPDATE SET token_id = excluded.token_id, lease = excluded.lease, bound_at = excluded.bound_at
                    """)
            }
            return claimed
        }
    }

    public func boundLease(job: Int64, attempt: Int, tokenID: String) async throws -> String? {
        try await read { session in
            try await session.value("SELECT lease FROM bound_leases WHERE job_id = \(job) AND attempt = \(attempt) AND token_id = \(tokenID)",
                                    as: String.self)
        }
    }

    public func unmatched(_ request: ClaimRequest) async throws -> UnmatchedJobs? {
        let seconds = Int64(request.remaining.milliseconds / 1000)
        let sample = SQLiteJobStore.unmatchedSample
        return try await read { session in
            guard let row = try await session.one("""
                SELECT count(*),
                       count(*) FILTER (WHERE cores > \(request.cores)), min(cores) FILTER (WHERE cores > \(request.cores)),
                       count(*) FILTER (WHERE memory > \(request.memory.bytes)), min(memory) FILTER (WHERE memory > \(request.memory.bytes)),
                       count(*) FILTER (WHERE disk > \(request.disk.bytes)), min(disk) FILTER (WHERE disk > \(request.disk.bytes)),
                       count(*) FILTER (WHERE walltime > \(seconds)), min(walltime) FILTER (WHERE walltime > \(seconds))
                FROM (SELECT cores, memory, disk, walltime FROM jobs WHERE queue = \(request.queue) AND state = 'activated'
                      ORDER BY priority DESC, id LIMIT \(sample + 1)) AS sample
                """) else { return nil }
            let count: Int = try row[0]
            guard count > 0 else { return nil }
            var short: [UnmatchedJobs.Resource: UnmatchedJobs.Shortfall] = [:]
            for (index, resource) in UnmatchedJobs.Resource.allCases.enumerated() {
                let jobs: Int = try row[1 + 2 * index]
                if jobs > 0, let least: Int64 = try row[2 + 2 * index] { short[resource] = .init(jobs: jobs, least: least) }
            }
            guard !short.isEmpty else { return nil }
            return UnmatchedJobs(queue: request.queue, activated: min(count, sample), sampled: count > sample,
                                 offer: .init(cores: request.cores, memory: request.memory, disk: request.disk, remaining: request.remaining),
                                 short: short)
        }
    }
}
