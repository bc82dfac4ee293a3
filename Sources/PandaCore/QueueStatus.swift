/// Whether a queue takes work, with PanDA's names for the states.
///
/// ```swift
/// QueueStatus.brokeroff.acceptsBrokerage   // false
/// QueueStatus.brokeroff.servesPilots       // true
/// ```
public enum QueueStatus: String, Sendable, Codable, CaseIterable {
    /// Brokerage sends jobs here and pilots are served.
    case online
    /// No new jobs are brokered here, but jobs already assigned still run.
    case brokeroff
    /// Only jobs that name this queue explicitly are sent here.
    case test
    /// Nothing is served: pilots get no jobs.
    case offline

    public var acceptsBrokerage: Bool { self == .online }
    public var servesPilots: Bool { self != .offline }
}

/// The batch system a factory submits a queue's pilots through.
public enum BatchSystem: String, Sendable, Codable, CaseIterable {
    case slurm
    case condor
    case pbs
    /// fork/exec on the factory's own host, up to a slot limit.
    case local
}

/// How a pilot moves files, chosen by the replica's URL scheme.
public enum CopyTool: String, Sendable, Codable, CaseIterable {
    /// Local paths and `file://` URLs, copied.
    case cp
    /// Local paths and `file://` URLs, symlinked instead of copied (shared file systems).
    case symlink
    /// `http://`, `https://` and WebDAV (`davs://` is spelled `https://`) through libcurl.
    case https
}
