/// `task/submit`: a task, and whether to store it or only show its jobs.
public struct TaskSubmitRequest: Sendable, Codable {
    public var task: TaskSpec
    /// Make and broker the jobs, store nothing, and return the first few.
    public var dryRun: Bool
    /// Chosen by the client, once per submission: the same request sent
    /// again (a retry after a lost answer) returns the task it made, rather
    /// than a second task.
    public var requestID: String?

    enum CodingKeys: String, CodingKey {
        case task
        case dryRun = "dry_run", requestID = "request_id"
    }

    public init(task: TaskSpec, dryRun: Bool = false, requestID: String? = nil) {
        self.task = task
        self.dryRun = dryRun
        self.requestID = requestID
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decode(TaskSpec.self, forKey: .task)
        dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        requestID = try c.decodeIfPresent(String.self, forKey: .requestID)
    }
}

/// What `task/submit` made: the task's id (none on a dry run), how many jobs
/// and where brokerage sent them.
public struct TaskSubmitResult: Sendable, Codable, Equatable {
    public var taskID: Int64?
    public var jobs: Int
    /// Queue → jobs brokered to it.
    public var queues: [String: Int]
    /// On a dry run, the first jobs as they would be stored.
    public var preview: [PlannedJob]

    enum CodingKeys: String, CodingKey {
        case jobs, queues, preview
        case taskID = "task_id"
    }

    public init(taskID: Int64?, jobs: Int, queues: [String: Int], preview: [PlannedJob] = []) {
        self.taskID = taskID
        self.jobs = jobs
        self.queues = queues
        self.preview = preview
    }
}

/// One job of a dry run: its spec and the queue brokerage chose.
public struct PlannedJob: Sendable, Codable, Equatable {
    public var queue: String
    public var spec: JobSpec

    public init(queue: String, spec: JobSpec) {
        self.queue = queue
        self.spec = spec
    }
}

/// `task/get_status`, `task/kill`, `task/retry`: one task.
public struct TaskIDRequest: Sendable, Codable {
    public var taskID: Int64
    enum CodingKeys: String, CodingKey { case taskID = "task_id" }
    public init(taskID: Int64) { self.taskID = taskID }
}

/// A task as its jobs make it: counts by state and the commonest failures.
public struct TaskStatus: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String?
    public var owner: String
    public var state: TaskState
    public var inputDatasets: [String]
    public var outputDataset: String?
    public var jobs: Int
    /// Job state → jobs in it.
    public var counts: [String: Int]
    /// Failed and cancelled jobs grouped by error, most frequent first.
    public var failures: [TaskFailure]
    public var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case id, name, owner, state, jobs, counts, failures
        case inputDatasets = "in_ds", outputDataset = "out_ds", createdAt = "created_at"
    }

    public init(id: Int64, name: String?, owner: String, state: TaskState, inputDatasets: [String], outputDataset: String?,
                jobs: Int, counts: [String: Int], failures: [TaskFailure], createdAt: Double) {
        self.id = id
        self.name = name
        self.owner = owner
        self.state = state
        self.inputDatasets = inputDatasets
        self.outputDataset = outputDataset
        self.jobs = jobs
        self.counts = counts
        self.failures = failures
        self.createdAt = createdAt
    }

    public func count(_ state: JobState) -> Int { counts[state.rawValue] ?? 0 }
    /// Jobs in a final state.
    public var ended: Int { count(.finished) + count(.failed) + count(.cancelled) }
}

/// Jobs of a task that ended with the same error.
public struct TaskFailure: Sendable, Codable, Equatable {
    public var errorCode: Int?
    public var errorDiag: String?
    public var jobs: Int
    /// One of them, to `panda show`.
    public var exampleJob: Int64

    enum CodingKeys: String, CodingKey {
        case jobs
        case errorCode = "error_code", errorDiag = "error_diag", exampleJob = "example_job"
    }

    public init(errorCode: Int?, errorDiag: String?, jobs: Int, exampleJob: Int64) {
        self.errorCode = errorCode
        self.errorDiag = errorDiag
        self.jobs = jobs
        self.exampleJob = exampleJob
    }
}

/// What `task/kill` did to the task's jobs.
public struct TaskKillResult: Sendable, Codable, Equatable {
    public var taskID: Int64
    /// Not yet dispatched, so cancelled at once.
    public var cancelled: Int
    /// Running; their pilots are told at their next update.
    public var killRequested: Int
    public var alreadyFinal: Int

    enum CodingKeys: String, CodingKey {
        case cancelled
        case taskID = "task_id", killRequested = "kill_requested", alreadyFinal = "already_final"
    }

    public init(taskID: Int64, cancelled: Int, killRequested: Int, alreadyFinal: Int) {
        self.taskID = taskID
        self.cancelled = cancelled
        self.killRequested = killRequested
        self.alreadyFinal = alreadyFinal
    }
}

/// What `task/retry` did: failed and cancelled jobs given a new attempt.
public struct TaskRetryResult: Sendable, Codable, Equatable {
    public var taskID: Int64
    public var retried: Int

    enum CodingKeys: String, CodingKey {
        case retried
        case taskID = "task_id"
    }

    public init(taskID: Int64, retried: Int) {
        self.taskID = taskID
        self.retried = retried
    }
}
