/// `pilot/queue_info`: what a pilot needs to know of its queue before it asks
/// for work — the minimums to check the node against and its own walltime.
public struct QueueInfo: Sendable, Codable, Equatable {
    public var name: String
    public var status: QueueStatus
    public var corecount: Int
    public var maxrss: ByteCount
    public var maxwdir: ByteCount
    public var maxtime: TimeSpan
    /// The batch walltime pilots of this queue get.
    public var pilotWalltime: TimeSpan

    enum CodingKeys: String, CodingKey {
        case name, status, corecount, maxrss, maxwdir, maxtime
        case pilotWalltime = "pilot_walltime"
    }

    public init(name: String, status: QueueStatus, corecount: Int, maxrss: ByteCount, maxwdir: ByteCount,
                maxtime: TimeSpan, pilotWalltime: TimeSpan) {
        self.name = name
        self.status = status
        self.corecount = corecount
        self.maxrss = maxrss
        self.maxwdir = maxwdir
        self.maxtime = maxtime
        self.pilotWalltime = pilotWalltime
    }
}

/// `pilot/recover_job`: a pilot that found a job's outputs in the recovery
/// area asks for a lease on that job, which must be `holding`. `lease` is
/// the one the attempt ran under, from the recovery manifest: the proof that
/// the files really are that attempt's (an id alone is guessable).
public struct RecoverRequest: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var attempt: Int
    public var lease: String
    public var queue: String
    public var node: String
    public var pilot: String?

    enum CodingKeys: String, CodingKey {
        case attempt, lease, queue, node, pilot
        case jobID = "job_id"
    }

    public init(jobID: Int64, attempt: Int, lease: String, queue: String, node: String, pilot: String?) {
        self.jobID = jobID
        self.attempt = attempt
        self.lease = lease
        self.queue = queue
        self.node = node
        self.pilot = pilot
    }
}

/// The new lease; the pilot's reports about the job carry it from now on.
/// `command: kill` says the job was killed while it waited: it is cancelled
/// now, and the pilot drops its files instead of storing them. `outputs` is
/// what the holding report said was kept (name, size, checksum of each
/// file), the server's record against which the recovering pilot checks the
/// files it found: anyone who could write the recovery area (a payload of
/// the pilot's own user) cannot change that record. Nil when the holding
/// pilot reported none (an older pilot).
public struct RecoverResult: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var attempt: Int
    public var lease: String
    public var command: PilotCommand?
    public var outputs: [StoredFile]?

    enum CodingKeys: String, CodingKey {
        case attempt, lease, command, outputs
        case jobID = "job_id"
    }

    public init(jobID: Int64, attempt: Int, lease: String, command: PilotCommand? = nil, outputs: [StoredFile]? = nil) {
        self.jobID = jobID
        self.attempt = attempt
        self.lease = lease
        self.command = command
        self.outputs = outputs
    }
}

/// `pilot/report_node`: a pilot that refused to start on its node says why,
/// so operators see bad nodes without reading batch logs.
public struct NodeReport: Sendable, Codable, Equatable {
    public var queue: String
    public var node: String
    public var pilot: String?
    public var errorCode: Int
    public var diagnostic: String

    enum CodingKeys: String, CodingKey {
        case queue, node, pilot, diagnostic
        case errorCode = "error_code"
    }

    public init(queue: String, node: String, pilot: String?, errorCode: Int, diagnostic: String) {
        self.queue = queue
        self.node = node
        self.pilot = pilot
        self.errorCode = errorCode
        self.diagnostic = diagnostic
    }
}
