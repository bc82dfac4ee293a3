/// `queue/set_status` (admin scope): the status an operator gives a queue
/// without editing the configuration. The server keeps it in its database,
/// over the configuration's, through reloads and restarts.
///
/// ```swift
/// try await client.setQueueStatus("BNL_PROD", .brokeroff)   // panda queue drain BNL_PROD
/// ```
public struct QueueStatusRequest: Sendable, Codable, Equatable {
    public var queue: String
    public var status: QueueStatus

    public init(queue: String, status: QueueStatus) {
        self.queue = queue
        self.status = status
    }
}

/// A queue's status in force, the configuration's, and who set it otherwise.
public struct QueueStatusView: Sendable, Codable, Equatable {
    public var queue: String
    public var status: QueueStatus
    /// What the configuration says; `status` differs when an operator set one.
    public var configured: QueueStatus
    public var setBy: String?
    public var setAt: Double?

    enum CodingKeys: String, CodingKey {
        case queue, status, configured
        case setBy = "set_by", setAt = "set_at"
    }

    public init(queue: String, status: QueueStatus, configured: QueueStatus, setBy: String? = nil, setAt: Double? = nil) {
        self.queue = queue
        self.status = status
        self.configured = configured
        self.setBy = setBy
        self.setAt = setAt
    }
}

/// `queues`: every configured queue's status, by name.
public struct QueueStatusList: Sendable, Codable, Equatable {
    public var queues: [QueueStatusView]

    public init(queues: [QueueStatusView]) { self.queues = queues }
}
