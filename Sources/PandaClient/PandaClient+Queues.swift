import PandaCore

/// Queue statuses: `panda queue drain|online|list` and the monitor's queue pages.
extension PandaClient {
    /// `queue/set_status` (admin token): the status in force afterwards.
    public func setQueueStatus(_ queue: String, _ status: QueueStatus) async throws(ClientError) -> QueueStatusView {
        try await call("POST", "/api/v1/queue/set_status", body: QueueStatusRequest(queue: queue, status: status))
    }

    /// `queues`: every configured queue's status, the configuration's, and who set it otherwise.
    public func queueStatuses() async throws(ClientError) -> QueueStatusList {
        try await call("GET", "/api/v1/queues")
    }
}
