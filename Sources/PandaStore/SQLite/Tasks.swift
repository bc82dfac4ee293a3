import Foundation
import GRDB
import PandaCore

extension SQLiteJobStore {
    static func insertTask(_ db: Database, _ task: NewTask, spec: String, jobs: [NewJob], jobSpecs: [String], now: Double) throws -> Int64 {
        let key = task.requestID.map { RequestKey(caller: task.owner, key: $0, route: "task/submit") }
        if let earlier = try RequestKeys.earlier(db, key), let id = Int64(earlier) { return id }
        if let name = task.spec.outputDataset { try Catalogue.newDataset(db, name: name, owner: task.owner, now: now) }
        let inputs = String(decoding: try JSONEncoder().encode(task.spec.inputDatasets), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO tasks (name, owner, in_ds, out_ds, jobs, spec, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [task.spec.name, task.owner, inputs, task.spec.outputDataset, jobs.count, spec, now])
        let id = db.lastInsertedRowID
        try RequestKeys.remember(db, key, reply: String(id), now: now)
        _ = try insert(db, jobs, specs: jobSpecs, taskID: id, now: now)
        return id
    }

    /// Through the state indexes: only jobs that have not ended are read.
    static func unendedWriters(_ db: Database, dataset: String) throws -> [DatasetWriters] {
        let states = DatasetWriters.unendedStates
        return try Row.fetchAll(db, sql: """
            SELECT task_id, count(*) FROM jobs WHERE state IN (\(states.map { _ in "?" }.joined(separator: ", "))) AND out_dataset = ?
            GROUP BY task_id ORDER BY task_id   -- NULL (jobs outside a task) first, as PostgreSQL is told to
            """, arguments: StatementArguments(states + [dataset])).map { DatasetWriters(taskID: $0[0], jobs: $0[1]) }
    }

    static func taskID(_ db: Database, owner: String, requestID: String) throws -> Int64? {
        try RequestKeys.earlier(db, RequestKey(caller: owner, key: requestID, route: "task/submit")).flatMap { Int64($0) }
    }

    static func jobsByQueue(_ db: Database, task: Int64) throws -> [String: Int] {
        var queues: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT queue, count(*) FROM jobs WHERE task_id = ? GROUP BY queue", arguments: [task]) {
            queues[row[0]] = row[1]
        }
        return queues
    }

    static func taskStatus(_ db: Database, id: Int64, owner: String?, failures: Bool = true) throws -> TaskStatus? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, name, owner, in_ds, out_ds, jobs, killed, created_at FROM tasks WHERE id = ?
            """, arguments: [id]) else { return nil }
        let taskOwner: String = row[2]
        guard owner == nil || owner == taskOwner else { return nil }
        var counts: [JobState: Int] = [:]
        for count in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, count(*) FROM jobs WHERE task_id = ? GROUP BY state"),
                                      arguments: [id]) {
            if let state = JobState(rawValue: count[0]) { counts[state] = count[1] }
        }
        let failureRows = failures ? try Row.fetchAll(db.cachedStatement(sql: """
            SELECT error_code, error_diag, count(*), min(id) FROM jobs
            WHERE task_id = ? AND state IN ('failed', 'cancelled')
            GROUP BY error_code, error_diag ORDER BY count(*) DESC LIMIT 5
            """), arguments: [id]) : []
        return TaskStatus(
            id: id, name: row[1], owner: taskOwner, state: TaskState(counts: counts, killed: row[6]),
            inputDatasets: try JSONDecoder().decode([String].self, from: Data((row[3] as String).utf8)), outputDataset: row[4],
            jobs: row[5], counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
            failures: failureRows.map { TaskFailure(errorCode: $0[0], errorDiag: $0[1], jobs: $0[2], exampleJob: $0[3]) },
            createdAt: row[7])
    }

    static func tasks(_ db: Database, owner: String?, limit: Int) throws -> [TaskStatus] {
        let ids = if let owner {
            try Int64.fetchAll(db, sql: "SELECT id FROM tasks WHERE owner = ? ORDER BY id DESC LIMIT ?", arguments: [owner, limit])
        } else {
            try Int64.fetchAll(db, sql: "SELECT id FROM tasks ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
        return try ids.compactMap { try taskStatus(db, id: $0, owner: nil, failures: false) }
    }

    static func killTask(_ db: Database, id: Int64, owner: String?, now: Double) throws -> TaskKillResult? {
        guard let taskOwner = try String.fetchOne(db, sql: "SELECT owner FROM tasks WHERE id = ?", arguments: [id]),
              owner == nil || owner == taskOwner else { return nil }
        try db.execute(sql: "UPDATE tasks SET killed = 1 WHERE id = ?", arguments: [id])
        let alive = try Int64.fetchAll(db, sql: """
            SELECT id FROM jobs WHERE task_id = ? AND state NOT IN ('finished', 'failed', 'cancelled')
            """, arguments: [id])
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE task_id = ?", arguments: [id]) ?? 0
        var result = TaskKillResult(taskID: id, cancelled: 0, killRequested: 0, alreadyFinal: total - alive.count)
        for outcome in try kill(db, alive, owner: nil, now: now) {
            switch outcome.outcome {
            case .cancelled: result.cancelled += 1
            case .killRequested: result.killRequested += 1
            case .alreadyFinal, .notFound: result.alreadyFinal += 1
            }
        }
        return result
    }

    /// Failed and cancelled jobs start one more attempt, brokered again (the
    /// queue that failed them may be gone), their earlier attempts kept in
    /// their history.
    static func retryTask(_ db: Database, id: Int64, owner: String?, now: Double,
                          queueFor: (JobSpec) -> String?) throws -> TaskRetryResult? {
        guard let taskOwner = try String.fetchOne(db, sql: "SELECT owner FROM tasks WHERE id = ?", arguments: [id]),
              owner == nil || owner == taskOwner else { return nil }
        try db.execute(sql: "UPDATE tasks SET killed = 0 WHERE id = ?", arguments: [id])
        let ended = try Row.fetchAll(db, sql: "SELECT id, spec FROM jobs WHERE task_id = ? AND state IN ('failed', 'cancelled')",
                                     arguments: [id])
        let decoder = JSONDecoder()
        for row in ended {
            guard let job = try CurrentJob.fetch(db, id: row[0]) else { continue }
            let spec = try? decoder.decode(JobSpec.self, from: Data((row[1] as String).utf8))
            let queue = spec.flatMap(queueFor) ?? job.queue
            try JobMoves.restart(db, job: job, at: queue, now: now,
                                 reason: "attempt \(job.attempt + 1) at \(queue) on request of \(taskOwner) (task \(id) retried)")
        }
        return TaskRetryResult(taskID: id, retried: ended.count)
    }
}
