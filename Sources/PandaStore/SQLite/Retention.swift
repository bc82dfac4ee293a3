import GRDB
import PandaCore

extension SQLiteJobStore {
    public func prunable(endedBefore cutoff: Double, after: Int64, limit: Int) async throws -> [PrunableJob] {
        try await storeErrors { try await pool.read { db in try Self.prunable(db, endedBefore: cutoff, after: after, limit: limit) } }
    }

    public func prune(_ ids: [Int64], endedBefore cutoff: Double) async throws -> PruneResult {
        guard !ids.isEmpty else { return PruneResult() }
        return try await storeErrors { try await writer.write { db in try Self.prune(db, ids, endedBefore: cutoff) } }
    }

    static func prunable(_ db: Database, endedBefore cutoff: Double, after: Int64, limit: Int) throws -> [PrunableJob] {
        // A task's jobs go together: none of them may be unended or younger.
        let rows = try Row.fetchAll(db, sql: """
            SELECT j.id, j.outputs FROM jobs j
            WHERE j.state IN \(PrunableLogs.endedStates) AND j.state_changed_at < ? AND j.id > ?
              AND (j.task_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM jobs o WHERE o.task_id = j.task_id
                  AND (o.state NOT IN \(PrunableLogs.endedStates) OR o.state_changed_at >= ?)))
            ORDER BY j.id LIMIT ?
            """, arguments: [cutoff, after, cutoff, limit])
        return try rows.map { row in
            let id: Int64 = row[0]
            let outputs: String? = row[1]
            var logs = PrunableLogs.logs(in: outputs)
            for outputs in try String?.fetchAll(db, sql: "SELECT outputs FROM job_attempts WHERE job_id = ? ORDER BY attempt", arguments: [id]) {
                logs += PrunableLogs.logs(in: outputs)
            }
            var urls: [String] = []
            for log in logs where !urls.contains(log.url) {
                if try !isCatalogued(db, log) { urls.append(log.url) }
            }
            return PrunableJob(id: id, logs: urls)
        }
    }

    /// Whether a dataset lists this file: then it is the catalogue's, not the job's.
    static func isCatalogued(_ db: Database, _ file: StoredFile) throws -> Bool {
        if let scope = file.scope {
            let listed = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM files f JOIN dataset_files d ON d.file_id = f.id WHERE f.scope = ? AND f.lfn = ? LIMIT 1
                """, arguments: [scope, file.lfn])
            if listed == true { return true }
        }
        return try Bool.fetchOne(db, sql: """
            SELECT 1 FROM replicas r JOIN dataset_files d ON d.file_id = r.file_id WHERE r.url = ? LIMIT 1
            """, arguments: [file.url]) == true
    }

    static func prune(_ db: Database, _ ids: [Int64], endedBefore cutoff: Double) throws -> PruneResult {
        var result = PruneResult()
        var tasks = Set<Int64>()
        for id in ids {
            guard let row = try Row.fetchOne(db, sql: """
                SELECT queue, state, task_id FROM jobs WHERE id = ? AND state IN \(PrunableLogs.endedStates) AND state_changed_at < ?
                """, arguments: [id, cutoff]) else { continue }
            for table in ["job_events", "job_attempts", "bound_leases"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE job_id = ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
            let queue: String = row[0], state: String = row[1]
            if let state = JobState(rawValue: state) { try JobMoves.count(db, queue: queue, state: state, by: -1) }
            if let task: Int64 = row[2] { tasks.insert(task) }
            result.jobs += 1
        }
        for task in tasks.sorted() {
            try db.execute(sql: "DELETE FROM tasks WHERE id = ? AND NOT EXISTS (SELECT 1 FROM jobs WHERE task_id = ?)", arguments: [task, task])
            result.tasks += db.changesCount
        }
        return result
    }
}
