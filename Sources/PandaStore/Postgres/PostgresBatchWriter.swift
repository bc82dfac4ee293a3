import Logging
import PostgresNIO
import Synchronization

/// The PostgreSQL store's group commit: writes that arrive while a
/// transaction is under way go together in the next one — one commit, one
/// WAL flush for all of them — with `synchronous_commit` left on. A few
/// committers run at once (a pool connection each), so a slow commit does
/// not hold up the next batch.
///
/// ```swift
/// let ids = try await writer.write { tx in try await insertJobs(tx) }   // returns once committed
/// ```
/// Each write runs in its own savepoint: one that throws is rolled back
/// alone and its caller gets the error, while the others commit. A batch
/// that PostgreSQL aborts for a deadlock or a serialization failure is run
/// again whole (its callers have not been answered yet).
final class PostgresBatchWriter: Sendable {
    private let client: PostgresClient
    private let logger: Logger
    private let committers: Int
    private let queue = Mutex(Queue())
    /// Writes in one transaction at most, so one commit cannot grow without bound.
    static let batchLimit = 500

    private struct Queue {
        var pending: [PendingPostgresWrite] = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
    }

    init(client: PostgresClient, committers: Int, logger: Logger) {
        self.client = client
        self.committers = max(1, committers)
        self.logger = logger
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresWrite) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let item = PendingPostgresWrite(
                run: { tx, savepoint in
                    do {
                        let value = try await savepoint ? tx.inSavepoint(body) : body(tx)
                        return .success { continuation.resume(returning: value) }
                    } catch {
                        if PostgresRetry.isRetryable(error) { return .retry(error) }
                        if !savepoint { tx.failed = true }
                        return .success { continuation.resume(throwing: error) }
                    }
                },
                abort: { continuation.resume(throwing: $0) })
            let (waiter, stopped) = queue.withLock { queue -> (CheckedContinuation<Void, Never>?, Bool) in
                guard !queue.stopped else { return (nil, true) }
                queue.pending.append(item)
                return (queue.waiters.popLast(), false)
            }
            if stopped { item.abort(StoreError.database("the store is closed")) }
            waiter?.resume()
        }
    }

    /// Several writes that travel together (one request's reports), each in
    /// its own savepoint inside the batch: one that throws is rolled back
    /// alone and its result is the error, while the others commit.
    func writeEach<T: Sendable>(_ bodies: [@Sendable (PostgresWrite) async throws -> T]) async throws -> [Result<T, any Error>] {
        try await write { tx in
            var results: [Result<T, any Error>] = []
            for body in bodies {
                do {
                    results.append(.success(try await tx.inSavepoint(body)))
                } catch {
                    if PostgresRetry.isRetryable(error) { throw error }
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// Commits batches until `stop()`, then commits what is left.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<committers {
                group.addTask { await self.commitLoop() }
            }
        }
    }

    func stop() {
        let waiters = queue.withLock { queue -> [CheckedContinuation<Void, Never>] in
            queue.stopped = true
            defer { queue.waiters = [] }
            return queue.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func commitLoop() async {
        while let batch = await nextBatch() {
            await commit(batch)
        }
    }

    private func commit(_ batch: [PendingPostgresWrite]) async {
        var lastError: (any Error)?
        for _ in 0..<PostgresRetry.attempts {
            do {
                let completions = try await client.withConnection { connection in
                    try await Self.transaction(batch, on: PostgresSession(connection: connection, logger: logger))
                }
                for complete in completions { complete() }
                return
            } catch {
                lastError = error
                guard PostgresRetry.isRetryable(error) else { break }
                logger.debug("batch of \(batch.count) writes retried: \(PostgresRetry.describe(error))")
            }
        }
        let error = StoreError.database(PostgresRetry.describe(lastError ?? StoreError.database("no attempt")))
        for item in batch { item.abort(error) }
    }

    /// One transaction for the batch: BEGIN, each write (in a savepoint when
    /// there are several; a lone write's failure rolls back the transaction),
    /// the counter deltas, COMMIT.
    private static func transaction(_ batch: [PendingPostgresWrite], on session: PostgresSession) async throws -> [@Sendable () -> Void] {
        try await session.execute("BEGIN")
        do {
            let tx = PostgresWrite(session: session)
            var completions: [@Sendable () -> Void] = []
            completions.reserveCapacity(batch.count)
            let savepoints = batch.count > 1
            for item in batch {
                switch await item.run(tx, savepoints) {
                case .success(let complete): completions.append(complete)
                case .retry(let error): throw error
                }
            }
            if !savepoints, tx.failed {
                try await session.execute("ROLLBACK")
                return completions
            }
            try await tx.flushCounts()
            try await session.execute("COMMIT")
            return completions
        } catch {
            try? await session.execute("ROLLBACK")
            throw error
        }
    }

    /// The writes waiting now, or nil once stopped and drained.
    private func nextBatch() async -> [PendingPostgresWrite]? {
        while true {
            let (batch, stopped) = queue.withLock { queue -> ([PendingPostgresWrite], Bool) in
                let batch = Array(queue.pending.prefix(Self.batchLimit))
                queue.pending.removeFirst(batch.count)
                return (batch, queue.stopped)
            }
            if !batch.isEmpty { return batch }
            if stopped { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = queue.withLock { queue -> Bool in
                    if !queue.pending.isEmpty || queue.stopped { return true }
                    queue.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}

/// What running one queued write gave: how to answer its caller once the
/// batch commits, or an error that makes the whole batch run again.
enum PostgresWriteOutcome: Sendable {
    case success(@Sendable () -> Void)
    case retry(any Error)
}

private struct PendingPostgresWrite: Sendable {
    let run: @Sendable (PostgresWrite, Bool) async -> PostgresWriteOutcome
    let abort: @Sendable (any Error) -> Void
}
