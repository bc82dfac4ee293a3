import GRDB
import PandaCore

/// The read side's queries: each reads samples or counters through an index
/// (the tests hold every one to `EXPLAIN QUERY PLAN` without a full scan).
enum StatsQueries {
    static let historyColumns = "at, queue, defined, assigned, activated, sent, starting, running, holding, finished, failed, cancelled"
    /// Queues and owners listed per error code; the rest are summed as "other".
    static let breakdownLimit = 10

    static func history(_ db: Database, _ query: HistoryQuery) throws -> HistoryReply {
        let step = query.resolution.seconds
        let since = Int64(query.since) / step * step
        let until = Int64(query.until)
        let rows = if query.everyQueue && query.summed {
            // One row per queue: the newest sample's live counts (SQLite takes the
            // bare columns from the max(at) row), the window's ended attempts summed.
            try Row.fetchAll(db, sql: """
                SELECT max(at), queue, defined, assigned, activated, sent, starting, running, holding, sum(finished), sum(failed), sum(cancelled)
                FROM stats_history WHERE resolution = ? AND at BETWEEN ? AND ? AND queue != '*' GROUP BY queue ORDER BY queue
                """, arguments: [step, since, until])
        } else if query.everyQueue {
            try Row.fetchAll(db, sql: """
                SELECT \(historyColumns) FROM stats_history WHERE resolution = ? AND at BETWEEN ? AND ? AND queue != '*' ORDER BY at, queue
                """, arguments: [step, since, until])
        } else {
            try Row.fetchAll(db, sql: """
                SELECT \(historyColumns) FROM stats_history WHERE resolution = ? AND queue = ? AND at BETWEEN ? AND ? ORDER BY at
                """, arguments: [step, query.queue ?? StatsSampler.allQueues, since, until])
        }
        let samples = rows.map { row in
            HistorySample(at: row[0], queue: row[1], defined: row[2], assigned: row[3], activated: row[4], sent: row[5],
                          starting: row[6], running: row[7], holding: row[8], finished: row[9], failed: row[10], cancelled: row[11])
        }
        return HistoryReply(resolution: query.resolution, since: since, until: until, samples: samples)
    }

    /// Without an owner or task filter the window's totals and hours are the
    /// hourly samples' (a row per hour), and the codes are summed over the
    /// failed rows alone (`stats_attempts_failures`): a week of a million
    /// jobs is then a few thousand rows, not every finished one's. Either
    /// way the attempts the sampler has not folded yet are added from its
    /// inbox, so a failure shows the moment it is reported.
    static func errors(_ db: Database, _ filter: ErrorFilter) throws -> ErrorStats {
        let since = Int64(filter.since) / 3600 * 3600
        let until = Int64(filter.until)
        guard filter.owner == nil, filter.taskID == nil else { return try errorsByAttempt(db, filter, since: since, until: until) }
        var tally = AttemptTally()
        for row in try Row.fetchAll(db, sql: """
            SELECT at, finished, failed, cancelled FROM stats_history WHERE resolution = 3600 AND queue = ? AND at BETWEEN ? AND ? ORDER BY at
            """, arguments: [filter.queue ?? StatsSampler.allQueues, since, until]) {
            tally.addHour(row[0], finished: row[1], failed: row[2], cancelled: row[3])
        }
        var conditions = ["state != 'finished'", "code != 0", "hour BETWEEN ? AND ?"]
        var arguments: StatementArguments = [since, until]
        if let queue = filter.queue { conditions.append("queue = ?"); arguments += [queue] }
        let failures = conditions.joined(separator: " AND ")
        // Summed by SQL per code and queue, and per code and owner: a few thousand rows, not one per attempt counter.
        for row in try Row.fetchAll(db, sql: "SELECT code, queue, sum(n) FROM stats_attempts WHERE \(failures) GROUP BY code, queue",
                                    arguments: arguments) {
            tally.addFailures(code: row[0], queue: row[1], count: row[2])
        }
        for row in try Row.fetchAll(db, sql: "SELECT code, owner, sum(n) FROM stats_attempts WHERE \(failures) GROUP BY code, owner",
                                    arguments: arguments) {
            tally.addOwner(code: row[0], owner: row[1], count: row[2])
        }
        try addUnfolded(db, filter, since: since, until: until, to: &tally)
        return tally.stats(since: since, until: until)
    }

    /// An owner's or a task's ended attempts: their index narrows the rows.
    static func errorsByAttempt(_ db: Database, _ filter: ErrorFilter, since: Int64, until: Int64) throws -> ErrorStats {
        var conditions = ["hour BETWEEN ? AND ?"]
        var arguments: StatementArguments = [since, until]
        if let queue = filter.queue { conditions.append("queue = ?"); arguments += [queue] }
        if let owner = filter.owner { conditions.append("owner = ?"); arguments += [owner] }
        if let task = filter.taskID { conditions.append("task_id = ?"); arguments += [task] }
        let rows = try Row.fetchAll(db, sql: """
            SELECT hour, queue, owner, state, code, sum(n) FROM stats_attempts WHERE \(conditions.joined(separator: " AND "))
            GROUP BY hour, queue, owner, state, code
            """, arguments: arguments)
        var tally = AttemptTally()
        for row in rows {
            tally.add(hour: row[0], queue: row[1], owner: row[2], state: row[3], code: row[4], count: row[5])
        }
        try addUnfolded(db, filter, since: since, until: until, to: &tally)
        return tally.stats(since: since, until: until)
    }

