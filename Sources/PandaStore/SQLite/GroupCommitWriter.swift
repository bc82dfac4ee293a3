import GRDB

/// The one writer of the SQLite store. Writes that arrive while a commit is
/// under way wait and go together in the next transaction — one fsync for
/// all of them — which is where throughput comes from without giving up
/// `synchronous=FULL`.
///
/// ```swift
/// let id = try await writer.write { db in try insertJob(db) }   // returns once durable
/// ```
/// Each write runs in its own savepoint: one that throws is rolled back alone
/// and its caller gets the error, while the others commit. Callers resume only
/// after the commit, so an answer never runs ahead of the disk.
final class GroupCommitWriter: Sendable {
    private let pool: DatabasePool
    private let queue = WriteQueue<PendingWrite>()
    /// Writes in one transaction at most, so one commit cannot grow without bound.
    static let batchLimit = 2_000

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let item = PendingWrite(
                run: { db in
                    do {
                        let value = try Self.inSavepoint(db, body)
                        return { continuation.resume(returning: value) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                },
                abort: { continuation.resume(throwing: $0) })
            if !queue.add([item]) { item.abort(StoreError.database("the store is closed")) }
        }
    }

    /// Several writes that travel together (one request's reports), each in
    /// its own savepoint inside the batch: one that throws is rolled back
    /// alone and its result is the error, while the others commit.
    func writeEach<T: Sendable>(_ bodies: [@Sendable (Database) throws -> T]) async throws -> [Result<T, Error>] {
        try await write { db in
            bodies.map { body in Result { try Self.inSavepoint(db, body) } }
        }
    }

    /// Runs `body` in a savepoint that any error it throws rolls back
    /// entirely — a refusal found after some statements ran undoes them too —
    /// so a write is applied whole or not at all, by construction. Refusals
    /// are therefore thrown (typed), never returned as values.
    static func inSavepoint<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body(db)
            return .commit
        }
        return result!
    }

    /// Commits batches until `stop()`, then commits what is left.
    func run() async {
        while let batch = await queue.next(limit: Self.batchLimit) {
            do {
                let completions = try await pool.write { db in batch.map { $0.run(db) } }
                for complete in completions { complete() }
            } catch {
                for item in batch { item.abort(error) }
            }
        }
    }

    func stop() {
        queue.stop()
    }
}

/// One queued write: `run` applies it inside the batch transaction and
/// returns how to answer its caller once the batch has committed.
private struct PendingWrite: @unchecked Sendable {
    let run: (Database) -> @Sendable () -> Void
    let abort: (Error) -> Void
}
