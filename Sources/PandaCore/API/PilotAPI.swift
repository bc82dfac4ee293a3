/// `pilot/acquire_jobs`: a pilot describes its slot and asks for work.
public struct AcquireRequest: Sendable, Codable {
    public var queue: String
    public var node: String
    public var cores: Int
    public var memory: ByteCount
    public var disk: ByteCount
    /// Time left in the batch slot.
    public var remaining: TimeSpan
    public var nJobs: Int
    /// The pilot's own id (batch id or a UUID), recorded with the job.
    public var pilot: String?

    enum CodingKeys: String, CodingKey {
        case queue, node, cores, memory, disk, remaining, pilot
        case nJobs = "n_jobs"
    }

    public init(queue: String, node: String, cores: Int, memory: ByteCount, disk: ByteCount, remaining: TimeSpan,
                nJobs: Int = 1, pilot: String? = nil) {
        self.queue = queue
        self.node = node
        self.cores = cores
        self.memory = memory
        self.disk = disk
        self.remaining = remaining
        self.nJobs = nJobs
        self.pilot = pilot
    }
}

/// The jobs handed to a pilot, each with its lease.
public struct AcquireResult: Sendable, Codable {
    public var jobs: [DispatchedJob]
    /// The reply's message when no job came back although the queue has
    /// activated jobs: which resource the pilot lacked (see `UnmatchedJobs`).
    /// It travels in the envelope, not in `data`.
    public var unmatched: String?
    enum CodingKeys: String, CodingKey { case jobs }
    public init(jobs: [DispatchedJob], unmatched: String? = nil) {
        self.jobs = jobs
        self.unmatched = unmatched
    }
}

/// One job as a pilot receives it: everything needed to run it.
public struct DispatchedJob: Sendable, Codable, Equatable {
    public var id: Int64
    public var attempt: Int
    /// Every update about this attempt must carry it.
    public var lease: String
    public var spec: JobSpec
    public var limits: JobLimits

    public init(id: Int64, attempt: Int, lease: String, spec: JobSpec, limits: JobLimits) {
        self.id = id
        self.attempt = attempt
        self.lease = lease
        self.spec = spec
        self.limits = limits
    }
}

/// The queue's limits as they apply to one job.
public struct JobLimits: Sendable, Codable, Equatable {
    public var cores: Int
    public var memory: ByteCount
    public var disk: ByteCount
    public var walltime: TimeSpan
    public var heartbeat: TimeSpan
    /// Between heartbeats, how often the pilot asks for a command
    /// (`pilot/get_command`); absent from older servers, which have no poll.
    public var commandPoll: TimeSpan?
    public var loopingLimit: TimeSpan
    public var stdoutLimit: ByteCount
    public var containerCommand: [String]
    /// Storage endpoint name → URL, for outputs and the log.
    public var writeTo: [String: String]
    /// Copy tools in order of preference.
    public var copytools: [CopyTool]
    public var defaultDestination: String?
    /// Storage endpoint name → URL of those the queue reads from: a pilot
    /// reads a replica only from under its endpoint's base. Absent from
    /// servers that predate it.
    public var readFrom: [String: String]?

    enum CodingKeys: String, CodingKey {
        case cores, memory, disk, walltime, heartbeat, copytools
        case loopingLimit = "looping_limit", stdoutLimit = "stdout_limit", containerCommand = "container_command"
        case writeTo = "write_to", defaultDestination = "default_destination", readFrom = "read_from"
        case commandPoll = "command_poll"
    }

    public init(cores: Int, memory: ByteCount, disk: ByteCount, walltime: TimeSpan, heartbeat: TimeSpan,
                loopingLimit: TimeSpan, stdoutLimit: ByteCount, containerCommand: [String],
                writeTo: [String: String], copytools: [CopyTool], defaultDestination: String?, readFrom: [String: String]? = nil,
                commandPoll: TimeSpan? = nil) {
        self.commandPoll = commandPoll
        self.cores = cores
        self.memory = memory
        self.disk = disk
        self.walltime = walltime
        self.heartbeat = heartbeat
        self.loopingLimit = loopingLimit
        self.stdoutLimit = stdoutLimit
        self.containerCommand = containerCommand
        self.writeTo = writeTo
        self.copytools = copytools
        self.defaultDestination = defaultDestination
        self.readFrom = readFrom
    }
}

