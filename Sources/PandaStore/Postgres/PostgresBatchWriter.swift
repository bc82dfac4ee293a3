import Logging
import PandaCore
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
/// A write is applied whole or not at all: one that throws is rolled back
/// alone (the batch runs again with a savepoint around each write) and its
/// caller gets the error, while the others commit. Pilots' claims and
/// reports are applied together (`PostgresBatchStart`): a batch of them is
/// four round trips, however many it holds; when a statement they share
/// fails, the batch runs again with each on its own, so that only the
/// culprit fails. A batch that PostgreSQL aborts for a deadlock or a
/// serialization failure is run again whole (its callers have not been
/// answered yet).
final class PostgresBatchWriter: Sendable {
    private let client: PostgresClient
    private let logger: Logger
    private let committers: Int
    private let queue = WriteQueue<PendingPostgresWrite>()
    private let turn = CommitTurn()
    /// Writes in one transaction at most, so one commit cannot grow without bound.
    static let batchLimit = 500

    init(client: PostgresClient, committers: Int, logger: Logger) {
        self.client = client
        self.committers = max(1, committers)
        self.logger = logger
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresWrite) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            enqueue([.body(PendingBody(body, answer: { continuation.resume(with: $0) }))])
        }
    }

    /// A pilot's claim, run with the batch's other claims in one call (`PostgresClaims`).
    func claim(_ request: ClaimRequest, tag: String?, now: Double) async throws -> [ClaimedJob] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[ClaimedJob], any Error>) in
            enqueue([.claim(PendingClaim(request: request, tag: tag, now: now, answer: { continuation.resume(with: $0) }))])
        }
    }

    /// A pilot's report, applied with the batch's other reports (`PostgresReports`).
    func report(_ update: JobUpdate, queues: [String]?, now: Double) async throws -> UpdateReply {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UpdateReply, any Error>) in
            enqueue([.report(PendingReport(update: update, queues: queues, now: now, answer: { continuation.resume(with: $0) },
                                           abort: { continuation.resume(throwing: $0) }))])
        }
    }

    /// One request's reports, queued together: each is applied or refused on
    /// its own, and the results come in the reports' order. Throws when
    /// their batch could not be committed.
    func reports(_ updates: [JobUpdate], queues: [String]?, now: Double) async throws -> [Result<UpdateReply, any Error>] {
        guard !updates.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Result<UpdateReply, any Error>], any Error>) in
            let answers = ReportAnswers(count: updates.count, continuation: continuation)
            enqueue(updates.enumerated().map { index, update in
                .report(PendingReport(update: update, queues: queues, now: now, answer: { answers.set(index, $0) },
                                      abort: answers.abort))
            })
        }
    }

    private func enqueue(_ items: [PendingPostgresWrite]) {
        guard queue.add(items) else {
            for item in items { item.abort(StoreError.database("the store is closed")) }
            return
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
        queue.stop()
    }

    /// One committer at a time takes a batch and runs its statements; it
    /// hands the turn on as it sends COMMIT, so the next batch runs while
    /// this one waits for its WAL flush. Batches are thus as large as what
    /// arrived during the last one, which costs the fewest round trips per
    /// write, and the flush is still overlapped.
    private func commitLoop() async {
        while true {
            await turn.take()
            guard let batch = await queue.next(limit: Self.batchLimit) else {
                turn.pass()
                return
            }
            await commit(batch)
        }
    }

    private func commit(_ batch: [PendingPostgresWrite]) async {
        let handOver = OnlyOnce { self.turn.pass() }
        defer { handOver.run() }
        var lastError: (any Error)?
        var together = true
        for _ in 0..<PostgresRetry.attempts {
            do {
                let completions = try await client.withConnection { connection in
                    try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.eventLoop)) {
                        try await Self.transaction(batch, on: PostgresSession(connection: connection, logger: logger),
                                                   together: together, beforeCommit: handOver.run)
                    }
                }
                for complete in completions { complete() }
                return
            } catch {
                lastError = error
                if PostgresRetry.isRetryable(error) {
                    logger.debug("batch of \(batch.count) writes retried: \(PostgresRetry.describe(error))")
                } else if together, batch.count > 1 {
                    // A statement shared by the batch's claims or reports failed: one write's
                    // failure is its own, so each runs on its own, and only the culprit fails.
                    logger.debug("batch of \(batch.count) writes run one by one: \(PostgresRetry.describe(error))")
                    together = false
                } else {
                    break
                }
            }
        }
        let error = StoreError.database(PostgresRetry.describe(lastError ?? StoreError.database("no attempt")))
        for item in batch { item.abort(error) }
    }

    /// One transaction for the batch. First without savepoints (two round
    /// trips fewer per write): when every write succeeds, that is the commit.
    /// When one throws, the transaction is rolled back and the batch runs
    /// again with a savepoint around each write, so the failing one is undone
    /// alone and the others commit; a lone write's failure is just rolled back.
    /// Not `together`, claims and reports run as writes of their own too, each
    /// in its savepoint.
    private static func transaction(_ batch: [PendingPostgresWrite], on session: PostgresSession, together: Bool,
                                    beforeCommit: @Sendable () -> Void) async throws -> [@Sendable () -> Void] {
        if together, let completions = try await attempt(batch, on: session, together: true, savepoints: false, beforeCommit: beforeCommit) {
            return completions
        }
        return try await attempt(batch, on: session, together: together, savepoints: true, beforeCommit: beforeCommit) ?? []
    }

    /// BEGIN, the claims and the lock on the reports' jobs, each other
    /// write, the plain reports' moves with the counter deltas, COMMIT; nil
    /// (rolled back) when a write failed without a savepoint and the batch
    /// has more than it.
    private static func attempt(_ batch: [PendingPostgresWrite], on session: PostgresSession, together: Bool, savepoints: Bool,
                                beforeCommit: @Sendable () -> Void) async throws -> [@Sendable () -> Void]? {
        try await session.execute("BEGIN")
        do {
            let tx = PostgresWrite(session: session)
            var completions: [@Sendable () -> Void] = []
            completions.reserveCapacity(batch.count)
            var bodies: [PendingBody] = []
            var claims: [PendingClaim] = []
            var reports: [PendingReport] = []
            for item in batch {
                switch item {
                case .body(let body): bodies.append(body)
                case .claim(let claim) where together: claims.append(claim)
                case .claim(let claim): bodies.append(PendingBody(claim: claim))
                case .report(let report) where together: reports.append(report)
                case .report(let report): bodies.append(PendingBody(report: report))
                }
            }
            if !claims.isEmpty || !reports.isEmpty {
                let (claimAnswers, locked) = try await PostgresBatchStart.run(tx, claims: claims, reports: reports)
                let (reportAnswers, rest) = PostgresReports.decide(reports, jobs: locked, in: tx)
                completions += claimAnswers + reportAnswers
                bodies = rest.map(PendingBody.init(report:)) + bodies
            }
            // The other writes see the plain moves written (a second report on a job sees the first).
            if !bodies.isEmpty { try await tx.flush() }
            for body in bodies {
                switch await body.run(tx, savepoints) {
                case .success(let complete): completions.append(complete)
                case .retry(let error): throw error
                }
                if tx.failed { break }
            }
            if tx.failed {
                try await session.execute("ROLLBACK")
                return batch.count == 1 ? completions : nil
            }
            try await tx.flush()
            beforeCommit()
            try await session.execute("COMMIT")
            return completions
        } catch {
            try? await session.execute("ROLLBACK")
            throw error
        }
    }
}

