import PandaCore
import PostgresNIO

/// The monitor's read side on PostgreSQL: the sampler (as `StatsSampler`)
/// and the reads over its tables (as `StatsQueries`).
enum PostgresStats {
    private struct AttemptKey: Hashable { let hour: Int64, queue: String, owner: String, task: Int64, state: String, code: Int64 }
    private struct NodeKey: Hashable { let hour: Int64, queue: String, node: String }

    static func sample(_ session: PostgresSession, now: Double) async throws -> StatsSampleReport {
        var rows: [String: [String: Int]] = [:]
        for (queue, counts) in try await PostgresJobStore.summary(session).queues {
            for (state, n) in counts where StatsSampler.liveStates.contains(where: { $0.rawValue == state }) {
                rows[queue, default: [:]][state] = n
            }
        }
        var attempts: [AttemptKey: Int] = [:]
        var nodes: [NodeKey: (finished: Int, failed: Int)] = [:]
        var pilots: [String: Int] = [:]
        var lastID: Int64 = 0
        let ends = try await session.rows("""
            SELECT id, at, state, error_code, queue, owner, task_id, node, pilot FROM stats_attempt_ends ORDER BY id
            LIMIT \(StatsSampler.inboxBatch)
            """)
        for end in ends {
            lastID = try end[0]
            let hour = Int64(try end[1] as Double) / 3600 * 3600
            let state: String = try end[2]
            let queue: String = try end[4]
            rows[queue, default: [:]][state, default: 0] += 1
            // Ran and ended between two samples: running in this minute (see StatsSampler).
            let pilot: String? = try end[8]
            if pilot != nil { rows[queue, default: [:]][JobState.running.rawValue, default: 0] += 1 }
            attempts[AttemptKey(hour: hour, queue: queue, owner: try end[5], task: try end[6] ?? 0, state: state, code: try end[3] ?? 0),
                     default: 0] += 1
            if let node: String = try end[7], state != JobState.cancelled.rawValue {
                let key = NodeKey(hour: hour, queue: queue, node: node)
                var counts = nodes[key] ?? (0, 0)
                if state == JobState.finished.rawValue { counts.finished += 1 } else { counts.failed += 1 }
                nodes[key] = counts
            }
            if let pilot { pilots[pilot, default: 0] += 1 }
        }
        if lastID > 0 { try await session.execute("DELETE FROM stats_attempt_ends WHERE id <= \(lastID)") }
        for (key, n) in attempts {
            try await session.execute("""
                INSERT INTO stats_attempts (hour, queue, owner, task_id, state, code, n)
                VALUES (\(key.hour), \(key.queue), \(key.owner), \(key.task), \(key.state), \(key.code), \(n))
                ON CONFLICT (hour, queue, owner, task_id, state, code) DO UPDATE SET n = stats_attempts.n + excluded.n
                """)
        }
        for (key, counts) in nodes {
            try await session.execute("""
                INSERT INTO stats_nodes (hour, queue, node, finished, failed) VALUES (\(key.hour), \(key.queue), \(key.node), \(counts.finished), \(counts.failed))
                ON CONFLICT (queue, hour, node) DO UPDATE SET finished = stats_nodes.finished + excluded.finished,
                    failed = stats_nodes.failed + excluded.failed
                """)
        }
        for (pilot, n) in pilots {
            try await session.execute("""
                INSERT INTO stats_pilots (pilot, attempts, last_at) VALUES (\(pilot), \(n), \(Int64(now)))
                ON CONFLICT (pilot) DO UPDATE SET attempts = stats_pilots.attempts + excluded.attempts, last_at = excluded.last_at
                """)
        }
        var total: [String: Int] = [:]
        for counts in rows.values { total.merge(counts, uniquingKeysWith: +) }
        if !rows.isEmpty { rows[StatsSampler.allQueues] = total }
        let minute = Int64(now)
        let hour = minute / 3600 * 3600
        let names = ["defined", "assigned", "activated", "sent", "starting", "running", "holding", "finished", "failed", "cancelled"]
        let columns = names.joined(separator: ", ")
        for (queue, counts) in rows {
            let counted = names.map { Int64(counts[$0] ?? 0) }
            let values = (3...12).map { "$\($0)" }.joined(separator: ", ")
            try await session.execute(PostgresQuery(unsafeSQL: """
                INSERT INTO stats_history (resolution, at, queue, \(columns)) VALUES (60, $1, $2, \(values))
                ON CONFLICT (resolution, queue, at) DO UPDATE SET \(names.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
                """, binds: bindings([minute, queue] + counted)))
            // The hour's row: live counts as of its latest sample (running: the most of its samples), ended attempts summed.
            try await session.execute(PostgresQuery(unsafeSQL: """
                INSERT INTO stats_history (resolution, at, queue, \(columns)) VALUES (3600, $1, $2, \(values))
                ON CONFLICT (resolution, queue, at) DO UPDATE SET defined = excluded.defined, assigned = excluded.assigned,
                    activated = excluded.activated, sent = excluded.sent, starting = excluded.starting, running = GREATEST(stats_history.running, excluded.running),
                    holding = excluded.holding, finished = stats_history.finished + excluded.finished,
                    failed = stats_history.failed + excluded.failed, cancelled = stats_history.cancelled + excluded.cancelled
                """, binds: bindings([hour, queue] + counted)))
        }
        try await session.execute("DELETE FROM stats_history WHERE resolution = 60 AND at < \(minute - StatsSampler.minuteRetention)")
        try await session.execute("DELETE FROM stats_history WHERE resolution = 3600 AND at < \(hour - StatsSampler.hourRetention)")
        try await session.execute("DELETE FROM stats_attempts WHERE hour < \(hour - StatsSampler.hourRetention)")
        try await session.execute("DELETE FROM stats_nodes WHERE hour < \(hour - StatsSampler.hourRetention)")
        try await session.execute("DELETE FROM stats_pilots WHERE last_at < \(minute - StatsSampler.pilotRetention)")
        var report = StatsSampleReport()
        report.queues = rows.count
        report.endedAttempts = ends.count
        return report
    }
}

