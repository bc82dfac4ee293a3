import GRDB
import PandaCore

/// One sample, in one transaction of the writer: live counts from the
/// maintained state counters, ended attempts from the trigger's inbox.
enum StatsSampler {
    static let liveStates: [JobState] = [.defined, .assigned, .activated, .sent, .starting, .running, .holding]
    static let minuteRetention: Int64 = 2 * 86_400
    static let hourRetention: Int64 = 90 * 86_400
    /// How long a pilot's count of ended attempts is kept after its last one.
    static let pilotRetention: Int64 = 7 * 86_400
    /// Ended attempts folded per sample; a backlog (after downtime) drains over a few samples.
    static let inboxBatch = 200_000
    /// The sum over every queue.
    static let allQueues = "*"

    private struct AttemptKey: Hashable { let hour: Int64, queue: String, owner: String, task: Int64, state: String, code: Int }
    private struct NodeKey: Hashable { let hour: Int64, queue: String, node: String }

    static func sample(_ db: Database, now: Double) throws -> StatsSampleReport {
        var rows: [String: [String: Int]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT queue, state, n FROM state_counts WHERE n != 0") {
            let state: String = row[1]
            guard liveStates.contains(where: { $0.rawValue == state }) else { continue }
            rows[row[0], default: [:]][state] = row[2]
        }

        var attempts: [AttemptKey: Int] = [:]
        var nodes: [NodeKey: (finished: Int, failed: Int)] = [:]
        var pilots: [String: Int] = [:]
        var lastID: Int64 = 0
        let ends = try Row.fetchAll(db, sql: """
            SELECT id, at, state, error_code, queue, owner, task_id, node, pilot FROM stats_attempt_ends ORDER BY id LIMIT ?
            """, arguments: [inboxBatch])
        for end in ends {
            lastID = end[0]
            let hour = Int64(end[1] as Double) / 3600 * 3600
            let state: String = end[2]
            let queue: String = end[4]
            rows[queue, default: [:]][state, default: 0] += 1
            // A job a pilot ran that ended between two samples was running in
            // this minute although no sample saw it: count it, so short jobs show.
            let pilot: String? = end[8]
            if pilot != nil { rows[queue, default: [:]][JobState.running.rawValue, default: 0] += 1 }
            attempts[AttemptKey(hour: hour, queue: queue, owner: end[5], task: end[6] ?? 0, state: state, code: end[3] ?? 0),
                     default: 0] += 1
            if let node: String = end[7], state != JobState.cancelled.rawValue {
                let key = NodeKey(hour: hour, queue: queue, node: node)
                var counts = nodes[key] ?? (0, 0)
                if state == JobState.finished.rawValue { counts.finished += 1 } else { counts.failed += 1 }
                nodes[key] = counts
            }
            if let pilot { pilots[pilot, default: 0] += 1 }
        }
        if lastID > 0 { try db.execute(sql: "DELETE FROM stats_attempt_ends WHERE id <= ?", arguments: [lastID]) }

        let addAttempts = try db.cachedStatement(sql: """
            INSERT INTO stats_attempts (hour, queue, owner, task_id, state, code, n) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET n = n + excluded.n
            """)
        for (key, n) in attempts {
            try addAttempts.execute(arguments: [key.hour, key.queue, key.owner, key.task, key.state, key.code, n])
        }
        let addNodes = try db.cachedStatement(sql: """
            INSERT INTO stats_nodes (hour, queue, node, finished, failed) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET finished = finished + excluded.finished, failed = failed + excluded.failed
            """)
        for (key, counts) in nodes {
            try addNodes.execute(arguments: [key.hour, key.queue, key.node, counts.finished, counts.failed])
        }
        let addPilots = try db.cachedStatement(sql: """
            INSERT INTO stats_pilots (pilot, attempts, last_at) VALUES (?, ?, ?)
            ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, last_at = excluded.last_at
            """)
        for (pilot, n) in pilots {
            try addPilots.execute(arguments: [pilot, n, Int64(now)])
        }

        var total: [String: Int] = [:]
        for counts in rows.values { total.merge(counts, uniquingKeysWith: +) }
        if !rows.isEmpty { rows[allQueues] = total }
        let minute = Int64(now)
        let hour = minute / 3600 * 3600
        let columns = "defined, assigned, activated, sent, starting, running, holding, finished, failed, cancelled"
        let insertMinute = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO stats_history (resolution, at, queue, \(columns)) VALUES (60, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // The hour's row: live counts as of its latest sample (running: the most
        // of its samples, short jobs included), ended attempts summed.
        let upsertHour = try db.cachedStatement(sql: """
            INSERT INTO stats_history (resolution, at, queue, \(columns)) VALUES (3600, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET defined = excluded.defined, assigned = excluded.assigned, activated = excluded.activated,
                sent = excluded.sent, starting = excluded.starting, running = max(running, excluded.running), holding = excluded.holding,
                finished = finished + excluded.finished, failed = failed + excluded.failed, cancelled = cancelled + excluded.cancelled
            """)
        for (queue, counts) in rows {
            let values = ["defined", "assigned", "activated", "sent", "starting", "running", "holding", "finished", "failed", "cancelled"]
                .map { counts[$0] ?? 0 }
            try insertMinute.execute(arguments: StatementArguments([minute, queue] as [any DatabaseValueConvertible] + values))
            try upsertHour.execute(arguments: StatementArguments([hour, queue] as [any DatabaseValueConvertible] + values))
        }

        try db.execute(sql: "DELETE FROM stats_history WHERE resolution = 60 AND at < ?", arguments: [minute - minuteRetention])
        try db.execute(sql: "DELETE FROM stats_history WHERE resolution = 3600 AND at < ?", arguments: [hour - hourRetention])
        try db.execute(sql: "DELETE FROM stats_attempts WHERE hour < ?", arguments: [hour - hourRetention])
        try db.execute(sql: "DELETE FROM stats_nodes WHERE hour < ?", arguments: [hour - hourRetention])
        try db.execute(sql: "DELETE FROM stats_pilots WHERE last_at < ?", arguments: [minute - pilotRetention])
        var report = StatsSampleReport()
        report.queues = rows.count
        report.endedAttempts = ends.count
        return report
    }
}
