import GRDB

/// The SQLite schema, as an ordered list of migrations: a database is brought
/// forward one step at a time and never edited in place.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 jobs, events, counters") { db in
            try db.execute(sql: """
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY,
                    task_id INTEGER,
                    name TEXT,
                    owner TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    state TEXT NOT NULL,
                    priority INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    max_attempts INTEGER NOT NULL,
                    cores INTEGER NOT NULL,
                    memory INTEGER NOT NULL,
                    disk INTEGER NOT NULL,
                    walltime INTEGER NOT NULL,
                    spec TEXT NOT NULL,
                    lease TEXT,
                    command TEXT,
                    pilot TEXT,
                    node TEXT,
                    exit_code INTEGER,
                    error_code INTEGER,
                    error_diag TEXT,
                    cpu_seconds REAL,
                    max_rss INTEGER,
                    outputs TEXT,
                    created_at REAL NOT NULL,
                    state_changed_at REAL NOT NULL,
                    heartbeat_at REAL
                );
                -- Dispatch: the best activated job of a queue, without a scan.
                CREATE INDEX jobs_dispatch ON jobs(queue, state, priority DESC, id);
                -- Sweeper: the oldest jobs in a state.
                CREATE INDEX jobs_sweep ON jobs(state, state_changed_at);
                CREATE INDEX jobs_heartbeat ON jobs(state, heartbeat_at);
                CREATE INDEX jobs_owner ON jobs(owner, id);
                CREATE INDEX jobs_task ON jobs(task_id, id);

                -- Every state change of every attempt, with the lease it ran under.
                CREATE TABLE job_events (
                    job_id INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    at REAL NOT NULL,
                    reason TEXT,
                    error_code INTEGER,
                    lease TEXT
                );
                CREATE INDEX job_events_job ON job_events(job_id, attempt);

                -- Jobs by queue and state, kept as jobs move, so summaries never count rows.
                CREATE TABLE state_counts (
                    queue TEXT NOT NULL,
                    state TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    PRIMARY KEY (queue, state)
                ) WITHOUT ROWID;

                -- The health probe writes here, so it proves the write lock and the disk.
                CREATE TABLE store_probe (id INTEGER PRIMARY KEY, at REAL NOT NULL);
                """)
        }
        migrator.registerMigration("v2 step timings") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN timings TEXT")
        }
        migrator.registerMigration("v3 factory pilot reports") { db in
            try db.execute(sql: """
                -- Each factory's latest view of its pilots, for the monitor.
                CREATE TABLE factory_pilots (
                    factory TEXT PRIMARY KEY,
                    report TEXT NOT NULL,
                    reported_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4 tasks and the file catalogue") { db in
            try db.execute(sql: """
                -- A task is its template and its split; its state comes from its jobs.
                CREATE TABLE tasks (
                    id INTEGER PRIMARY KEY,
                    name TEXT,
                    owner TEXT NOT NULL,
                    in_ds TEXT NOT NULL,
                    out_ds TEXT,
                    jobs INTEGER NOT NULL,
                    spec TEXT NOT NULL,
                    killed INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL
                );
                CREATE INDEX tasks_owner ON tasks(owner, id);
                -- Task status counts by state without touching job rows.
                CREATE INDEX jobs_task_state ON jobs(task_id, state);
                -- Where a finished job's outputs and log are registered.
                ALTER TABLE jobs ADD COLUMN out_dataset TEXT;

                CREATE TABLE datasets (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    owner TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE files (
                    id INTEGER PRIMARY KEY,
                    scope TEXT NOT NULL,
                    lfn TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    checksum TEXT,
                    is_log INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (scope, lfn)
                );
                CREATE TABLE dataset_files (
                    dataset_id INTEGER NOT NULL,
                    file_id INTEGER NOT NULL,
                    PRIMARY KEY (dataset_id, file_id)
                ) WITHOUT ROWID;
                CREATE TABLE replicas (
                    file_id INTEGER NOT NULL,
                    storage TEXT NOT NULL,
                    url TEXT NOT NULL,
                    PRIMARY KEY (file_id, storage)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5 task request ids") { db in
            try db.execute(sql: """
                -- A submission retried after a lost answer finds the task it made.
                ALTER TABLE tasks ADD COLUMN request_id TEXT;
                CREATE UNIQUE INDEX tasks_request ON tasks(owner, request_id) WHERE request_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v6 issued tokens and their deny list") { db in
            try db.execute(sql: """
                -- Every token the server signed (its claims, never its text), and when it was revoked.
                CREATE TABLE tokens (
                    id TEXT PRIMARY KEY,
                    subject TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    queues TEXT NOT NULL,
                    issued_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    revoked_at REAL
                );
                -- The server polls for revocations newer than its last look.
                CREATE INDEX tokens_revoked ON tokens(revoked_at) WHERE revoked_at IS NOT NULL;
                CREATE INDEX tokens_expiry ON tokens(expires_at);
                """)
        }
        migrator.registerMigration("v7 idempotency keys for retried requests") { db in
            try db.execute(sql: """
                -- The answer each keyed request got, so a retry gets it again instead of a second effect.
                CREATE TABLE request_keys (
                    caller TEXT NOT NULL,
                    key TEXT NOT NULL,
                    route TEXT NOT NULL,
                    reply TEXT NOT NULL,
                    at REAL NOT NULL,
                    PRIMARY KEY (caller, key)
                ) WITHOUT ROWID;
                CREATE INDEX request_keys_at ON request_keys(at);
                -- task/submit's request ids move here: one mechanism for every keyed request.
                INSERT INTO request_keys (caller, key, route, reply, at)
                    SELECT owner, request_id, 'task/submit', CAST(id AS TEXT), created_at FROM tasks WHERE request_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v8 per-attempt outcomes") { db in
            try db.execute(sql: """
                -- What each ended attempt left behind, kept when the job starts its next attempt
                -- (the job row then starts clean: no exit code, figures, outputs or timings of the last one).
                CREATE TABLE job_attempts (
                    job_id INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    pilot TEXT,
                    node TEXT,
                    exit_code INTEGER,
                    error_code INTEGER,
                    error_diag TEXT,
                    cpu_seconds REAL,
                    max_rss INTEGER,
                    outputs TEXT,
                    timings TEXT,
                    ended_at REAL NOT NULL,
                    PRIMARY KEY (job_id, attempt)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v9 bound leases for pilot3") { db in
            try db.execute(sql: """
                -- The lease of each attempt a PanDA pilot 3 claimed, by the token that claimed it:
                -- its reports carry only the job id and the attempt number.
                CREATE TABLE bound_leases (
                    job_id INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    token_id TEXT NOT NULL,
                    lease TEXT NOT NULL,
                    bound_at REAL NOT NULL,
                    PRIMARY KEY (job_id, attempt)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v10 monitor statistics and job list filters") { db in
            try StatsSchema.create(db)
        }
        migrator.registerMigration("v11 claim keys on job rows") { db in
            try db.execute(sql: """
                -- A keyed claim's caller and key, written by the UPDATE that takes the job, so a
                -- first try costs no extra row; a retry finds its jobs among the queue's sent ones.
                ALTER TABLE jobs ADD COLUMN claim_key TEXT;
                -- Claims no longer remember their answers here; nothing reads these rows.
                DELETE FROM request_keys WHERE route = 'pilot/acquire_jobs';
                """)
        }
        migrator.registerMigration("v12 one row per factory pilot, ended attempts per pilot") { db in
            try StatsSchema.addPilots(db)
        }
        migrator.registerMigration("v13 queue statuses set by operators") { db in
            try SQLiteJobStore.createQueueStatuses(db)
        }
        return migrator
    }
}
