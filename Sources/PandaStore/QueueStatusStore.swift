import PandaCore

/// The statuses operators gave queues (`panda queue drain|online`), kept in
/// the database so that they hold over the configuration's through reloads,
/// restarts and on every server sharing a PostgreSQL database.
///
/// ```swift
/// try await store.setQueueStatus(QueueStatusSetting(queue: "Q1", status: .brokeroff, setBy: "admin", setAt: now))
/// let settings = try await store.queueStatusSettings()   // the server polls this
/// ```
public protocol QueueStatusStore: Sendable {
    /// Records the queue's status, replacing one set before.
    func setQueueStatus(_ setting: QueueStatusSetting) async throws
    /// Every status set, by queue name.
    func queueStatusSettings() async throws -> [QueueStatusSetting]
}

/// One queue's status as an operator set it.
public struct QueueStatusSetting: Sendable, Equatable {
    public var queue: String
    public var status: QueueStatus
    /// The token subject that set it.
    public var setBy: String
    public var setAt: Double

    public init(queue: String, status: QueueStatus, setBy: String, setAt: Double) {
        self.queue = queue
        self.status = status
        self.setBy = setBy
        self.setAt = setAt
    }
}
