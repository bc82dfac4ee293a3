/// `factory/report_pilots`: what a factory's pilots are doing, per queue,
/// so the monitor can show pilots beside jobs.
public struct PilotReport: Sendable, Codable, Equatable {
    /// The factory's name (its token's subject, as the server records it).
    public var factory: String
    public var queues: [QueuePilots]
    /// One record per pilot the factory knows (active, and ended within its
    /// retention), newest first; at most `server.limits.pilots_per_report`.
    /// Absent from older factories' reports. The server keeps them in a
    /// table of its own, so `factory/pilots` answers without them here.
    public var pilots: [FactoryPilot]?
    /// When the server received it (Unix seconds); set by the server.
    public var reportedAt: Double?

    enum CodingKeys: String, CodingKey {
        case factory, queues, pilots
        case reportedAt = "reported_at"
    }

    public init(factory: String, queues: [QueuePilots], pilots: [FactoryPilot]? = nil, reportedAt: Double? = nil) {
        self.factory = factory
        self.queues = queues
        self.pilots = pilots
        self.reportedAt = reportedAt
    }
}

/// One pilot as its factory submitted and watched it: the batch system's
/// id, the pilot id it runs under (`--pilot-id`, which jobs record as their
/// pilot), its state and times. `jobsRun` is filled by the server: the
/// attempts that ended under this pilot, as of the last statistics sample.
///
/// ```swift
/// FactoryPilot(batchID: "4711", name: "panda-Q1-0a1b2c3d4e", queue: "Q1", batchSystem: .slurm, state: "running", submittedAt: t)
/// ```
public struct FactoryPilot: Sendable, Codable, Equatable {
    public var batchID: String
    /// The pilot id, as jobs carry it in `pilot`.
    public var name: String
    public var queue: String
    public var batchSystem: BatchSystem
    /// queued, running, held, finished or failed (`states`).
    public var state: String
    public var submittedAt: Double
    public var startedAt: Double?
    public var endedAt: Double?
    public var exitCode: Int?
    /// Why it failed or is held, as the batch system or the factory said.
    public var reason: String?
    /// Set by the server on reading; ignored in a report.
    public var factory: String?
    public var jobsRun: Int?

    /// The states a factory reports its pilots in.
    public static let states = ["queued", "running", "held", "finished", "failed"]

    enum CodingKeys: String, CodingKey {
        case name, queue, state, reason, factory
        case batchID = "batch_id", batchSystem = "batch_system", submittedAt = "submitted_at", startedAt = "started_at"
        case endedAt = "ended_at", exitCode = "exit_code", jobsRun = "jobs_run"
    }

    public init(batchID: String, name: String, queue: String, batchSystem: BatchSystem, state: String, submittedAt: Double,
                startedAt: Double? = nil, endedAt: Double? = nil, exitCode: Int? = nil, reason: String? = nil) {
        self.batchID = batchID
        self.name = name
        self.queue = queue
        self.batchSystem = batchSystem
        self.state = state
        self.submittedAt = submittedAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.exitCode = exitCode
        self.reason = reason
    }
}

/// One queue's pilots as its factory sees them in the batch system.
public struct QueuePilots: Sendable, Codable, Equatable {
    public var queue: String
    public var batchSystem: BatchSystem
    public var queued: Int
    public var running: Int
    public var held: Int
    /// Ended in the retention period, successfully / not.
    public var finished: Int
    public var failed: Int
    /// While the factory holds back new pilots because the queue's pilots
    /// fail quickly: why, and until when (seconds since 1970).
    public var backoff: String?
    public var backoffUntil: Double?

    enum CodingKeys: String, CodingKey {
        case queue, queued, running, held, finished, failed, backoff
        case batchSystem = "batch_system", backoffUntil = "backoff_until"
    }

    public init(queue: String, batchSystem: BatchSystem, queued: Int, running: Int, held: Int, finished: Int, failed: Int) {
        self.queue = queue
        self.batchSystem = batchSystem
        self.queued = queued
        self.running = running
        self.held = held
        self.finished = finished
        self.failed = failed
    }
}

/// `factory/pilots`: every factory's latest report (per-queue counts) and
/// the newest pilots matching `?queue=&state=&factory=&limit=`, one each.
public struct PilotReports: Sendable, Codable, Equatable {
    public var factories: [PilotReport]
    public var pilots: [FactoryPilot]?
    public init(factories: [PilotReport], pilots: [FactoryPilot]? = nil) {
        self.factories = factories
        self.pilots = pilots
    }
}
