import PandaCore

/// The read side the monitor and dashboards live on: samples and counters
/// kept as jobs move, so every answer is a read of a few rows, never a count
/// over the jobs table.
///
/// ```swift
/// _ = try await store.sampleStats(now: now)        // once a minute, by the server
/// let day = try await store.history(HistoryQuery(resolution: .hour, since: now - 86_400, until: now))
/// ```
public protocol StatsStore: Sendable {
    /// Takes one sample of the live counts per queue, folds the attempts that
    /// ended since the last one into the hourly counters, and drops samples
    /// past their retention (minute samples 2 days, hourly ones 90 days).
    @discardableResult
    func sampleStats(now: Double) async throws -> StatsSampleReport
    func history(_ query: HistoryQuery) async throws -> HistoryReply
    func errorStats(_ filter: ErrorFilter) async throws -> ErrorStats
    func nodeStats(queue: String, since: Double, until: Double) async throws -> NodeStats
    func liveness(now: Double) async throws -> Liveness
    /// A page of jobs and, when asked, the attribute summary of the filter.
    func list(_ filter: JobFilter, facets: Bool) async throws -> JobPage
}

/// What one sample did.
public struct StatsSampleReport: Sendable, Equatable {
    public var queues = 0
    public var endedAttempts = 0
    public init() {}
}

/// Which history: one queue (nil: the sum over all) or every queue apart.
public struct HistoryQuery: Sendable, Equatable {
    public var resolution: HistoryResolution
    public var queue: String?
    public var everyQueue: Bool
    /// With `everyQueue`: one sample per queue, its finished, failed and
    /// cancelled summed over the window, its live counts the newest sample's.
    public var summed: Bool
    public var since: Double
    public var until: Double

    public init(resolution: HistoryResolution, queue: String? = nil, everyQueue: Bool = false, summed: Bool = false,
                since: Double, until: Double) {
        self.resolution = resolution
        self.queue = queue
        self.everyQueue = everyQueue
        self.summed = summed
        self.since = since
        self.until = until
    }
}

/// Which ended attempts `errorStats` counts.
public struct ErrorFilter: Sendable, Equatable {
    public var since: Double
    public var until: Double
    public var queue: String?
    public var owner: String?
    public var taskID: Int64?

    public init(since: Double, until: Double, queue: String? = nil, owner: String? = nil, taskID: Int64? = nil) {
        self.since = since
        self.until = until
        self.queue = queue
        self.owner = owner
        self.taskID = taskID
    }
}
