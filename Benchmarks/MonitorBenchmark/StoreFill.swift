import Foundation
import GRDB

/// Fills the server's own SQLite file (made and migrated by a real `panda
/// server`, which is stopped meanwhile) with `jobs` jobs over 200 queues and
/// 500 users, 30 days of them, the usual mix of states and errors, and what
/// the server would have kept as they moved: state counters, hourly and
/// minute samples, ended attempts by code, owner, node and pilot, tasks, a
/// dataset. Rows are made by SQL over a counter (one transaction), so a
/// million jobs take a minute, not a million HTTP submits.
///
/// Job 1 is a real submission: its stored spec is every job's spec, so the
/// job page decodes what the server itself wrote.
struct StoreFill {
    let path: String
    let jobs: Int
    let now: Double
    static let span = 30.0 * 86_400
    /// Jobs per pilot window: the ids a pilot of each queue takes jobs from.
    static let pilotWindow = 2000

    func run() throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = OFF; PRAGMA cache_size = -400000; PRAGMA temp_store = MEMORY")
        }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try database.inTransaction { db in
            let spec = try String.fetchOne(db, sql: "SELECT spec FROM jobs ORDER BY id LIMIT 1") ?? "{}"
            try fillJobs(db, spec: spec)
            try fillEvents(db)
            try fillCounters(db)
            try fillHistory(db)
            try fillCatalogue(db)
            return .commit
        }
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Per job i: a hash h picks its task (80 % in one of 20 tasks running
    /// side by side), owner, queue (each task spreads over 8 queues), state
    /// (live ones only in the last two days), error code and node.
    private func fillJobs(_ db: Database, spec: String) throws {
        let start = now - Self.span
        try db.execute(sql: """
            WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < ?),
            h AS (SELECT i, (i * 2654435761) % 4294967296 AS h, ? + (i * 1.0 / ?) * ? AS created,
                         ((i - 1) / 20000) * 20 + ((i - 1) % 20) + 1 AS t FROM n),
            j AS (SELECT i, h, created, CASE WHEN h % 10 < 8 THEN t END AS task, t,
                         CASE WHEN ? - created > 172800 THEN
                              CASE WHEN (h / 7) % 100 < 85 THEN 'finished' WHEN (h / 7) % 100 < 97 THEN 'failed' ELSE 'cancelled' END
                         ELSE CASE WHEN (h / 7) % 100 < 35 THEN 'activated' WHEN (h / 7) % 100 < 37 THEN 'sent'
                              WHEN (h / 7) % 100 < 39 THEN 'starting' WHEN (h / 7) % 100 < 55 THEN 'running'
                              WHEN (h / 7) % 100 < 57 THEN 'holding' WHEN (h / 7) % 100 < 85 THEN 'finished'
                              WHEN (h / 7) % 100 < 97 THEN 'failed' ELSE 'cancelled' END END AS state FROM h),
            k AS (SELECT *, printf('user%03d', CASE WHEN task IS NOT NULL THEN t % 500 ELSE h % 500 END) AS owner,
                         printf('Q%03d', CASE WHEN task IS NOT NULL THEN (t * 7 + ((h / 3) % 8) * 25) % 200 ELSE h % 200 END) AS queue,
                         CASE (h / 13) % 20 WHEN 0 THEN 1099 WHEN 1 THEN 1099 WHEN 2 THEN 1099 WHEN 3 THEN 1137 WHEN 4 THEN 1137
                              WHEN 5 THEN 1150 WHEN 6 THEN 1213 WHEN 7 THEN 1235 WHEN 8 THEN 1104 WHEN 9 THEN 1098
                              WHEN 10 THEN 1171 WHEN 11 THEN 1106 ELSE 1305 END AS code,
                         min(created + (h % 3600), ?) AS changed FROM j)
            INSERT INTO jobs (id, task_id, name, owner, queue, state, priority, attempt, max_attempts, cores, memory, disk, walltime, spec,
                              lease, pilot, node, exit_code, error_code, error_diag, created_at, state_changed_at, heartbeat_at)
            SELECT i, task, owner || '.' || CASE WHEN task IS NOT NULL THEN 'task' || task ELSE 'single' END || '.' || i,
                   owner, queue, state, (h % 3) * 100, 1, 3, 1, 2000000000, 10000000000, 3600, ?,
                   CASE WHEN state IN ('sent', 'starting', 'running', 'holding') THEN printf('%032x', h) END,
                   CASE WHEN state NOT IN ('activated') AND NOT (state = 'cancelled' AND h % 2 = 0)
                        THEN 'panda-' || queue || '-' || ((i - 1) / \(Self.pilotWindow)) END,
                   CASE WHEN state NOT IN ('activated') AND NOT (state = 'cancelled' AND h % 2 = 0)
                        THEN queue || printf('-wn%02d', (h / 17) % 40) END,
                   CASE state WHEN 'finished' THEN 0 WHEN 'failed' THEN 1 END,
                   CASE WHEN state = 'failed' THEN code WHEN state = 'cancelled' THEN 1144 END,
                   CASE WHEN state = 'failed' THEN 'exit 1: see the payload''s stderr' WHEN state = 'cancelled' THEN 'killed on request' END,
                   created, CASE WHEN state = 'activated' THEN created ELSE changed END,
                   CASE WHEN state = 'activated' THEN NULL WHEN state IN ('sent', 'starting', 'running', 'holding') THEN ? - (h % 1800) ELSE changed END
            FROM k
            """, arguments: [jobs, start, jobs, Self.span, now, now, spec, now])
    }

    /// The events a job's history shows (activated, and the final one);
    /// the trigger's inbox they fill is emptied: the counters are made below.
    private func fillEvents(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO job_events (job_id, attempt, state, at, reason, error_code)
                SELECT id, 1, 'activated', created_at, 'brokered to ' || queue, NULL FROM jobs WHERE id > 1;
            INSERT INTO job_events (job_id, attempt, state, at, reason, error_code)
                SELECT id, 1, state, state_changed_at, 'reported by pilot ' || pilot, error_code FROM jobs
                WHERE id > 1 AND state NOT IN ('activated');
            DELETE FROM stats_attempt_ends;
            """)
    }

    /// What the server keeps as jobs move and the sampler folds each minute.
    private func fillCounters(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM state_counts;
            INSERT INTO state_counts (queue, state, n) SELECT queue, state, count(*) FROM jobs GROUP BY queue, state;
            INSERT INTO stats_attempts (hour, queue, owner, task_id, state, code, n)
                SELECT CAST(state_changed_at AS INTEGER) / 3600 * 3600, queue, owner, coalesce(task_id, 0), state, coalesce(error_code, 0), count(*)
                FROM jobs WHERE state IN ('finished', 'failed', 'cancelled') GROUP BY 1, 2, 3, 4, 5, 6;
            INSERT INTO stats_nodes (hour, queue, node, finished, failed)
                SELECT CAST(state_changed_at AS INTEGER) / 3600 * 3600, queue, node, sum(state = 'finished'), sum(state = 'failed')
                FROM jobs WHERE node IS NOT NULL AND state IN ('finished', 'failed') GROUP BY 1, 2, 3;
            INSERT INTO stats_pilots (pilot, attempts, last_at)
                SELECT pilot, count(*), max(CAST(state_changed_at AS INTEGER)) FROM jobs
                WHERE pilot IS NOT NULL AND state IN ('finished', 'failed', 'cancelled') GROUP BY pilot;
            """)
    }

    /// Hourly samples for 30 days and minute samples for 2 days, per queue
    /// and summed ('*'): ended attempts from the jobs, live counts a wave.
    private func fillHistory(_ db: Database) throws {
        let hourNow = Int64(now) / 3600 * 3600
        let minuteNow = Int64(now) / 60 * 60
        try db.execute(sql: """
            INSERT INTO stats_history (resolution, at, queue, defined, assigned, activated, sent, starting, running, holding, finished, failed, cancelled)
                SELECT 3600, hour, queue, 0, 0, 20 + (hour / 3600 + q) % 30, 1, 1, 10 + (hour / 3600 * 7 + q) % 25, 1,
                       coalesce(sum(CASE WHEN state = 'finished' THEN n END), 0), coalesce(sum(CASE WHEN state = 'failed' THEN n END), 0),
                       coalesce(sum(CASE WHEN state = 'cancelled' THEN n END), 0)
                FROM (SELECT hour, queue, CAST(substr(queue, 2) AS INTEGER) AS q, state, n FROM stats_attempts)
                WHERE hour <= ? GROUP BY hour, queue;
            INSERT INTO stats_history
                SELECT 3600, at, '*', sum(defined), sum(assigned), sum(activated), sum(sent), sum(starting), sum(running), sum(holding),
                       sum(finished), sum(failed), sum(cancelled) FROM stats_history WHERE resolution = 3600 GROUP BY at;
            WITH RECURSIVE m(at) AS (SELECT ? UNION ALL SELECT at - 60 FROM m WHERE at > ?),
                 q(queue, i) AS (SELECT DISTINCT queue, CAST(substr(queue, 2) AS INTEGER) FROM state_counts)
            INSERT INTO stats_history
                SELECT 60, at, queue, 0, 0, 20 + (at / 3600 + i) % 30, 1, 1, 10 + (at / 3600 * 7 + i) % 25, 1,
                       (at / 60 + i) % 3, (at / 60 + i) % 5 / 4, 0 FROM m, q;
            INSERT INTO stats_history
                SELECT 60, at, '*', sum(defined), sum(assigned), sum(activated), sum(sent), sum(starting), sum(running), sum(holding),
                       sum(finished), sum(failed), sum(cancelled) FROM stats_history WHERE resolution = 60 GROUP BY at;
            """, arguments: [hourNow, minuteNow, minuteNow - 2 * 86_400])
    }

    /// The tasks the jobs belong to, and one dataset of 200 files with two replicas each.
    private func fillCatalogue(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO tasks (id, name, owner, in_ds, out_ds, jobs, spec, created_at)
                SELECT task_id, 'task' || task_id, min(owner), '["data.' || task_id || '"]', NULL, count(*), '{}', min(created_at)
                FROM jobs WHERE task_id IS NOT NULL GROUP BY task_id;
            INSERT INTO datasets (id, name, owner, created_at) VALUES (1, 'data.1', 'user001', ?);
            WITH RECURSIVE f(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM f WHERE i < 200)
            INSERT INTO files (id, scope, lfn, size, checksum, is_log) SELECT i, 'user.user001', 'file' || i || '.root', 1000000 + i, printf('ad:%08x', i * 7919), 0 FROM f;
            INSERT INTO dataset_files (dataset_id, file_id) SELECT 1, id FROM files;
            INSERT INTO replicas (file_id, storage, url) SELECT id, 'DISK', '/storage/' || lfn FROM files;
            INSERT INTO replicas (file_id, storage, url) SELECT id, 'TAPE', 'https://tape.example/' || lfn FROM files;
            """, arguments: [now - Self.span])
    }
}
