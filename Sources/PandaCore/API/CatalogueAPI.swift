/// A file of the catalogue: its name, what it holds, and where copies are.
public struct DatasetFile: Sendable, Codable, Equatable {
    public var scope: String
    public var lfn: String
    public var size: Int64
    /// `ad:XXXXXXXX` or `md5:…`.
    public var checksum: String?
    /// A job's log tarball rather than data; tasks never read these.
    public var isLog: Bool
    public var replicas: [Replica]

    enum CodingKeys: String, CodingKey {
        case scope, lfn, size, checksum, replicas
        case isLog = "log"
    }

    public init(scope: String, lfn: String, size: Int64, checksum: String?, isLog: Bool = false, replicas: [Replica]) {
        self.scope = scope
        self.lfn = lfn
        self.size = size
        self.checksum = checksum
        self.isLog = isLog
        self.replicas = replicas
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scope = try c.decode(String.self, forKey: .scope)
        lfn = try c.decode(String.self, forKey: .lfn)
        size = try c.decode(Int64.self, forKey: .size)
        checksum = try c.decodeIfPresent(String.self, forKey: .checksum)
        isLog = try c.decodeIfPresent(Bool.self, forKey: .isLog) ?? false
        replicas = try c.decodeIfPresent([Replica].self, forKey: .replicas) ?? []
    }

    /// The file as a job reads it.
    public var input: InputFile {
        InputFile(lfn: lfn, scope: scope, size: size, checksum: checksum, replicas: replicas)
    }
}

/// `dataset/add_files`: files (already at their storage) to register in a
/// dataset, which is made when it does not exist.
public struct AddFilesRequest: Sendable, Codable {
    public var dataset: String
    public var files: [DatasetFile]

    public init(dataset: String, files: [DatasetFile]) {
        self.dataset = dataset
        self.files = files
    }
}

public struct AddFilesResult: Sendable, Codable, Equatable {
    public var dataset: String
    /// Files new to the dataset.
    public var added: Int
    /// Files it already held (their replicas were merged).
    public var present: Int
    /// Files in the dataset now.
    public var files: Int

    public init(dataset: String, added: Int, present: Int, files: Int) {
        self.dataset = dataset
        self.added = added
        self.present = present
        self.files = files
    }
}

/// One dataset in a listing.
public struct DatasetSummary: Sendable, Codable, Equatable {
    public var name: String
    public var owner: String
    public var files: Int
    public var bytes: Int64
    public var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case name, owner, files, bytes
        case createdAt = "created_at"
    }

    public init(name: String, owner: String, files: Int, bytes: Int64, createdAt: Double) {
        self.name = name
        self.owner = owner
        self.files = files
        self.bytes = bytes
        self.createdAt = createdAt
    }
}

/// `dataset/get_files`: a dataset and every file in it, by lfn.
public struct DatasetContents: Sendable, Codable, Equatable {
    public var name: String
    public var owner: String
    public var createdAt: Double
    public var files: [DatasetFile]

    enum CodingKeys: String, CodingKey {
        case name, owner, files
        case createdAt = "created_at"
    }

    public init(name: String, owner: String, createdAt: Double, files: [DatasetFile]) {
        self.name = name
        self.owner = owner
        self.createdAt = createdAt
        self.files = files
    }
}

/// A storage endpoint of the configuration, as clients need it to upload.
public struct StorageEndpointInfo: Sendable, Codable, Equatable {
    public var name: String
    public var site: String
    public var url: String
    public var readOnly: Bool

    enum CodingKeys: String, CodingKey {
        case name, site, url
        case readOnly = "read_only"
    }

    public init(name: String, site: String, url: String, readOnly: Bool) {
        self.name = name
        self.site = site
        self.url = url
        self.readOnly = readOnly
    }
}

/// `dataset/registered_files`: which of these `scope:lfn` names the
/// catalogue already holds, asked before writing under them, so that a
/// registered file is never overwritten with other bytes.
public struct RegisteredFilesRequest: Sendable, Codable {
    public var files: [FileName]

    public init(files: [FileName]) {
        self.files = files
    }

    public struct FileName: Sendable, Codable, Hashable {
        public var scope: String
        public var lfn: String

        public init(scope: String, lfn: String) {
            self.scope = scope
            self.lfn = lfn
        }
    }
}

/// A name the catalogue holds, with the size and checksum it never changes from.
public struct RegisteredFile: Sendable, Codable, Equatable {
    public var scope: String
    public var lfn: String
    public var size: Int64
    public var checksum: String?

    public init(scope: String, lfn: String, size: Int64, checksum: String?) {
        self.scope = scope
        self.lfn = lfn
        self.size = size
        self.checksum = checksum
    }

    public var name: String { "\(scope):\(lfn)" }

    /// Why a local file of `size` with `checksum` may not be written under
    /// this name, or nil when it is the same file (writing it changes nothing).
    /// `checksum` must be of the registered checksum's algorithm.
    public func conflict(size local: Int64, checksum summed: Checksum?) -> String? {
        let registered = checksum.flatMap(Checksum.init)
        if local == size && (registered == nil || registered == summed) { return nil }
        return "\(name) is already registered with size \(size) and checksum \(checksum ?? "none"), not \(local) and "
            + "\(summed?.description ?? "none"); a registered file never changes, so nothing was written"
    }
}
