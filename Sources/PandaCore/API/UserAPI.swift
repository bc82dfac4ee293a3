/// `job/submit`: one or many jobs.
public struct SubmitRequest: Sendable, Codable {
    public var jobs: [JobSpec]
    public init(jobs: [JobSpec]) { self.jobs = jobs }
}

/// Where each submitted job went, in submission order.
public struct SubmitResult: Sendable, Codable, Equatable {
    public var jobs: [SubmittedJob]
    public init(jobs: [SubmittedJob]) { self.jobs = jobs }
}

public struct SubmittedJob: Sendable, Codable, Equatable {
    public var id: Int64
    public var queue: String
    public var state: JobState
    public init(id: Int64, queue: String, state: JobState) {
        self.id = id
        self.queue = queue
        self.state = state
    }
}

/// `job/get_status`, `job/kill`: some job ids.
public struct JobIDsRequest: Sendable, Codable {
    public var jobIDs: [Int64]
    enum CodingKeys: String, CodingKey { case jobIDs = "job_ids" }
    public init(jobIDs: [Int64]) { self.jobIDs = jobIDs }
}

/// `job/get_description`: one job.
public struct JobIDRequest: Sendable, Codable {
    public var jobID: Int64
    enum CodingKeys: String, CodingKey { case jobID = "job_id" }
    public init(jobID: Int64) { self.jobID = jobID }
}

/// A job's present state, short: what lists and status calls return.
public struct JobStatus: Sendable, Codable, Equatable {
    public var id: Int64
    public var taskID: Int64?
    public var name: String?
    public var owner: String
    public var queue: String?
    public var state: JobState
    public var attempt: Int
    public var maxAttempts: Int
    public var priority: Int
    public var errorCode: Int?
    public var errorDiag: String?
    public var createdAt: Double
    public var stateChangedAt: Double

    enum CodingKeys: String, CodingKey {
        case id, name, owner, queue, state, attempt, priority
        case taskID = "task_id", maxAttempts = "max_attempts", errorCode = "error_code", errorDiag = "error_diag"
        case createdAt = "created_at", stateChangedAt = "state_changed_at"
    }

    public init(id: Int64, taskID: Int64?, name: String?, owner: String, queue: String?, state: JobState, attempt: Int,
                maxAttempts: Int, priority: Int, errorCode: Int?, errorDiag: String?, createdAt: Double, stateChangedAt: Double) {
        self.id = id
        self.taskID = taskID
        self.name = name
        self.owner = owner
        self.queue = queue
        self.state = state
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.priority = priority
        self.errorCode = errorCode
        self.errorDiag = errorDiag
        self.createdAt = createdAt
        self.stateChangedAt = stateChangedAt
    }
}

/// Everything about one job: its spec, what happened, and its history.
public struct JobDescription: Sendable, Codable, Equatable {
    public var status: JobStatus
    public var spec: JobSpec
    public var pilot: String?
    public var node: String?
    public var exitCode: Int?
    public var cpuSeconds: Double?
    public var maxRSS: ByteCount?
    public var outputs: [StoredFile]
    /// How long the current attempt spent in each step.
    public var timings: StepTimings?
    public var history: [JobEvent]
    /// Every attempt's outcome, oldest first, the current one last; the
    /// fields above are the current attempt's alone.
    public var attempts: [AttemptOutcome]
    /// For a job activated for a while: why pilots did not take it.
    public var waiting: String?
    /// The batch system's id of the current attempt's pilot, from its
    /// factory's report (nil for pilots no factory reported).
    public var batchID: String?

    enum CodingKeys: String, CodingKey {
        case status, spec, pilot, node, outputs, timings, history, attempts, waiting
        case exitCode = "exit_code", cpuSeconds = "cpu_seconds", maxRSS = "max_rss", batchID = "batch_id"
    }

    public init(status: JobStatus, spec: JobSpec, pilot: String?, node: String?, exitCode: Int?, cpuSeconds: Double?,
                maxRSS: ByteCount?, outputs: [StoredFile], timings: StepTimings? = nil, history: [JobEvent],
                attempts: [AttemptOutcome] = []) {
        self.attempts = attempts
        self.status = status
        self.spec = spec
        self.pilot = pilot
        self.node = node
        self.exitCode = exitCode
        self.cpuSeconds = cpuSeconds
        self.maxRSS = maxRSS
        self.outputs = outputs
        self.timings = timings
        self.history = history
    }
}

