/// What a user submits: one job's payload, resources and files.
///
/// ```json
/// {"payload": {"executable": "run.sh", "arguments": ["%IN"]},
///  "resources": {"cores": 1, "memory": "2GB", "walltime": "1h"},
///  "inputs": [{"lfn": "a.root", "scope": "user.jdoe", "size": 1024, "checksum": "ad:0a1b2c3d",
///              "replicas": [{"storage": "LOCAL_DISK", "url": "file:///data/a.root"}]}]}
/// ```
public struct JobSpec: Sendable, Codable, Equatable {
    /// A label for people; not unique.
    public var name: String?
    public var taskID: Int64?
    /// Run at this queue rather than where brokerage would choose.
    public var queue: String?
    /// Higher runs first.
    public var priority: Int
    /// Attempts this job gets; the server's default when absent.
    public var maxAttempts: Int?
    public var payload: Payload
    public var resources: ResourceRequest
    /// Software tags the queue must offer.
    public var software: [String]
    public var inputs: [InputFile]
    public var outputs: [OutputFile]
    /// Where the log tarball goes; the queue's `write_to` when absent.
    public var log: OutputFile?
    /// The catalogue dataset the outputs and the log join once the job
    /// finishes, so that another task can read them.
    public var outputDataset: String?

    enum CodingKeys: String, CodingKey {
        case name, queue, priority, payload, resources, software, inputs, outputs, log
        case taskID = "task_id", maxAttempts = "max_attempts", outputDataset = "output_dataset"
    }

    public init(name: String? = nil, taskID: Int64? = nil, queue: String? = nil, priority: Int = 0, maxAttempts: Int? = nil,
                payload: Payload, resources: ResourceRequest = ResourceRequest(), software: [String] = [],
                inputs: [InputFile] = [], outputs: [OutputFile] = [], log: OutputFile? = nil, outputDataset: String? = nil) {
        self.name = name
        self.taskID = taskID
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.payload = payload
        self.resources = resources
        self.software = software
        self.inputs = inputs
        self.outputs = outputs
        self.log = log
        self.outputDataset = outputDataset
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        taskID = try c.decodeIfPresent(Int64.self, forKey: .taskID)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        priority = try c.decodeIfPresent(Int.self, forKey: .priority) ?? 0
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts)
        payload = try c.decode(Payload.self, forKey: .payload)
        resources = try c.decodeIfPresent(ResourceRequest.self, forKey: .resources) ?? ResourceRequest()
        software = try c.decodeIfPresent([String].self, forKey: .software) ?? []
        inputs = try c.decodeIfPresent([InputFile].self, forKey: .inputs) ?? []
        outputs = try c.decodeIfPresent([OutputFile].self, forKey: .outputs) ?? []
        log = try c.decodeIfPresent(OutputFile.self, forKey: .log)
        outputDataset = try c.decodeIfPresent(String.self, forKey: .outputDataset)
    }
}

/// The command a pilot runs, in the job's work directory.
public struct Payload: Sendable, Codable, Equatable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    /// A container image; the queue's container_command runs the payload in it.
    public var container: String?

    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:], container: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.container = container
    }

    enum CodingKeys: String, CodingKey { case executable, arguments, environment, container }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        executable = try c.decode(String.self, forKey: .executable)
        arguments = try c.decodeIfPresent([String].self, forKey: .arguments) ?? []
        environment = try c.decodeIfPresent([String: String].self, forKey: .environment) ?? [:]
        container = try c.decodeIfPresent(String.self, forKey: .container)
    }
}

/// What a job needs of a worker node. Absent values mean "what the queue gives".
public struct ResourceRequest: Sendable, Codable, Equatable {
    public var cores: Int
    public var memory: ByteCount?
    public var disk: ByteCount?
    public var walltime: TimeSpan?

    public init(cores: Int = 1, memory: ByteCount? = nil, disk: ByteCount? = nil, walltime: TimeSpan? = nil) {
        self.cores = cores
        self.memory = memory
        self.disk = disk
        self.walltime = walltime
    }

    enum CodingKeys: String, CodingKey { case cores, memory, disk, walltime }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cores = try c.decodeIfPresent(Int.self, forKey: .cores) ?? 1
        memory = try c.decodeIfPresent(ByteCount.self, forKey: .memory)
        disk = try c.decodeIfPresent(ByteCount.self, forKey: .disk)
        walltime = try c.decodeIfPresent(TimeSpan.self, forKey: .walltime)
    }
}

/// An input file with where copies of it can be read.
public struct InputFile: Sendable, Codable, Equatable {
    public var lfn: String
    public var scope: String?
    public var size: Int64?
    /// `ad:XXXXXXXX` (adler32) or `md5:…`.
    public var checksum: String?
    public var replicas: [Replica]

    public init(lfn: String, scope: String? = nil, size: Int64? = nil, checksum: String? = nil, replicas: [Replica] = []) {
        self.lfn = lfn
        self.scope = scope
        self.size = size
        self.checksum = checksum
        self.replicas = replicas
    }

    enum CodingKeys: String, CodingKey { case lfn, scope, size, checksum, replicas }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lfn = try c.decode(String.self, forKey: .lfn)
        scope = try c.decodeIfPresent(String.self, forKey: .scope)
        size = try c.decodeIfPresent(Int64.self, forKey: .size)
        checksum = try c.decodeIfPresent(String.self, forKey: .checksum)
        replicas = try c.decodeIfPresent([Replica].self, forKey: .replicas) ?? []
    }
}

/// One copy of a file at a storage endpoint.
public struct Replica: Sendable, Codable, Equatable {
    public var storage: String
    public var url: String

    public init(storage: String, url: String) {
        self.storage = storage
        self.url = url
    }
}

/// An output the payload will write, and where it should be stored.
public struct OutputFile: Sendable, Codable, Equatable {
    public var lfn: String
    public var scope: String?
    /// A storage endpoint; the queue's `write_to` when absent.
    public var destination: String?

    public init(lfn: String, scope: String? = nil, destination: String? = nil) {
        self.lfn = lfn
        self.scope = scope
        self.destination = destination
    }
}

/// A file a pilot stored, as reported in the final update.
public struct StoredFile: Sendable, Codable, Equatable {
    public var lfn: String
    public var size: Int64
    public var checksum: String
    public var url: String
    /// The job's log tarball rather than an output.
    public var isLog: Bool
    /// The storage endpoint it went to, under which the catalogue records the replica.
    public var storage: String?
    /// Its scope; the file catalogue names a file by scope and lfn.
    public var scope: String?

    enum CodingKeys: String, CodingKey {
        case lfn, size, checksum, url, storage, scope
        case isLog = "log"
    }

    public init(lfn: String, size: Int64, checksum: String, url: String, isLog: Bool = false, storage: String? = nil, scope: String? = nil) {
        self.lfn = lfn
        self.size = size
        self.checksum = checksum
        self.url = url
        self.isLog = isLog
        self.storage = storage
        self.scope = scope
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lfn = try c.decode(String.self, forKey: .lfn)
        size = try c.decode(Int64.self, forKey: .size)
        checksum = try c.decode(String.self, forKey: .checksum)
        url = try c.decode(String.self, forKey: .url)
        isLog = try c.decodeIfPresent(Bool.self, forKey: .isLog) ?? false
        storage = try c.decodeIfPresent(String.self, forKey: .storage)
        scope = try c.decodeIfPresent(String.self, forKey: .scope)
    }
}
