import PandaCore

/// The job queue's persistence: the domain's operations, not a SQL layer.
/// Each backend (SQLite now, PostgreSQL to scale out) implements it, and one
/// test suite holds them all to the same behaviour.
///
/// ```swift
/// let store = try SQLiteJobStore(path: "/var/lib/panda/panda.db")
/// let ids = try await store.submit([NewJob(spec: spec, owner: "jdoe", queue: "LOCAL", maxAttempts: 3)], now: now)
/// let jobs = try await store.claim(ClaimRequest(queue: "LOCAL", ...), now: now)
/// ```
/// Every method that changes something returns only once the change is
/// durable: acknowledged means it survives kill -9 and power loss. Failures
/// of the database itself are thrown as `StoreError.database`.
public protocol JobStore: TaskStore, CatalogueStore, TokenStore, BoundLeaseStore, StatsStore, QueueStatusStore, Sendable {
    /// Stores brokered jobs as `activated`. With a key used before (a retry
    /// after a lost answer), stores nothing and returns the first call's jobs.
    func submit(_ jobs: [NewJob], key: RequestKey?, now: Double) async throws -> [SubmittedJob]
    /// Hands the best fitting activated jobs of a queue to a pilot, each with
    /// a new lease. A job attempt is handed out once, whatever runs concurrently.
    /// Each job taken carries the key (caller and key) for its attempt. With
    /// `key.isRetry` and a key an earlier call took jobs with, returns those
    /// that are still `sent` (same attempt, same lease) and takes nothing new;
    /// a first try (no `isRetry`) looks nothing up, so it costs no extra read
    /// or row.
    func claim(_ request: ClaimRequest, key: RequestKey?, now: Double) async throws -> [ClaimedJob]
    /// After a claim that found nothing: why the queue's activated jobs (a
    /// bounded sample of them) do not fit the pilot, or nil when it has none.
    /// A read, so the empty claim's write stays as cheap as it was.
    func unmatched(_ request: ClaimRequest) async throws -> UnmatchedJobs?
    /// Applies a pilot's report about an attempt it holds the lease of.
    /// `queues` are those the caller's token covers (nil: every queue); a job
    /// of another queue is refused whatever lease comes with the report.
    func update(_ update: JobUpdate, queues: [String]?, now: Double) async throws(StoreError) -> UpdateReply
    /// Gives a pilot that found a `holding` job's outputs in its recovery
    /// area a new lease on that attempt, so it can finish the stage-out.
    func recover(_ request: RecoverRequest, now: Double) async throws(StoreError) -> RecoverResult
    /// Several reports in one durable step; each succeeds or fails on its own.
    func updateMany(_ updates: [JobUpdate], queues: [String]?, now: Double) async throws -> [Result<UpdateReply, StoreError>]
    /// A pilot's poll between heartbeats: the command for its attempt, read without writing.
    func pendingCommand(_ poll: CommandPoll) async throws(StoreError) -> PendingCommand
    /// Cancels jobs not yet dispatched; asks pilots to kill the others.
    /// `owner` limits the jobs to that owner's (nil: any job).
    func kill(_ ids: [Int64], owner: String?, now: Double) async throws -> [KillResult]
    /// Fails (or retries) jobs whose pilots went quiet, per the timeouts.
    func sweep(_ timeouts: SweepTimeouts, now: Double) async throws -> SweepReport
    func status(of ids: [Int64], owner: String?) async throws -> [JobStatus]
    func describe(_ id: Int64, owner: String?) async throws -> JobDescription?
    func list(_ filter: JobFilter) async throws -> JobPage
    /// Counts by queue and state, from counters kept as jobs move.
    func summary() async throws -> StateSummary
    /// Keeps a factory's latest report of its pilots, replacing its previous one.
    func recordPilots(_ report: PilotReport, now: Double) async throws
    /// Every factory's latest report, newest first.
    func pilotReports() async throws -> [PilotReport]
    /// The pilots of the factories' latest reports, one each, newest
    /// submitted first, with the attempts that ended under each (`jobsRun`,
    /// as of the last statistics sample). Served from indexes.
    func pilots(_ filter: PilotFilter) async throws -> [FactoryPilot]
    /// Proves the store can still commit; throws when it cannot.
    func probe() async throws
}

extension JobStore {
    /// A submission without an idempotency key.
    public func submit(_ jobs: [NewJob], now: Double) async throws -> [SubmittedJob] {
        try await submit(jobs, key: nil, now: now)
    }

