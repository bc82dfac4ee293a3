/// A computing site: its storage endpoints and its queues.
///
/// ```yaml
/// sites:
///   BNL:
///     storage: { BNL_DATADISK: { url: https://se.bnl.example/atlasdatadisk } }
///     queues: { BNL_PROD: { extends: grid } }
/// ```
public struct SiteConfig: Sendable, Codable, Equatable {
    public var name: String
    public var storage: [String: StorageEndpoint]
    public var queues: [String: QueueConfig]
}

/// A storage element (PanDA/Rucio's RSE) where replicas live.
public struct StorageEndpoint: Sendable, Codable, Equatable {
    public var name: String
    public var site: String
    public var url: StorageURL
    /// Jobs may read from it but never write to it (tape buffers, other
    /// experiments' disks).
    public var readOnly: Bool

    enum CodingKeys: String, CodingKey {
        case name, site, url
        case readOnly = "read_only"
    }

    init(name: String, site: String, reading r: ConfigReader) {
        self.name = name
        self.site = site
        url = r.required("url") ?? StorageURL(string: "file:///")
        readOnly = r.value("read_only", default: false)
        r.finish()
    }
}