    /// The attempts that ended since the sampler's last fold, still in its
    /// inbox (a minute's worth, emptied by every sample; read whole, as the
    /// sampler reads it), bucketed by hour as the sampler will fold them.
    /// Read in the same snapshot as the counters, so none is counted twice.
    static func addUnfolded(_ db: Database, _ filter: ErrorFilter, since: Int64, until: Int64, to tally: inout AttemptTally) throws {
        var conditions = ["CAST(at AS INTEGER) / 3600 * 3600 BETWEEN ? AND ?"]
        var arguments: StatementArguments = [since, until]
        if let queue = filter.queue { conditions.append("queue = ?"); arguments += [queue] }
        if let owner = filter.owner { conditions.append("owner = ?"); arguments += [owner] }
        if let task = filter.taskID { conditions.append("task_id = ?"); arguments += [task] }
        for row in try Row.fetchAll(db, sql: """
            SELECT CAST(at AS INTEGER) / 3600 * 3600 AS hour, queue, owner, state, coalesce(error_code, 0) AS code, count(*)
            FROM stats_attempt_ends WHERE \(conditions.joined(separator: " AND ")) GROUP BY hour, queue, owner, state, code
            """, arguments: arguments) {
            tally.add(hour: row[0], queue: row[1], owner: row[2], state: row[3], code: row[4], count: row[5])
        }
    }

    static func errorCounts(_ byCode: [Int: (count: Int, queues: [String: Int], owners: [String: Int])]) -> [ErrorCount] {
        byCode.map { code, entry in
            let known = ErrorCode.lookup(code)
            return ErrorCount(code: code, name: known.name, text: known.text, source: known.source, count: entry.count,
                              queues: top(entry.queues), owners: top(entry.owners))
        }.sorted { ($0.count, $1.code) > ($1.count, $0.code) }
    }

    /// The busiest names, and the rest summed under "other".
    static func top(_ counts: [String: Int]) -> [NamedCount] {
        let sorted = counts.map { NamedCount(name: $0.key, count: $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        guard sorted.count > breakdownLimit else { return sorted }
        let rest = sorted.dropFirst(breakdownLimit - 1).reduce(0) { $0 + $1.count }
        return Array(sorted.prefix(breakdownLimit - 1)) + [NamedCount(name: "other", count: rest)]
    }

    static func nodes(_ db: Database, queue: String, since: Double, until: Double) throws -> NodeStats {
        let from = Int64(since) / 3600 * 3600
        let rows = try Row.fetchAll(db, sql: """
            SELECT node, sum(finished), sum(failed) FROM stats_nodes WHERE queue = ? AND hour BETWEEN ? AND ? GROUP BY node
            """, arguments: [queue, from, Int64(until)])
        let nodes = rows.map { NodeCount(node: $0[0], finished: $0[1], failed: $0[2]) }
            .sorted { ($0.failed, $1.node) > ($1.failed, $0.node) }
        return NodeStats(queue: queue, since: from, nodes: nodes)
    }

    static func liveness(_ db: Database, now: Double) throws -> Liveness {
        let newest = try db.cachedStatement(sql: """
            SELECT heartbeat_at FROM jobs WHERE state = ? AND heartbeat_at IS NOT NULL ORDER BY heartbeat_at DESC LIMIT 1
            """)
        var contact: Double?
        for state in [JobState.sent, .starting, .running, .holding, .finished, .failed, .cancelled] {
            if let at = try Double.fetchOne(newest, arguments: [state.rawValue]) { contact = max(contact ?? at, at) }
        }
        let sample = try Int64.fetchOne(db, sql: "SELECT at FROM stats_history WHERE resolution = 60 ORDER BY at DESC LIMIT 1")
        return Liveness(serverTime: now, lastPilotContact: contact, lastSample: sample)
    }
}

extension SQLiteJobStore {
    public func sampleStats(now: Double) async throws -> StatsSampleReport {
        try await storeErrors { try await writer.write { db in try StatsSampler.sample(db, now: now) } }
    }

    public func history(_ query: HistoryQuery) async throws -> HistoryReply {
        try await storeErrors { try await pool.read { db in try StatsQueries.history(db, query) } }
    }

    public func errorStats(_ filter: ErrorFilter) async throws -> ErrorStats {
        try await storeErrors { try await pool.read { db in try StatsQueries.errors(db, filter) } }
    }

    public func nodeStats(queue: String, since: Double, until: Double) async throws -> NodeStats {
        try await storeErrors { try await pool.read { db in try StatsQueries.nodes(db, queue: queue, since: since, until: until) } }
    }

    public func liveness(now: Double) async throws -> Liveness {
        try await storeErrors { try await pool.read { db in try StatsQueries.liveness(db, now: now) } }
    }

    public func list(_ filter: JobFilter) async throws -> JobPage {
        try await list(filter, facets: false)
    }

    public func list(_ filter: JobFilter, facets: Bool) async throws -> JobPage {
        try await storeErrors { try await pool.read { db in try Self.list(db, filter, facets: facets) } }
    }
}
