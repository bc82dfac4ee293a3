/// `stats/history`: counts per queue over time, from the samples the server
/// takes every minute (kept 2 days) and every hour (kept 90 days).
///
/// ```swift
/// let day = try await client.history(resolution: .hour, since: now - 86_400)
/// day.samples.map(\.running)
/// ```
public struct HistoryReply: Sendable, Codable, Equatable {
    public var resolution: HistoryResolution
    /// The first sample time asked for and the last one (Unix seconds, aligned to the resolution).
    public var since: Int64
    public var until: Int64
    /// Oldest first; a missing time is a time when every count was 0.
    public var samples: [HistorySample]

    public init(resolution: HistoryResolution, since: Int64, until: Int64, samples: [HistorySample]) {
        self.resolution = resolution
        self.since = since
        self.until = until
        self.samples = samples
    }
}

/// The step between two samples.
public enum HistoryResolution: String, Sendable, Codable, CaseIterable {
    case minute, hour

    public var seconds: Int64 { self == .minute ? 60 : 3600 }
}

/// One queue (or `*`, every queue) at one time: jobs in each live state then,
/// and attempts that ended during the step before it. `running` also counts
/// the jobs a pilot ran that ended since the previous sample (so jobs shorter
/// than the sampling interval show), and an hourly sample's is the most of
/// its hour's samples.
public struct HistorySample: Sendable, Codable, Equatable {
    public var at: Int64
    public var queue: String
    public var defined: Int, assigned: Int, activated: Int, sent: Int, starting: Int, running: Int, holding: Int
    public var finished: Int, failed: Int, cancelled: Int

    public init(at: Int64, queue: String, defined: Int = 0, assigned: Int = 0, activated: Int = 0, sent: Int = 0,
                starting: Int = 0, running: Int = 0, holding: Int = 0, finished: Int = 0, failed: Int = 0, cancelled: Int = 0) {
        self.at = at
        self.queue = queue
        self.defined = defined
        self.assigned = assigned
        self.activated = activated
        self.sent = sent
        self.starting = starting
        self.running = running
        self.holding = holding
        self.finished = finished
        self.failed = failed
        self.cancelled = cancelled
    }
}

/// `stats/errors`: ended attempts by error code over a time window, with
/// each code's breakdown by queue and owner, from hourly counters.
public struct ErrorStats: Sendable, Codable, Equatable {
    public var since: Int64
    public var until: Int64
    /// Attempts that ended in the window: finished, failed and cancelled.
    public var finished: Int
    public var failed: Int
    public var cancelled: Int
    /// Most frequent first.
    public var errors: [ErrorCount]
    /// Failed and cancelled attempts per hour, oldest first.
    public var hours: [HourCount]

    public init(since: Int64, until: Int64, finished: Int, failed: Int, cancelled: Int, errors: [ErrorCount], hours: [HourCount]) {
        self.since = since
        self.until = until
        self.finished = finished
        self.failed = failed
        self.cancelled = cancelled
        self.errors = errors
        self.hours = hours
    }
}

/// One error code's attempts in a window.
public struct ErrorCount: Sendable, Codable, Equatable {
    public var code: Int
    public var name: String
    public var text: String
    /// Who raised it: `server` (supervision), `pilot`, or `payload` (the user's program).
    public var source: String
    public var count: Int
    /// Busiest first.
    public var queues: [NamedCount]
    public var owners: [NamedCount]

    public init(code: Int, name: String, text: String, source: String, count: Int, queues: [NamedCount], owners: [NamedCount]) {
        self.code = code
        self.name = name
        self.text = text
        self.source = source
        self.count = count
        self.queues = queues
        self.owners = owners
    }
}

/// A name and how many.
public struct NamedCount: Sendable, Codable, Equatable {
    public var name: String
    public var count: Int
    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }
}

/// Failed (and cancelled) attempts in one hour.
public struct HourCount: Sendable, Codable, Equatable {
    public var hour: Int64
    public var failed: Int
    public var finished: Int
    public init(hour: Int64, failed: Int, finished: Int) {
        self.hour = hour
        self.failed = failed
        self.finished = finished
    }
}

/// `stats/nodes`: a queue's worker nodes and how their attempts ended.
public struct NodeStats: Sendable, Codable, Equatable {
    public var queue: String
    public var since: Int64
    /// Most failures first.
    public var nodes: [NodeCount]
    public init(queue: String, since: Int64, nodes: [NodeCount]) {
        self.queue = queue
        self.since = since
        self.nodes = nodes
    }
}

public struct NodeCount: Sendable, Codable, Equatable {
    public var node: String
    public var finished: Int
    public var failed: Int
    public init(node: String, finished: Int, failed: Int) {
        self.node = node
        self.finished = finished
        self.failed = failed
    }
}

/// `stats/liveness`: when the parts of the system were last heard of.
public struct Liveness: Sendable, Codable, Equatable {
    /// The server's clock when it answered.
    public var serverTime: Double
    /// The newest pilot report about any job (a heartbeat or a state), if any.
    public var lastPilotContact: Double?
    /// The newest history sample.
    public var lastSample: Int64?

    enum CodingKeys: String, CodingKey {
        case serverTime = "server_time", lastPilotContact = "last_pilot_contact", lastSample = "last_sample"
    }

    public init(serverTime: Double, lastPilotContact: Double?, lastSample: Int64?) {
        self.serverTime = serverTime
        self.lastPilotContact = lastPilotContact
        self.lastSample = lastSample
    }
}

/// Value counts over the newest jobs matching a `jobs` filter (at most
/// `scanned` of them): what the monitor's attribute summary shows.
public struct JobFacets: Sendable, Codable, Equatable {
    public var scanned: Int
    /// True when more jobs match than were counted.
    public var truncated: Bool
    public var states: [NamedCount]
    public var queues: [NamedCount]
    public var owners: [NamedCount]
    public var tasks: [NamedCount]
    public var errors: [NamedCount]

    public init(scanned: Int, truncated: Bool, states: [NamedCount], queues: [NamedCount], owners: [NamedCount],
                tasks: [NamedCount], errors: [NamedCount]) {
        self.scanned = scanned
        self.truncated = truncated
        self.states = states
        self.queues = queues
        self.owners = owners
        self.tasks = tasks
        self.errors = errors
    }
}

extension ErrorCode {
    /// Who raises this code: `server` (its supervision: timeouts, kills),
    /// `payload` (the user's program exited badly), or `pilot`.
    public var source: String {
        if number < 1000 { return "server" }
        if number == 1305 || number == 1378 { return "payload" }
        return "pilot"
    }
}