/// Which committer may run statements now (`commitLoop`): taken in turn,
/// in the order asked.
private final class CommitTurn: Sendable {
    private let state = Mutex((taken: false, waiting: [CheckedContinuation<Void, Never>]()))

    func take() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                guard state.taken else {
                    state.taken = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func pass() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.taken = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}

/// A closure that runs the first time `run` is called, and never again.
private final class OnlyOnce: Sendable {
    private let body: Mutex<(@Sendable () -> Void)?>

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = Mutex(body)
    }

    func run() {
        let body = self.body.withLock { body in
            defer { body = nil }
            return body
        }
        body?()
    }
}

/// What running one queued write gave: how to answer its caller once the
/// batch commits, or an error that makes the whole batch run again.
enum PostgresWriteOutcome: Sendable {
    case success(@Sendable () -> Void)
    case retry(any Error)
}

private enum PendingPostgresWrite: Sendable {
    case body(PendingBody)
    case claim(PendingClaim)
    case report(PendingReport)

    func abort(_ error: any Error) {
        switch self {
        case .body(let body): body.abort(error)
        case .claim(let claim): claim.answer(.failure(error))
        case .report(let report): report.abort(error)
        }
    }
}

/// A write the batch runs as it is: in a savepoint or not, answered with its
/// value or its error once the batch commits.
private struct PendingBody: Sendable {
    let run: @Sendable (PostgresWrite, Bool) async -> PostgresWriteOutcome
    let abort: @Sendable (any Error) -> Void

    init<T: Sendable>(_ body: @escaping @Sendable (PostgresWrite) async throws -> T,
                      answer: @escaping @Sendable (Result<T, any Error>) -> Void) {
        run = { tx, savepoint in
            do {
                let value = try await savepoint ? tx.inSavepoint(body) : body(tx)
                return .success { answer(.success(value)) }
            } catch {
                if PostgresRetry.isRetryable(error) { return .retry(error) }
                // Without a savepoint the transaction may hold part of this write: the batch is rolled back.
                if !savepoint { tx.failed = true }
                return .success { answer(.failure(error)) }
            }
        }
        abort = { answer(.failure($0)) }
    }

    /// A claim on its own.
    init(claim: PendingClaim) {
        self.init({ tx in try await PostgresJobStore.claim(tx, claim.request, tag: claim.tag, now: claim.now) }, answer: claim.answer)
    }

    /// A report on its own.
    init(report: PendingReport) {
        self.init({ tx in try await PostgresJobStore.apply(tx, report.update, queues: report.queues, now: report.now) },
                  answer: report.answer)
    }
}

/// The answers to one request's reports, handed over once all are in.
private final class ReportAnswers: Sendable {
    private let state: Mutex<(results: [Result<UpdateReply, any Error>?], left: Int,
                              continuation: CheckedContinuation<[Result<UpdateReply, any Error>], any Error>?)>

    init(count: Int, continuation: CheckedContinuation<[Result<UpdateReply, any Error>], any Error>) {
        state = Mutex((Array(repeating: nil, count: count), count, continuation))
    }

    func set(_ index: Int, _ result: Result<UpdateReply, any Error>) {
        let done = state.withLock { state -> (CheckedContinuation<[Result<UpdateReply, any Error>], any Error>, [Result<UpdateReply, any Error>])? in
            guard state.results[index] == nil, state.continuation != nil else { return nil }
            state.results[index] = result
            state.left -= 1
            guard state.left == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results.map { $0! })
        }
        if let (continuation, results) = done { continuation.resume(returning: results) }
    }

    /// The batch failed: the request fails whole, as one transaction would.
    func abort(_ error: any Error) {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(throwing: error)
    }
}
