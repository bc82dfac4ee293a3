/// The whole resolved configuration of one panda installation.
///
/// ```swift
/// let loaded = try ConfigLoader().load(path: "/etc/panda/panda.yaml")
/// loaded.configuration.queue(named: "BNL_PROD")?.maxrss
/// ```
/// Queue and storage names are unique across sites, so an index by name
/// (rebuilt whenever `sites` is assigned) answers the lookups the checks and
/// every pilot request make, instead of a scan over thousands of sites.
public struct PandaConfiguration: Sendable, Codable, Equatable {
    public var server: ServerConfig
    public var factory: FactoryConfig
    public var pilot: PilotConfig
    public var monitor: MonitorConfig
    public var sites: [String: SiteConfig] { didSet { index = NameIndex(sites) } }
    private var index: NameIndex

    enum CodingKeys: String, CodingKey { case server, factory, pilot, monitor, sites }

    public init(server: ServerConfig, factory: FactoryConfig, pilot: PilotConfig, monitor: MonitorConfig, sites: [String: SiteConfig]) {
        self.server = server
        self.factory = factory
        self.pilot = pilot
        self.monitor = monitor
        self.sites = sites
        index = NameIndex(sites)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(server: try c.decode(ServerConfig.self, forKey: .server), factory: try c.decode(FactoryConfig.self, forKey: .factory),
                  pilot: try c.decode(PilotConfig.self, forKey: .pilot), monitor: try c.decode(MonitorConfig.self, forKey: .monitor),
                  sites: try c.decode([String: SiteConfig].self, forKey: .sites))
    }

    /// Every queue of every site, by name.
    public var queues: [QueueConfig] { index.queues }

    /// Every storage endpoint of every site, by name.
    public var storageEndpoints: [StorageEndpoint] { index.storage }

    public func queue(named name: String) -> QueueConfig? {
        index.queueSite[name].flatMap { sites[$0]?.queues[name] }
    }

    public func storage(named name: String) -> StorageEndpoint? {
        index.storageSite[name].flatMap { sites[$0]?.storage[name] }
    }
}

/// Which site holds each queue and storage endpoint, and both lists sorted
/// by name, computed once per assignment of `sites`.
private struct NameIndex: Sendable, Equatable {
    let queueSite: [String: String]
    let storageSite: [String: String]
    let queues: [QueueConfig]
    let storage: [StorageEndpoint]

    init(_ sites: [String: SiteConfig]) {
        var queueSite: [String: String] = [:]
        var storageSite: [String: String] = [:]
        for (name, site) in sites {
            for queue in site.queues.keys where queueSite[queue] == nil { queueSite[queue] = name }
            for endpoint in site.storage.keys where storageSite[endpoint] == nil { storageSite[endpoint] = name }
        }
        self.queueSite = queueSite
        self.storageSite = storageSite
        queues = sites.values.flatMap(\.queues.values).sorted { $0.name < $1.name }
        storage = sites.values.flatMap(\.storage.values).sorted { $0.name < $1.name }
    }

    /// Derived from `sites`, which the configuration compares already.
    static func == (_: NameIndex, _: NameIndex) -> Bool { true }
}
