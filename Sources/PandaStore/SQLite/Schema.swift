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
        return migrator
    }
}