/// What one attempt of a job came to: where it ran, how it ended, its
/// figures and the files it stored.
public struct AttemptOutcome: Sendable, Codable, Equatable {
    public var attempt: Int
    /// Its last state: final for an ended attempt, the job's state for the current one.
    public var state: JobState
    public var queue: String?
    public var pilot: String?
    public var node: String?
    public var exitCode: Int?
    public var errorCode: Int?
    public var errorDiag: String?
    public var cpuSeconds: Double?
    public var maxRSS: ByteCount?
    public var outputs: [StoredFile]
    public var timings: StepTimings?
    /// When it ended; nil while it runs.
    public var endedAt: Double?
    /// Its pilot's batch id, from the factory's report (set by the server).
    public var batchID: String?

    enum CodingKeys: String, CodingKey {
        case attempt, state, queue, pilot, node, outputs, timings
        case exitCode = "exit_code", errorCode = "error_code", errorDiag = "error_diag", cpuSeconds = "cpu_seconds",
             maxRSS = "max_rss", endedAt = "ended_at", batchID = "batch_id"
    }

    public init(attempt: Int, state: JobState, queue: String?, pilot: String?, node: String?, exitCode: Int?, errorCode: Int?,
                errorDiag: String?, cpuSeconds: Double?, maxRSS: ByteCount?, outputs: [StoredFile], timings: StepTimings?,
                endedAt: Double?) {
        self.attempt = attempt
        self.state = state
        self.queue = queue
        self.pilot = pilot
        self.node = node
        self.exitCode = exitCode
        self.errorCode = errorCode
        self.errorDiag = errorDiag
        self.cpuSeconds = cpuSeconds
        self.maxRSS = maxRSS
        self.outputs = outputs
        self.timings = timings
        self.endedAt = endedAt
    }
}

/// One state change in a job's history.
public struct JobEvent: Sendable, Codable, Equatable {
    public var attempt: Int
    public var state: JobState
    public var at: Double
    public var reason: String?
    public var errorCode: Int?

    enum CodingKeys: String, CodingKey {
        case attempt, state, at, reason
        case errorCode = "error_code"
    }

    public init(attempt: Int, state: JobState, at: Double, reason: String?, errorCode: Int?) {
        self.attempt = attempt
        self.state = state
        self.at = at
        self.reason = reason
        self.errorCode = errorCode
    }
}

/// What happened to each job of a kill request.
public struct KillResult: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var outcome: KillOutcome
    public var state: JobState?

    enum CodingKeys: String, CodingKey {
        case outcome, state
        case jobID = "job_id"
    }

    public init(jobID: Int64, outcome: KillOutcome, state: JobState?) {
        self.jobID = jobID
        self.outcome = outcome
        self.state = state
    }
}

public enum KillOutcome: String, Sendable, Codable {
    /// Not yet dispatched: cancelled at once.
    case cancelled
    /// Dispatched: its pilot is told at its next update.
    case killRequested = "kill_requested"
    /// Already final; nothing to do.
    case alreadyFinal = "already_final"
    /// Not found, or not the caller's to kill.
    case notFound = "not_found"
}

/// A page of `jobs`; `next` continues it.
public struct JobPage: Sendable, Codable {
    public var jobs: [JobStatus]
    public var next: Int64?
    /// With `facets=true`: value counts over the newest matching jobs.
    public var facets: JobFacets?
    public init(jobs: [JobStatus], next: Int64?, facets: JobFacets? = nil) {
        self.jobs = jobs
        self.next = next
        self.facets = facets
    }
}

/// `stats/summary`: jobs by queue and state, from maintained counters.
public struct StateSummary: Sendable, Codable, Equatable {
    /// queue → state → count; jobs not yet brokered are under "".
    public var queues: [String: [String: Int]]
    public init(queues: [String: [String: Int]]) { self.queues = queues }

    public func count(queue: String, state: JobState) -> Int { queues[queue]?[state.rawValue] ?? 0 }
    public func total(_ state: JobState) -> Int { queues.values.reduce(0) { $0 + ($1[state.rawValue] ?? 0) } }
}
