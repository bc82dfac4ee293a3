/// `factory/report_pilots`: what a factory's pilots are doing, per queue,
/// so the monitor can show pilots beside jobs.
public struct PilotReport: Sendable, Codable, Equatable {
    /// The factory's name (its token's subject, as the server records it).
    public var factory: String
    public var queues: [QueuePilots]
    /// When the server received it (Unix seconds); set by the server.
    public var reportedAt: Double?

    enum CodingKeys: String, CodingKey {
        case factory, queues
        case reportedAt = "reported_at"
    }

    public init(factory: String, queues: [QueuePilots], reportedAt: Double? = nil) {
        self.factory = factory
        self.queues = queues
        self.reportedAt = reportedAt
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

/// `factory/pilots`: every factory's latest report.
public struct PilotReports: Sendable, Codable, Equatable {
    public var factories: [PilotReport]
    public init(factories: [PilotReport]) { self.factories = factories }
}
