import PandaCore
import PostgresNIO

extension PostgresJobStore {
    /// As `SQLiteJobStore.prunable`.
    public func prunable(endedBefore cutoff: Double, after: Int64, limit: Int) async throws -> [PrunableJob] {
        try await read { session in
            let rows = try await session.rows("""
                SELECT j.id, j.outputs FROM jobs j
                WHERE j.state IN ('finished', 'failed', 'cancelled') AND j.state_changed_at < \(cutoff) AND j.id > \(after)
                  AND (j.task_id IS NULL OR NOT EXISTS (
                    SELECT 1 FROM jobs o WHERE o.task_id = j.task_id
                      AND (o.state NOT IN ('finished', 'failed', 'cancelled') OR o.state_changed_at >= \(cutoff))))
                ORDER BY j.id LIMIT \(Int64(limit))
                """)
            var due: [PrunableJob] = []
            for row in rows {
                let id: Int64 = try row[0]
                var logs = PrunableLogs.logs(in: try row[1] as String?)
                for attempt in try await session.rows("SELECT outputs FROM job_attempts WHERE job_id = \(id) ORDER BY attempt") {
                    logs += PrunableLogs.logs(in: try attempt[0] as String?)
                }
                var urls: [String] = []
                for log in logs where !urls.contains(log.url) {
                    if try await !Self.isCatalogued(session, log) { urls.append(log.url) }
                }
                due.append(PrunableJob(id: id, logs: urls))
            }
            return due
        }
    }

    /// As `SQLiteJobStore.prune`; the rows are taken FOR UPDATE, so a retry
    /// racing with the removal either wins (and keeps its job) or waits.
    public func prune(_ ids: [Int64], endedBefore cutoff: Double) async throws -> PruneResult {
        guard !ids.isEmpty else { return PruneResult() }
        return try await write { tx in
            var result = PruneResult()
            let gone = try await tx.session.rows("""
                SELECT id, queue, state, task_id FROM jobs
                WHERE id = ANY(\(ids)::bigint[]) AND state IN ('finished', 'failed', 'cancelled') AND state_changed_at < \(cutoff)
                ORDER BY id FOR UPDATE
                """)
            var removed: [Int64] = []
            var tasks = Set<Int64>()
            for row in gone {
                removed.append(try row[0])
                if let state = JobState(rawValue: try row[2]) { tx.count(queue: try row[1], state: state, by: -1) }
                if let task = try row[3] as Int64? { tasks.insert(task) }
            }
            guard !removed.isEmpty else { return result }
            try await tx.session.execute("DELETE FROM job_events WHERE job_id = ANY(\(removed)::bigint[])")
            try await tx.session.execute("DELETE FROM job_attempts WHERE job_id = ANY(\(removed)::bigint[])")
            try await tx.session.execute("DELETE FROM bound_leases WHERE job_id = ANY(\(removed)::bigint[])")
            try await tx.session.execute("DELETE FROM jobs WHERE id = ANY(\(removed)::bigint[])")
            result.jobs = removed.count
            let emptied = try await tx.session.rows("""
                DELETE FROM tasks t WHERE t.id = ANY(\(Array(tasks))::bigint[])
                  AND NOT EXISTS (SELECT 1 FROM jobs WHERE task_id = t.id) RETURNING t.id
                """)
            result.tasks = emptied.count
            return result
        }
    }

    private static func isCatalogued(_ session: PostgresSession, _ file: StoredFile) async throws -> Bool {
        if let scope = file.scope {
            let listed: Int32? = try await session.value("""
                SELECT 1 FROM files f JOIN dataset_files d ON d.file_id = f.id WHERE f.scope = \(scope) AND f.lfn = \(file.lfn) LIMIT 1
                """)
            if listed != nil { return true }
        }
        let listed: Int32? = try await session.value("""
            SELECT 1 FROM replicas r JOIN dataset_files d ON d.file_id = r.file_id WHERE r.url = \(file.url) LIMIT 1
            """)
        return listed != nil
    }
}
