import PandaCore

/// Why a pilot stops before or between jobs (a job's own failures are
/// reported to the server with an error code instead).
public enum PilotError: Error, CustomStringConvertible {
    /// Something the pilot was given is unusable: exit 1.
    case setup(String)
    /// The node is below the queue's minimums: exit 3, reported to the server.
    case nodeRefused(ErrorCode, String)

    public var description: String {
        switch self {
        case .setup(let message): return message
        case .nodeRefused(let code, let message): return "\(code.number) \(code.name): \(message)"
        }
    }
}