/// `pilot/update_job`: a state report or a heartbeat about one attempt.
public struct JobUpdate: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var attempt: Int
    public var lease: String
    public var state: JobState
    public var exitCode: Int?
    public var errorCode: Int?
    public var errorDiag: String?
    public var cpuSeconds: Double?
    public var maxRSS: ByteCount?
    public var outputs: [StoredFile]?
    public var timings: StepTimings?

    enum CodingKeys: String, CodingKey {
        case attempt, lease, state, outputs, timings
        case jobID = "job_id", exitCode = "exit_code", errorCode = "error_code", errorDiag = "error_diag"
        case cpuSeconds = "cpu_seconds", maxRSS = "max_rss"
    }

    public init(jobID: Int64, attempt: Int, lease: String, state: JobState, exitCode: Int? = nil, errorCode: Int? = nil,
                errorDiag: String? = nil, cpuSeconds: Double? = nil, maxRSS: ByteCount? = nil, outputs: [StoredFile]? = nil,
                timings: StepTimings? = nil) {
        self.jobID = jobID
        self.attempt = attempt
        self.lease = lease
        self.state = state
        self.exitCode = exitCode
        self.errorCode = errorCode
        self.errorDiag = errorDiag
        self.cpuSeconds = cpuSeconds
        self.maxRSS = maxRSS
        self.outputs = outputs
        self.timings = timings
    }
}

/// Seconds a pilot spent in each step of one job, for the final report.
public struct StepTimings: Sendable, Codable, Equatable {
    public var setup: Double
    public var stageIn: Double
    public var payload: Double
    public var stageOut: Double

    enum CodingKeys: String, CodingKey {
        case setup, payload
        case stageIn = "stage_in", stageOut = "stage_out"
    }

    public init(setup: Double = 0, stageIn: Double = 0, payload: Double = 0, stageOut: Double = 0) {
        self.setup = setup
        self.stageIn = stageIn
        self.payload = payload
        self.stageOut = stageOut
    }
}

/// The server's answer to an update: its view of the job and maybe a command.
public struct UpdateReply: Sendable, Codable, Equatable {
    public var state: JobState
    /// `kill` when the job should be stopped.
    public var command: PilotCommand?
    public init(state: JobState, command: PilotCommand?) {
        self.state = state
        self.command = command
    }
}

public enum PilotCommand: String, Sendable, Codable {
    case kill
}

/// `pilot/update_jobs_bulk`.
public struct BulkUpdateRequest: Sendable, Codable {
    public var updates: [JobUpdate]
    public init(updates: [JobUpdate]) { self.updates = updates }
}

/// One result per update, in order; a refused update does not affect the others.
public struct BulkUpdateResult: Sendable, Codable {
    public var results: [BulkUpdateItem]
    public init(results: [BulkUpdateItem]) { self.results = results }
}

public struct BulkUpdateItem: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var success: Bool
    public var status: Int
    public var message: String
    public var reply: UpdateReply?

    enum CodingKeys: String, CodingKey {
        case success, status, message, reply
        case jobID = "job_id"
    }

    public init(jobID: Int64, success: Bool, status: Int, message: String, reply: UpdateReply?) {
        self.jobID = jobID
        self.success = success
        self.status = status
        self.message = message
        self.reply = reply
    }
}

/// `factory/queue_demand`: what each queue needs in pilots.
public struct QueueDemand: Sendable, Codable, Equatable {
    public var queue: String
    public var status: QueueStatus
    /// Jobs a pilot could take now.
    public var activated: Int
    /// Jobs a pilot holds.
    public var running: Int

    public init(queue: String, status: QueueStatus, activated: Int, running: Int) {
        self.queue = queue
        self.status = status
        self.activated = activated
        self.running = running
    }
}

public struct QueueDemandResult: Sendable, Codable {
    public var queues: [QueueDemand]
    public init(queues: [QueueDemand]) { self.queues = queues }
}

/// `factory/pilot_token`: a token for one pilot of one queue.
public struct PilotTokenRequest: Sendable, Codable {
    public var queue: String
    /// How long the token must stay valid: the pilot may wait queued in the
    /// batch system before its slot starts. The server caps it.
    public var validFor: TimeSpan?

    enum CodingKeys: String, CodingKey {
        case queue
        case validFor = "valid_for"
    }

    public init(queue: String, validFor: TimeSpan? = nil) {
        self.queue = queue
        self.validFor = validFor
    }
}

public struct PilotTokenResult: Sendable, Codable {
    public var token: String
    public var expiresAt: Int64

    public init(token: String, expiresAt: Int64) {
        self.token = token
        self.expiresAt = expiresAt
    }
    enum CodingKeys: String, CodingKey {
        case token
        case expiresAt = "expires_at"
    }
}
