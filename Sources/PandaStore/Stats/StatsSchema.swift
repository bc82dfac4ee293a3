import GRDB

/// The tables behind the monitor's charts and error pages, and the indexes
/// behind the job list's filters. Everything here is either written once a
/// minute by the sampler or costs the hot path one append per ended attempt.
enum StatsSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            -- Counts per queue at each sample: the states now, and the attempts
            -- that ended since the previous sample. resolution is 60 (minute
            -- samples, kept 2 days) or 3600 (hourly, kept 90 days); queue '*'
            -- is the sum over all queues. Rows where everything is 0 are not kept.
            CREATE TABLE stats_history (
                resolution INTEGER NOT NULL,
                at INTEGER NOT NULL,
                queue TEXT NOT NULL,
                defined INTEGER NOT NULL, assigned INTEGER NOT NULL, activated INTEGER NOT NULL,
                sent INTEGER NOT NULL, starting INTEGER NOT NULL, running INTEGER NOT NULL, holding INTEGER NOT NULL,
                finished INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL,
                PRIMARY KEY (resolution, queue, at)
            ) WITHOUT ROWID;
            CREATE INDEX stats_history_time ON stats_history(resolution, at);

            -- Every attempt that ended, appended by a trigger in the same
            -- transaction (so no write path can forget it), read and emptied by
            -- the sampler. The node is taken here because a retried attempt's
            -- row forgets it.
            CREATE TABLE stats_attempt_ends (
                id INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                job_id INTEGER NOT NULL,
                state TEXT NOT NULL,
                error_code INTEGER,
                queue TEXT NOT NULL,
                owner TEXT NOT NULL,
                task_id INTEGER,
                node TEXT
            );
            CREATE TRIGGER stats_attempt_ended AFTER INSERT ON job_events
            WHEN NEW.state IN ('finished', 'failed', 'cancelled')
            BEGIN
                INSERT INTO stats_attempt_ends (at, job_id, state, error_code, queue, owner, task_id, node)
                SELECT NEW.at, NEW.job_id, NEW.state, NEW.error_code, queue, owner, task_id, node FROM jobs WHERE id = NEW.job_id;
            END;

            -- Ended attempts per hour, queue, owner, task, end state and error
            -- code (0: none): the error pages and failure rates sum these.
            CREATE TABLE stats_attempts (
                hour INTEGER NOT NULL,
                queue TEXT NOT NULL,
                owner TEXT NOT NULL,
                task_id INTEGER NOT NULL,
                state TEXT NOT NULL,
                code INTEGER NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (hour, queue, owner, task_id, state, code)
            ) WITHOUT ROWID;
            CREATE INDEX stats_attempts_queue ON stats_attempts(queue, hour);
            CREATE INDEX stats_attempts_owner ON stats_attempts(owner, hour);
            CREATE INDEX stats_attempts_task ON stats_attempts(task_id, hour);

            -- Ended attempts per hour, queue and worker node.
            CREATE TABLE stats_nodes (
                hour INTEGER NOT NULL,
                queue TEXT NOT NULL,
                node TEXT NOT NULL,
                finished INTEGER NOT NULL,
                failed INTEGER NOT NULL,
                PRIMARY KEY (queue, hour, node)
            ) WITHOUT ROWID;
            CREATE INDEX stats_nodes_time ON stats_nodes(hour);

            -- The job list's filters, each an index ending in id so a page of
            -- newest-first results stops after its rows. Partial where the hot
            -- path rewrites the column: a heartbeat leaves both NULL and costs nothing.
            CREATE INDEX jobs_queue ON jobs(queue, id);
            CREATE INDEX jobs_state ON jobs(state, id);
            CREATE INDEX jobs_name ON jobs(name, id) WHERE name IS NOT NULL;
            CREATE INDEX jobs_error ON jobs(error_code, id) WHERE error_code IS NOT NULL;
            """)
    }

    /// The monitor's pilot list: each factory's pilots one row each (replaced
    /// with its every report), and the attempts that ended under each pilot,
    /// which the sampler folds from the inbox as it folds the node counts;
    /// and an index of the failed attempts' counters for the error pages.
    static func addPilots(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE factory_pilot_records (
                factory TEXT NOT NULL,
                batch_system TEXT NOT NULL,
                batch_id TEXT NOT NULL,
                name TEXT NOT NULL,
                queue TEXT NOT NULL,
                state TEXT NOT NULL,
                submitted_at REAL NOT NULL,
                started_at REAL,
                ended_at REAL,
                exit_code INTEGER,
                reason TEXT,
                PRIMARY KEY (factory, batch_system, batch_id)
            );
            CREATE INDEX factory_pilot_records_time ON factory_pilot_records(submitted_at);
            CREATE INDEX factory_pilot_records_queue ON factory_pilot_records(queue, submitted_at);
            CREATE INDEX factory_pilot_records_state ON factory_pilot_records(state, submitted_at);
            CREATE INDEX factory_pilot_records_name ON factory_pilot_records(name);

            -- The pilot id of each ended attempt, taken with its node.
            ALTER TABLE stats_attempt_ends ADD COLUMN pilot TEXT;
            DROP TRIGGER stats_attempt_ended;
            CREATE TRIGGER stats_attempt_ended AFTER INSERT ON job_events
            WHEN NEW.state IN ('finished', 'failed', 'cancelled')
            BEGIN
                INSERT INTO stats_attempt_ends (at, job_id, state, error_code, queue, owner, task_id, node, pilot)
                SELECT NEW.at, NEW.job_id, NEW.state, NEW.error_code, queue, owner, task_id, node, pilot FROM jobs WHERE id = NEW.job_id;
            END;

            -- Attempts that ended under each pilot, and when the last did
            -- (rows are dropped a week after: pilots are short-lived).
            CREATE TABLE stats_pilots (
                pilot TEXT PRIMARY KEY,
                attempts INTEGER NOT NULL,
                last_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX stats_pilots_time ON stats_pilots(last_at);

            -- The error pages sum failed and cancelled attempts only (most rows are finished ones), from the index alone.
            CREATE INDEX stats_attempts_failures ON stats_attempts(hour, code, queue, owner, n) WHERE state != 'finished';
            """)
    }
}
