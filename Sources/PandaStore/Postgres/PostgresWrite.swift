import PandaCore
import PostgresNIO

/// One batch transaction as a write sees it: the session, and the state
/// counter deltas its job moves made, which the batch adds to the counters
/// once, at its end.
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

    /// Adds the batch's deltas in one statement, in key order, so two
    /// batches that picked the same shard lock its rows in the same order.
    func flushCounts() async throws {
        let changed = counts.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        counts = [:]
        guard !changed.isEmpty else { return }
        let shard = Int64.random(in: 0..<Int64(Self.shards))
        let queues = changed.map(\.key.queue), states = changed.map(\.key.state), deltas = changed.map { Int64($0.value) }
        try await session.execute("""
            INSERT INTO state_counts (queue, state, shard, n)
            SELECT q, s, \(shard), d FROM unnest(\(queues)::text[], \(states)::text[], \(deltas)::bigint[]) AS c(q, s, d)
            ON CONFLICT (queue, state, shard) DO UPDATE SET n = state_counts.n + excluded.n
            """)
    }
}
