/// The whole resolved configuration of one panda installation.
///
/// ```swift
/// let loaded = try ConfigLoader().load(path: "/etc/panda/panda.yaml")
/// loaded.configuration.queue(named: "BNL_PROD")?.maxrss
/// ```
public struct PandaConfiguration: Sendable, Codable, Equatable {
    public var server: ServerConfig
    public var factory: FactoryConfig
    public var pilot: PilotConfig
    public var monitor: MonitorConfig
    public var sites: [String: SiteConfig]

    /// Every queue of every site, by name.
    public var queues: [QueueConfig] {
        sites.values.flatMap(\.queues.values).sorted { $0.name < $1.name }
    }

    /// Every storage endpoint of every site, by name.
    public var storageEndpoints: [StorageEndpoint] {
        sites.values.flatMap(\.storage.values).sorted { $0.name < $1.name }
    }

    public func queue(named name: String) -> QueueConfig? {
        for site in sites.values { if let queue = site.queues[name] { return queue } }
        return nil
    }

    public func storage(named name: String) -> StorageEndpoint? {
        for site in sites.values { if let endpoint = site.storage[name] { return endpoint } }
        return nil
    }
}
