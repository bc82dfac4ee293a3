import Foundation
import PandaCore
import PostgresNIO

extension PostgresJobStore {
    public func submitTask(_ task: NewTask, jobs: [NewJob], now: Double) async throws(StoreError) -> Int64 {
        let encoded = try task.encodedSpecs(jobs: jobs)
        return try await write { tx in
            let key = task.requestID.map { RequestKey(caller: task.owner, key: $0, route: "task/submit") }
            if let earlier = try await PostgresRequestKeys.earlier(tx.session, key), let id = Int64(earlier) { return id }
            if let name = task.spec.outputDataset { try await PostgresCatalogue.newDataset(tx.session, name: name, owner: task.owner, now: now) }
            let inputs = String(decoding: try JSONEncoder().encode(task.spec.inputDatasets), as: UTF8.self)
            guard let id = try await tx.session.value("""
                INSERT INTO tasks (name, owner, in_ds, out_ds, jobs, spec, created_at)
                VALUES (\(task.spec.name), \(task.owner), \(inputs), \(task.spec.outputDataset), \(jobs.count), \(encoded.task), \(now))
                RETURNING id
                """, as: Int64.self) else { throw StoreError.database("the task insert returned no id") }
            try await PostgresRequestKeys.remember(tx.session, key, reply: String(id), now: now)
            _ = try await Self.insert(tx, jobs, specs: encoded.jobs, taskID: id, now: now)
            return id
        }
    }

    public func task(owner: String, requestID: String) async throws -> (id: Int64, queues: [String: Int])? {
        let found: (Int64, [String: Int])? = try await read { session in
            let key = RequestKey(caller: owner, key: requestID, route: "task/submit")
            guard let id = try await PostgresRequestKeys.earlier(session, key).flatMap({ Int64($0) }) else { return nil }
            var queues: [String: Int] = [:]
            for row in try await session.rows("SELECT queue, count(*) FROM jobs WHERE task_id = \(id) GROUP BY queue") {
                queues[try row[0]] = try row[1]
            }
            return (id, queues)
        }
        return found.map { (id: $0.0, queues: $0.1) }
    }

    public func taskStatus(_ id: Int64, owner: String?) async throws -> TaskStatus? {
        try await read { session in try await Self.taskStatus(session, id: id, owner: owner) }
    }

    static func taskStatus(_ session: PostgresSession, id: Int64, owner: String?, failures: Bool = true) async throws -> TaskStatus? {
        guard let row = try await session.one("""
            SELECT id, name, owner, in_ds, out_ds, jobs, killed, created_at FROM tasks WHERE id = \(id)
            """) else { return nil }
        let taskOwner: String = try row[2]
        guard owner == nil || owner == taskOwner else { return nil }
        var counts: [JobState: Int] = [:]
        for count in try await session.rows("SELECT state, count(*) FROM jobs WHERE task_id = \(id) GROUP BY state") {
            if let state = JobState(rawValue: try count[0]) { counts[state] = try count[1] }
        }
        let failureRows = failures ? try await session.rows("""
            SELECT error_code, error_diag, count(*), min(id) FROM jobs
            WHERE task_id = \(id) AND state IN ('failed', 'cancelled')
            GROUP BY error_code, error_diag ORDER BY count(*) DESC LIMIT 5
            """) : []
        let killed: Bool = try row[6]
        return TaskStatus(
            id: id, name: try row[1], owner: taskOwner, state: TaskState(counts: counts, killed: killed),
            inputDatasets: try JSONDecoder().decode([String].self, from: Data((try row[3] as String).utf8)), outputDataset: try row[4],
            jobs: try row[5], counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
            failures: try failureRows.map { TaskFailure(errorCode: try $0[0], errorDiag: try $0[1], jobs: try $0[2], exampleJob: try $0[3]) },
            createdAt: try row[7])
    }

    public func tasks(owner: String?, limit: Int) async throws -> [TaskStatus] {
        try await read { session in
            let rows = if let owner {
                try await session.rows("SELECT id FROM tasks WHERE owner = \(owner) ORDER BY id DESC LIMIT \(limit)")
            } else {
                try await session.rows("SELECT id FROM tasks ORDER BY id DESC LIMIT \(limit)")
            }
            var statuses: [TaskStatus] = []
            for row in rows {
                if let status = try await Self.taskStatus(session, id: try row[0], owner: nil, failures: false) { statuses.append(status) }
            }
            return statuses
        }
    }

    public func unendedWriters(ofDataset name: String) async throws -> [DatasetWriters] {
        try await read { session in
            try await session.rows("""
                SELECT task_id, count(*) FROM jobs WHERE state = ANY(\(DatasetWriters.unendedStates)::text[]) AND out_dataset = \(name)
                GROUP BY task_id ORDER BY task_id NULLS FIRST
                """).map { DatasetWriters(taskID: try $0[0], jobs: try $0[1]) }
        }
    }

    public func killTask(_ id: Int64, owner: String?, now: Double) async throws -> TaskKillResult? {
        try await write { tx in
            guard let taskOwner = try await tx.session.value("SELECT owner FROM tasks WHERE id = \(id) FOR UPDATE", as: String.self),
                  owner == nil || owner == taskOwner else { return nil }
            try await tx.session.execute("UPDATE tasks SET killed = true WHERE id = \(id)")
            let alive: [Int64] = try await tx.session.rows("""
                SELECT id FROM jobs WHERE task_id = \(id) AND state NOT IN ('finished', 'failed', 'cancelled') ORDER BY id
                """).map { try $0[0] }
            let total = try await tx.session.value("SELECT count(*) FROM jobs WHERE task_id = \(id)", as: Int.self) ?? 0
            var result = TaskKillResult(taskID: id, cancelled: 0, killRequested: 0, alreadyFinal: total - alive.count)
            for outcome in try await Self.kill(tx, alive, owner: nil, now: now) {
                switch outcome.outcome {
                case .cancelled: result.cancelled += 1
                case .killRequested: result.killRequested += 1
                case .alreadyFinal, .notFound: result.alreadyFinal += 1
                }
            }
            return result
        }
    }

    public func retryTask(_ id: Int64, owner: String?, now: Double,
                          queueFor: @escaping @Sendable (JobSpec) -> String?) async throws -> TaskRetryResult? {
        try await write { tx in
            guard let taskOwner = try await tx.session.value("SELECT owner FROM tasks WHERE id = \(id) FOR UPDATE", as: String.self),
                  owner == nil || owner == taskOwner else { return nil }
            try await tx.session.execute("UPDATE tasks SET killed = false WHERE id = \(id)")
            let ended = try await tx.session.rows("""
                SELECT id, spec FROM jobs WHERE task_id = \(id) AND state IN ('failed', 'cancelled') ORDER BY id
                """)
            let decoder = JSONDecoder()
            for row in ended {
                guard let job = try await CurrentJob.fetch(tx.session, id: try row[0]) else { continue }
                let spec = try? decoder.decode(JobSpec.self, from: Data((try row[1] as String).utf8))
                let queue = spec.flatMap(queueFor) ?? job.queue
                try await PostgresJobMoves.restart(tx, job: job, at: queue, now: now,
                                                   reason: "attempt \(job.attempt + 1) at \(queue) on request of \(taskOwner) (task \(id) retried)")
            }
            return TaskRetryResult(taskID: id, retried: ended.count)
        }
    }
}