extension PostgresJobStore {
    public func sampleStats(now: Double) async throws -> StatsSampleReport {
        let report = try await write { tx in try await PostgresStats.sample(tx.session, now: now) }
        // Apart from the sample, so a fold that meets a busy counter row never holds the sample back.
        try await write { tx in try await Self.foldCounters(tx.session) }
        return report
    }

    public func history(_ query: HistoryQuery) async throws -> HistoryReply {
        let step = Int64(query.resolution.seconds)
        let since = Int64(query.since) / step * step
        let until = Int64(query.until)
        return try await read { session in
            let columns = StatsQueries.historyColumns
            let rows = if query.everyQueue && query.summed {
                // One row per queue: the newest sample's live counts, the window's ended attempts summed.
                try await session.rows(PostgresQuery(unsafeSQL: """
                    SELECT * FROM (
                        SELECT DISTINCT ON (queue) at, queue, defined, assigned, activated, sent, starting, running, holding,
                            (sum(finished) OVER w)::bigint, (sum(failed) OVER w)::bigint, (sum(cancelled) OVER w)::bigint
                        FROM stats_history WHERE resolution = $1 AND at BETWEEN $2 AND $3 AND queue != '*'
                        WINDOW w AS (PARTITION BY queue)
                        ORDER BY queue, at DESC
                    ) newest ORDER BY queue COLLATE "C"
                    """, binds: bindings(step, since, until)))
            } else if query.everyQueue {
                try await session.rows(PostgresQuery(unsafeSQL: """
                    SELECT \(columns) FROM stats_history WHERE resolution = $1 AND at BETWEEN $2 AND $3 AND queue != '*'
                    ORDER BY at, queue COLLATE "C"
                    """, binds: bindings(step, since, until)))
            } else {
                try await session.rows(PostgresQuery(unsafeSQL: """
                    SELECT \(columns) FROM stats_history WHERE resolution = $1 AND at BETWEEN $2 AND $3 AND queue = $4 ORDER BY at
                    """, binds: bindings(step, since, until, query.queue ?? StatsSampler.allQueues)))
            }
            let samples = try rows.map { row in
                HistorySample(at: try row[0], queue: try row[1], defined: try row[2], assigned: try row[3], activated: try row[4],
                              sent: try row[5], starting: try row[6], running: try row[7], holding: try row[8], finished: try row[9],
                              failed: try row[10], cancelled: try row[11])
            }
            return HistoryReply(resolution: query.resolution, since: since, until: until, samples: samples)
        }
    }

