import PandaClient
import PandaConfig
import PandaCore

/// What one `panda factory` run serves and how.
///
/// ```swift
/// let settings = FactorySettings(factory: configuration.factory, queues: served, servers: urls, token: token)
/// ```
public struct FactorySettings: Sendable {
    public var factory: FactoryConfig
    /// The queues this factory feeds (each has a batch section).
    public var queues: [QueueConfig]
    public var servers: [String]
    public var token: String
    /// What a batch job runs to start a pilot, before the pilot's own arguments.
    public var pilotCommand: [String]
    /// Where each pilot gets a directory for its script, token and output.
    public var spool: String
    public var api: HTTPSettings
    /// Given to local pilots as `-c`, so the pilot: section applies to them;
    /// pilots on other hosts use their own defaults.
    public var configPath: String?
    /// Storage endpoint name → URL, for pilots that must be told where inputs are (pilot3).
    public var storage: [String: String]
    /// The configuration's `pilot.shared_uid`: with accept, every panda
    /// pilot is started with `--shared-uid accept` (pilots on other hosts
    /// read no configuration), so the site's choice holds for them too.
    public var pilotSharedUID: SharedUIDPolicy
    /// The configuration names `pilot.payload_users`: local `batch.user`
    /// pilots keep the capabilities to switch to them (`LocalAdapter`).
    public var pilotsSwitchUser: Bool

    public init(factory: FactoryConfig, queues: [QueueConfig], servers: [String], token: String, pilotCommand: [String],
                spool: String, api: HTTPSettings = HTTPSettings(), configPath: String? = nil, storage: [String: String] = [:],
                pilotSharedUID: SharedUIDPolicy = .refuse, pilotsSwitchUser: Bool = false) {
        self.pilotSharedUID = pilotSharedUID
        self.pilotsSwitchUser = pilotsSwitchUser
        self.factory = factory
        self.queues = queues
        self.servers = servers
        self.token = token
        self.pilotCommand = pilotCommand
        self.spool = spool
        self.api = api
        self.configPath = configPath
        self.storage = storage
    }
}