    /// A claim without an idempotency key.
    public func claim(_ request: ClaimRequest, now: Double) async throws -> [ClaimedJob] {
        try await claim(request, key: nil, now: now)
    }

    /// A report from a caller that may act on every queue (an operator, a test).
    public func update(_ update: JobUpdate, now: Double) async throws(StoreError) -> UpdateReply {
        try await self.update(update, queues: nil, now: now)
    }

    public func updateMany(_ updates: [JobUpdate], now: Double) async throws -> [Result<UpdateReply, StoreError>] {
        try await updateMany(updates, queues: nil, now: now)
    }
}

/// A brokered job ready to store.
public struct NewJob: Sendable {
    public var spec: JobSpec
    public var owner: String
    public var queue: String
    public var maxAttempts: Int
    /// The resources it will be matched on, resolved from its request and its queue.
    public var cores: Int
    public var memory: ByteCount
    public var disk: ByteCount
    public var walltime: TimeSpan

    public init(spec: JobSpec, owner: String, queue: String, maxAttempts: Int,
                cores: Int, memory: ByteCount, disk: ByteCount, walltime: TimeSpan) {
        self.spec = spec
        self.owner = owner
        self.queue = queue
        self.maxAttempts = maxAttempts
        self.cores = cores
        self.memory = memory
        self.disk = disk
        self.walltime = walltime
    }
}

/// What a pilot offers when it asks for work.
public struct ClaimRequest: Sendable {
    public var queue: String
    public var node: String
    public var pilot: String?
    public var cores: Int
    public var memory: ByteCount
    public var disk: ByteCount
    public var remaining: TimeSpan
    public var limit: Int

    public init(queue: String, node: String, pilot: String?, cores: Int, memory: ByteCount, disk: ByteCount,
                remaining: TimeSpan, limit: Int) {
        self.queue = queue
        self.node = node
        self.pilot = pilot
        self.cores = cores
        self.memory = memory
        self.disk = disk
        self.remaining = remaining
        self.limit = limit
    }
}

/// A job handed to a pilot.
public struct ClaimedJob: Sendable {
    public var id: Int64
    public var attempt: Int
    public var lease: String
    /// The spec as stored: JSON the server passes on to the pilot as it is,
    /// so the dispatcher's hot path never decodes and re-encodes it.
    public var specJSON: String
    public var cores: Int
    public var memory: ByteCount
    public var disk: ByteCount
    public var walltime: TimeSpan
}

/// Why the store refused an operation; the server turns each into a status.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such job (404).
    case notFound(Int64)
    /// The lease or attempt is not the current one (409).
    case staleLease(job: Int64, attempt: Int, current: Int)
    /// The move is not in the state table, or contradicts a final state (409).
    case illegalTransition(job: Int64, from: JobState, to: JobState)
    /// Only a `holding` job of the same queue can be recovered (409).
    case notRecoverable(job: Int64, reason: String)
    /// It contradicts what is stored: a dataset that exists, a file with another checksum (409).
    case conflict(String)
    /// It belongs to someone else: another user's dataset (403).
    case forbidden(String)
    /// The report is malformed for reasons the store sees (400).
    case invalid(String)
    /// The database failed (500/503).
    case database(String)

    public var description: String {
        switch self {
        case .notFound(let id): return "job \(id) does not exist"
        case .staleLease(let id, let attempt, let current):
            return "lease for job \(id) attempt \(attempt) is not current (the job is at attempt \(current) under another lease)"
        case .illegalTransition(let id, let from, let to): return "job \(id) cannot go from \(from.rawValue) to \(to.rawValue)"
        case .notRecoverable(let id, let reason): return "job \(id) cannot be recovered: \(reason)"
        case .conflict(let message), .forbidden(let message): return message
        case .invalid(let message): return message
        case .database(let message): return "database error: \(message)"
        }
    }
}

/// The sweeper's limits (server.timeouts).
public struct SweepTimeouts: Sendable {
    public var sent: TimeSpan
    public var heartbeat: TimeSpan
    public var holding: TimeSpan

    public init(sent: TimeSpan, heartbeat: TimeSpan, holding: TimeSpan) {
        self.sent = sent
        self.heartbeat = heartbeat
        self.holding = holding
    }
}

/// What one sweep did.
public struct SweepReport: Sendable, Equatable {
    public var failed = 0
    public var retried = 0
    public var cancelled = 0
    public init() {}
}
