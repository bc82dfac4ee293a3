import PandaCore

/// Filters and keyset paging for `list`: every filter is served by an index
/// that ends in the job id, so a page costs the same however deep it is.
///
/// ```swift
/// var filter = JobFilter(owner: "jdoe", state: .failed)
/// filter.namePattern = "reco-*"
/// let page = try await store.list(filter)       // then filter.before = page.next
/// ```
public struct JobFilter: Sendable, Equatable {
    public var owner: String?
    public var state: JobState?
    /// One queue, or the queues of a site (any of them).
    public var queues: [String]?
    public var taskID: Int64?
    /// A job name, `*` matching any run of characters.
    public var namePattern: String?
    public var errorCode: Int?
    /// Submitted at or after / before (Unix seconds).
    public var since: Double?
    public var until: Double?
    public var order: JobOrder
    /// Continue after this job id (the previous page's `next`): below it
    /// newest first, above it oldest first.
    public var before: Int64?
    public var after: Int64?
    public var limit: Int

    public init(owner: String? = nil, state: JobState? = nil, queue: String? = nil, taskID: Int64? = nil,
                before: Int64? = nil, limit: Int = 100) {
        self.owner = owner
        self.state = state
        self.queues = queue.map { [$0] }
        self.taskID = taskID
        self.order = .newest
        self.before = before
        self.limit = limit
    }

    /// The single queue asked for, if one was.
    public var queue: String? {
        get { queues?.count == 1 ? queues?.first : nil }
        set { queues = newValue.map { [$0] } }
    }
}

/// The order of a job list: by id, which is the order of submission.
public enum JobOrder: String, Sendable, CaseIterable {
    case newest, oldest
}
