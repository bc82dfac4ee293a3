import Foundation
import PandaCore
import PostgresNIO

/// The remembered answers of keyed requests (as `RequestKeys` on SQLite),
/// read and written in the request's own savepoint, so the change and its
/// key commit together or not at all. Two servers taking the same new key
/// at once: the second insert waits on the first's row and then fails on
/// the primary key, so that retry is refused instead of applied twice.
enum PostgresRequestKeys {
    static func earlier(_ session: PostgresSession, _ key: RequestKey?) async throws -> String? {
        guard let key else { return nil }
        guard let row = try await session.one("SELECT route, reply FROM request_keys WHERE caller = \(key.caller) AND key = \(key.key)") else {
            return nil
        }
        let route: String = try row[0]
        guard route == key.route else {
            throw StoreError.conflict("idempotency key \(key.key) was already used for \(route), not \(key.route)")
        }
        return try row[1]
    }

    static func remember(_ session: PostgresSession, _ key: RequestKey?, reply: String, now: Double) async throws {
        guard let key else { return }
        try await session.execute("""
            INSERT INTO request_keys (caller, key, route, reply, at) VALUES (\(key.caller), \(key.key), \(key.route), \(reply), \(now))
            """)
    }

    static func purge(_ session: PostgresSession, now: Double) async throws {
        try await session.execute("DELETE FROM request_keys WHERE at < \(now - RequestKey.lifetime)")
    }
}

extension PostgresJobStore {
    public func submit(_ jobs: [NewJob], key: RequestKey?, now: Double) async throws -> [SubmittedJob] {
        let encoder = JSONEncoder()
        let specs = try jobs.map { String(decoding: try encoder.encode($0.spec), as: UTF8.self) }
        return try await write { tx in
            if let earlier = try await PostgresRequestKeys.earlier(tx.session, key) {
                return try JSONDecoder().decode([SubmittedJob].self, from: Data(earlier.utf8))
            }
            let submitted = try await Self.insert(tx, jobs, specs: specs, now: now)
            if key != nil {
                try await PostgresRequestKeys.remember(tx.session, key, reply: String(decoding: try JSONEncoder().encode(submitted), as: UTF8.self),
                                                       now: now)
            }
            return submitted
        }
    }

    /// Inserts the jobs as activated, with their first event, in one
    /// statement per 1000 jobs; `taskID`, when given, puts every job in that task.
    static func insert(_ tx: PostgresWrite, _ jobs: [NewJob], specs: [String], taskID: Int64? = nil, now: Double) async throws -> [SubmittedJob] {
        var owners: [Int64: String?] = [:]
        for job in jobs where taskID == nil {
            guard let task = job.spec.taskID else { continue }
            if owners[task] == nil {
                owners[task] = try await tx.session.value("SELECT owner FROM tasks WHERE id = \(task)", as: String.self)
            }
            guard let holder = owners[task] ?? nil, holder == job.owner else {
                throw StoreError.forbidden("task \(task) does not exist or is not yours; a job joins only a task its submitter owns")
            }
        }
        var submitted: [SubmittedJob] = []
        submitted.reserveCapacity(jobs.count)
        for start in stride(from: 0, to: jobs.count, by: 1000) {
            let chunk = Array(zip(jobs, specs).dropFirst(start).prefix(1000))
            let rowsJSON = String(decoding: try JSONEncoder().encode(chunk.map { job, spec in
                NewJobRow(task_id: taskID ?? job.spec.taskID, name: job.spec.name, owner: job.owner, queue: job.queue,
                          priority: job.spec.priority, max_attempts: job.maxAttempts, cores: job.cores, memory: job.memory.bytes,
                          disk: job.disk.bytes, walltime: Int64(job.walltime.milliseconds / 1000), spec: spec,
                          out_dataset: job.spec.outputDataset)
            }), as: UTF8.self)
            // Nullable columns travel as one JSON array (postgres-nio binds no arrays of optionals);
            // WITH ORDINALITY keeps the ids in the order of the jobs as given.
            let rows = try await tx.session.rows("""
                WITH new AS (
                    INSERT INTO jobs (task_id, name, owner, queue, state, priority, attempt, max_attempts, cores, memory, disk,
                        walltime, spec, out_dataset, created_at, state_changed_at)
                    SELECT task_id, name, owner, queue, 'activated', priority, 1, max_attempts, cores, memory, disk, walltime, spec,
                        out_dataset, \(now), \(now)
                    FROM json_array_elements(\(rowsJSON)::json) WITH ORDINALITY AS e(element, i),
                        json_to_record(element) AS j(task_id bigint, name text, owner text, queue text, priority bigint,
                            max_attempts bigint, cores bigint, memory bigint, disk bigint, walltime bigint, spec text, out_dataset text)
                    ORDER BY i
                    RETURNING id, owner, queue
                ), events AS (
                    INSERT INTO job_events (job_id, attempt, state, at, reason)
                    SELECT id, 1, 'activated', \(now), 'submitted by ' || owner || ', brokered to ' || queue FROM new ORDER BY id
                )
                SELECT id, queue FROM new ORDER BY id
                """)
            for row in rows {
                let queue: String = try row[1]
                submitted.append(SubmittedJob(id: try row[0], queue: queue, state: .activated))
                tx.count(queue: queue, state: .activated, by: 1)
            }
        }
        return submitted
    }
}

/// One new job as the insert's JSON carries it.
private struct NewJobRow: Encodable {
    let task_id: Int64?
    let name: String?
    let owner: String
    let queue: String
    let priority: Int
    let max_attempts: Int
    let cores: Int
    let memory: Int64
    let disk: Int64
    let walltime: Int64
    let spec: String
    let out_dataset: String?
}
