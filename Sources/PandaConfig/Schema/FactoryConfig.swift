import PandaCore

/// The `factory:` section: which server `panda factory` serves and how often
/// it tops up each queue's pilots.
///
/// ```yaml
/// factory:
///   server: https://panda.example.org:25443
///   credential: /etc/panda/factory.token
///   cycle: 60s
/// ```
public struct FactoryConfig: Sendable, Codable, Equatable {
    /// Servers in order of preference; the factory fails over down the list.
    public var server: [ServiceURL]
    /// The factory's own token file; pilots never see it.
    public var credential: String?
    public var cycle: TimeSpan
    /// The SQLite file where pilot records survive a restart.
    public var state: String
    /// What a batch job runs to start a pilot; empty means this very binary.
    public var pilotCommand: [String]
    /// Queues this factory serves; empty means every queue with a batch section.
    public var queues: [String]
    /// The longest any batch command (sbatch, condor_q, ...) may take.
    public var commandTimeout: TimeSpan
    /// Pilots queued longer than this are cancelled.
    public var maxQueuedTime: TimeSpan
    /// Cancel queued pilots when their queue has no work left.
    public var cancelWithoutDemand: Bool
    /// Held pilots (HTCondor holds, suspensions) are removed after this long,
    /// their hold reason kept in the record.
    public var maxHeldTime: TimeSpan
    /// How long finished pilots are remembered.
    public var retention: TimeSpan

    enum CodingKeys: String, CodingKey {
        case server, credential, cycle, state, queues, retention
        case pilotCommand = "pilot_command", commandTimeout = "command_timeout"
        case maxQueuedTime = "max_queued_time", cancelWithoutDemand = "cancel_without_demand", maxHeldTime = "max_held_time"
    }

    init(reading r: ConfigReader) {
        server = r.list("server", default: [Self.localServer])
        if server.isEmpty { server = [Self.localServer] }
        credential = r.path("credential")
        cycle = r.value("cycle", default: .seconds(60), in: .milliseconds(100)...(.hours(1)))
        state = r.path("state", default: "/var/lib/panda-factory/factory.db")
        pilotCommand = r.list("pilot_command")
        queues = r.list("queues")
        commandTimeout = r.value("command_timeout", default: .seconds(60), in: .seconds(1)...(.hours(1)))
        maxQueuedTime = r.value("max_queued_time", default: .hours(48), in: .minutes(1)...(.days(30)))
        cancelWithoutDemand = r.value("cancel_without_demand", default: false)
        maxHeldTime = r.value("max_held_time", default: .hours(1), in: .minutes(1)...(.days(30)))
        retention = r.value("retention", default: .days(7), in: .minutes(1)...(.days(365)))
        r.finish()
    }

    static let localServer = ServiceURL(string: "http://127.0.0.1:\(ServerConfig.defaultPort)")
}
