import Foundation
import PandaCore
import PostgresNIO

/// One batch transaction as a write sees it: the session, the state
/// counter deltas its job moves made, which the batch adds to the counters
/// once, at its end, and the plain reports' moves, written with them.
///
/// ```swift
/// try await tx.session.execute("UPDATE jobs SET state = 'running' WHERE id = \(id)")
/// tx.count(queue: "Q", state: .sent, by: -1)
/// ```
/// The counters have no row that every transaction updates: each batch adds
/// its deltas to one of `shards` rows per (queue, state), picked at random,
/// so concurrent servers rarely wait on each other; reads sum the shards.
final class PostgresWrite {
    let session: PostgresSession
    /// Set when a lone write (no savepoint) threw: the batch rolls back.
    var failed = false
    private var counts: [CounterKey: Int] = [:]
    /// Reports' moves, written together by `flush`.
    private var moves: [PlainMove] = []
    static let shards = 16

    struct CounterKey: Hashable, Comparable {
        let queue: String
        let state: String
        static func < (a: Self, b: Self) -> Bool { (a.queue, a.state) < (b.queue, b.state) }
    }

    init(session: PostgresSession) {
        self.session = session
    }

    func count(queue: String, state: JobState, by delta: Int) {
        counts[CounterKey(queue: queue, state: state.rawValue), default: 0] += delta
    }

    /// Runs `body` in a savepoint that any error it throws rolls back, its
    /// counter deltas with it: a write is applied whole or not at all.
    func inSavepoint<T>(_ body: (PostgresWrite) async throws -> T) async throws -> T {
        let before = counts
        try await session.execute("SAVEPOINT w")
        do {
            let value = try await body(self)
            try await session.execute("RELEASE SAVEPOINT w")
            return value
        } catch {
            counts = before
            try await session.execute("ROLLBACK TO SAVEPOINT w")
            try await session.execute("RELEASE SAVEPOINT w")
            throw error
        }
    }

    /// Holds a report's move of `job` for the next `flush`, and counts it.
    func hold(_ move: PlainMove, of job: CurrentJob) {
        moves.append(move)
        if move.moved, let state = JobState(rawValue: move.state) {
            count(queue: job.queue, state: job.state, by: -1)
            count(queue: job.queue, state: state, by: 1)
        }
    }

    /// Writes the reports' moves held and adds the counter deltas, in one
    /// statement. The deltas go in key order, so two batches that picked
    /// the same shard lock its rows in the same order.
    func flush() async throws {
        let changed = counts.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        counts = [:]
        guard !changed.isEmpty || !moves.isEmpty else { return }
        let held = moves.isEmpty ? "[]" : String(decoding: try JSONEncoder().encode(moves), as: UTF8.self)
        moves = []
        let shard = Int64.random(in: 0..<Int64(Self.shards))
        let queues = changed.map(\.key.queue), states = changed.map(\.key.state), deltas = changed.map { Int64($0.value) }
        try await session.run(Flush.self, bindings(held, queues, states, deltas, shard))
    }

    /// A report's move: its figures and state on the row (PostgreSQL, like
    /// SQLite, evaluates every SET against the row as it was) and, when the
    /// state changed, its event.
    enum Flush: HotStatement {
        static let sql = """
            WITH r AS MATERIALIZED (
                SELECT * FROM json_to_recordset($1::json) AS r(id bigint, attempt bigint, state text, at double precision,
                    exit_code bigint, cpu_seconds double precision, max_rss bigint, outputs text, timings text, moved boolean, lease text)
            ), changed AS (
                UPDATE jobs SET heartbeat_at = r.at, exit_code = coalesce(r.exit_code, jobs.exit_code),
                    cpu_seconds = coalesce(r.cpu_seconds, jobs.cpu_seconds), max_rss = coalesce(r.max_rss, jobs.max_rss),
                    outputs = coalesce(r.outputs, jobs.outputs), timings = coalesce(r.timings, jobs.timings), state = r.state,
                    state_changed_at = CASE WHEN jobs.state = r.state THEN jobs.state_changed_at ELSE r.at END,
                    error_code = CASE WHEN jobs.state = r.state THEN jobs.error_code ELSE NULL END,
                    error_diag = CASE WHEN jobs.state = r.state THEN jobs.error_diag ELSE NULL END
                FROM r WHERE jobs.id = r.id
            ), events AS (
                INSERT INTO job_events (job_id, attempt, state, at, lease)
                SELECT id, attempt, state, at, lease FROM r WHERE moved
            )
            INSERT INTO state_counts (queue, state, shard, n)
            SELECT q, s, $5, d FROM unnest($2::text[], $3::text[], $4::bigint[]) AS c(q, s, d)
            ON CONFLICT (queue, state, shard) DO UPDATE SET n = state_counts.n + excluded.n
            """
    }
}
