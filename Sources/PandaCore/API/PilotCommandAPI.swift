/// `pilot/get_command`: between heartbeats, a pilot asks whether the server
/// holds a command (`kill`) for the attempt it runs. A read: about the same
/// CPU as a heartbeat (docs/PERFORMANCE.md) but no durable write, no fsync
/// and no place in the writer's queue before dispatches, so it can be asked
/// every minute to bound kill latency. The reply is an `UpdateReply`.
///
/// ```swift
/// let reply = try await client.pollCommand(CommandPoll(jobID: 7, attempt: 1, lease: lease))
/// if reply.command == .kill { stop() }
/// ```
public struct CommandPoll: Sendable, Codable, Equatable {
    public var jobID: Int64
    public var attempt: Int
    public var lease: String

    enum CodingKeys: String, CodingKey {
        case attempt, lease
        case jobID = "job_id"
    }

    public init(jobID: Int64, attempt: Int, lease: String) {
        self.jobID = jobID
        self.attempt = attempt
        self.lease = lease
    }
}
