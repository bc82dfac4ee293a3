import Foundation
import PandaCore
import PostgresNIO

extension PostgresJobStore {
    static func status(from row: PostgresRowValues) throws -> JobStatus {
        JobStatus(id: try row[0], taskID: try row[1], name: try row[2], owner: try row[3], queue: try row[4],
                  state: JobState(rawValue: try row[5]) ?? .failed, attempt: try row[6], maxAttempts: try row[7], priority: try row[8],
                  errorCode: try row[9], errorDiag: try row[10], createdAt: try row[11], stateChangedAt: try row[12])
    }

    public func status(of ids: [Int64], owner: String?) async throws -> [JobStatus] {
        try await read { session in
            let rows = try await session.rows(PostgresQuery(unsafeSQL: """
                SELECT \(SQLiteJobStore.statusColumns) FROM jobs WHERE id = ANY($1)
                """, binds: bindings(ids)))
            var byID: [Int64: JobStatus] = [:]
            for row in rows {
                let status = try Self.status(from: row)
                byID[status.id] = status
            }
            // In the order asked, as SQLite answers.
            return ids.compactMap { id in byID[id].flatMap { owner == nil || owner == $0.owner ? $0 : nil } }
        }
    }

    public func describe(_ id: Int64, owner: String?) async throws -> JobDescription? {
        try await read { session in
            guard let row = try await session.one(PostgresQuery(unsafeSQL: """
                SELECT \(SQLiteJobStore.statusColumns), spec, pilot, node, exit_code, cpu_seconds, max_rss, outputs, timings FROM jobs WHERE id = $1
                """, binds: bindings(id))) else { return nil }
            let status = try Self.status(from: row)
            guard owner == nil || owner == status.owner else { return nil }
            let decoder = JSONDecoder()
            let spec = try decoder.decode(JobSpec.self, from: Data((try row[13] as String).utf8))
            let outputs = try (try row[19] as String?).map { try decoder.decode([StoredFile].self, from: Data($0.utf8)) } ?? []
            let timings = try (try row[20] as String?).map { try decoder.decode(StepTimings.self, from: Data($0.utf8)) }
            let history = try await session.rows("""
                SELECT attempt, state, at, reason, error_code FROM job_events WHERE job_id = \(id) ORDER BY id
                """).map { event in
                JobEvent(attempt: try event[0], state: JobState(rawValue: try event[1]) ?? .failed, at: try event[2], reason: try event[3],
                         errorCode: try event[4])
            }
            let maxRSS = (try row[18] as Int64?).map { ByteCount(bytes: $0) }
            let pilot: String? = try row[14], node: String? = try row[15], exitCode: Int? = try row[16], cpu: Double? = try row[17]
            let current = AttemptOutcome(
                attempt: status.attempt, state: status.state, queue: status.queue, pilot: pilot, node: node, exitCode: exitCode,
                errorCode: status.errorCode, errorDiag: status.errorDiag, cpuSeconds: cpu, maxRSS: maxRSS, outputs: outputs,
                timings: timings, endedAt: status.state.isFinal ? status.stateChangedAt : nil)
            return JobDescription(status: status, spec: spec, pilot: pilot, node: node, exitCode: exitCode, cpuSeconds: cpu, maxRSS: maxRSS,
                                  outputs: outputs, timings: timings, history: history,
                                  attempts: try await Self.earlierAttempts(session, id: id, before: status.attempt) + [current])
        }
    }

    static func earlierAttempts(_ session: PostgresSession, id: Int64, before attempt: Int) async throws -> [AttemptOutcome] {
        let decoder = JSONDecoder()
        return try await session.rows("""
            SELECT attempt, state, queue, pilot, node, exit_code, error_code, error_diag, cpu_seconds, max_rss, outputs, timings, ended_at
            FROM job_attempts WHERE job_id = \(id) AND attempt < \(attempt) ORDER BY attempt
            """).map { row in
            AttemptOutcome(
                attempt: try row[0], state: JobState(rawValue: try row[1]) ?? .failed, queue: try row[2], pilot: try row[3], node: try row[4],
                exitCode: try row[5], errorCode: try row[6], errorDiag: try row[7], cpuSeconds: try row[8],
                maxRSS: (try row[9] as Int64?).map { ByteCount(bytes: $0) },
                outputs: try (try row[10] as String?).map { try decoder.decode([StoredFile].self, from: Data($0.utf8)) } ?? [],
                timings: try (try row[11] as String?).map { try decoder.decode(StepTimings.self, from: Data($0.utf8)) }, endedAt: try row[12])
        }
    }

    /// The counters' shards summed: a few rows per queue and state, never the jobs.
    public func summary() async throws -> StateSummary {
        try await read { session in try await Self.summary(session) }
    }

    static func summary(_ session: PostgresSession) async throws -> StateSummary {
        var queues: [String: [String: Int]] = [:]
        for row in try await session.rows("SELECT queue, state, sum(n)::bigint FROM state_counts GROUP BY queue, state HAVING sum(n) != 0") {
            queues[try row[0], default: [:]][try row[1]] = try row[2]
        }
        return StateSummary(queues: queues)
    }

    /// Folds each (queue, state)'s shards into shard 0, so the counters stay
    /// a handful of rows; the sampler calls it once a minute.
    static func foldCounters(_ session: PostgresSession) async throws {
        try await session.execute("""
            WITH gone AS (DELETE FROM state_counts WHERE shard != 0 RETURNING queue, state, n)
            INSERT INTO state_counts (queue, state, shard, n)
            SELECT queue, state, 0, sum(n) FROM gone GROUP BY queue, state ORDER BY queue, state
            ON CONFLICT (queue, state, shard) DO UPDATE SET n = state_counts.n + excluded.n
            """)
    }
}