    public func errorStats(_ filter: ErrorFilter) async throws -> ErrorStats {
        let since = Int64(filter.since) / 3600 * 3600
        let until = Int64(filter.until)
        return try await read { session in
            var binds = bindings(since, until)
            var conditions: [String] = []
            if let queue = filter.queue { binds.append(queue); conditions.append("queue = $\(binds.count)") }
            if let owner = filter.owner { binds.append(owner); conditions.append("owner = $\(binds.count)") }
            if let task = filter.taskID { binds.append(task); conditions.append("task_id = $\(binds.count)") }
            let narrowed = conditions.map { " AND " + $0 }.joined()
            // The folded counters and the sampler's inbox (the attempts that ended
            // since its last fold, bucketed as it will fold them) in one statement:
            // one snapshot, so an attempt a concurrent fold moves is counted once.
            let rows = try await session.rows(PostgresQuery(unsafeSQL: """
                SELECT hour, queue, owner, state, code, sum(n)::bigint FROM (
                    SELECT hour, queue, owner, state, code, n FROM stats_attempts WHERE hour BETWEEN $1 AND $2\(narrowed)
                    UNION ALL
                    SELECT (floor(at / 3600) * 3600)::bigint AS hour, queue, owner, state, coalesce(error_code, 0) AS code, 1::bigint AS n
                    FROM stats_attempt_ends WHERE (floor(at / 3600) * 3600)::bigint BETWEEN $1 AND $2\(narrowed)
                ) ended GROUP BY hour, queue, owner, state, code
                """, binds: binds))
            var tally = AttemptTally()
            for row in rows {
                tally.add(hour: try row[0], queue: try row[1], owner: try row[2], state: try row[3], code: try row[4], count: try row[5])
            }
            return tally.stats(since: since, until: until)
        }
    }

    public func nodeStats(queue: String, since: Double, until: Double) async throws -> NodeStats {
        let from = Int64(since) / 3600 * 3600
        return try await read { session in
            let nodes = try await session.rows("""
                SELECT node, sum(finished)::bigint, sum(failed)::bigint FROM stats_nodes
                WHERE queue = \(queue) AND hour BETWEEN \(from) AND \(Int64(until)) GROUP BY node
                """).map { NodeCount(node: try $0[0], finished: try $0[1], failed: try $0[2]) }
                .sorted { ($0.failed, $1.node) > ($1.failed, $0.node) }
            return NodeStats(queue: queue, since: from, nodes: nodes)
        }
    }

    public func liveness(now: Double) async throws -> Liveness {
        try await read { session in
            var contact: Double?
            for state in [JobState.sent, .starting, .running, .holding, .finished, .failed, .cancelled] {
                if let at = try await session.value("""
                    SELECT heartbeat_at FROM jobs WHERE state = \(state.rawValue) AND heartbeat_at IS NOT NULL ORDER BY heartbeat_at DESC LIMIT 1
                    """, as: Double.self) { contact = max(contact ?? at, at) }
            }
            let sample = try await session.value("SELECT at FROM stats_history WHERE resolution = 60 ORDER BY at DESC LIMIT 1", as: Int64.self)
            return Liveness(serverTime: now, lastPilotContact: contact, lastSample: sample)
        }
    }
}
