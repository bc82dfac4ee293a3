/// What a user submits as a task: one job template, split over the files of
/// its input datasets (or repeated `n_jobs` times when it reads none).
///
/// ```json
/// {"name": "wc", "in_ds": ["user.jdoe.raw"], "out_ds": "user.jdoe.counts", "files_per_job": 2,
///  "payload": {"executable": "analyze.sh", "arguments": ["%IN", "%OUT"]},
///  "resources": {"cores": 1, "memory": "2GB", "walltime": "2h"}}
/// ```
/// Arguments may hold the placeholders of `Placeholders`; `outputs` are the
/// names each job's output files end in (`hist.root` →
/// `user.jdoe.counts._000001.hist.root`).
public struct TaskSpec: Sendable, Codable, Equatable {
    public var name: String?
    public var inputDatasets: [String]
    public var outputDataset: String?
    /// Input files per job (1 when neither this nor `bytesPerJob` is given).
    public var filesPerJob: Int?
    /// Input bytes per job: files are added to a job while they fit.
    public var bytesPerJob: ByteCount?
    /// Jobs of a task without inputs.
    public var jobCount: Int?
    /// Output name endings; absent means one output, `out`, when the
    /// arguments use `%OUT`, else none.
    public var outputs: [String]?
    /// The scope of the outputs; `user.OWNER` when absent.
    public var scope: String?
    public var queue: String?
    public var priority: Int
    public var maxAttempts: Int?
    public var payload: Payload
    public var resources: ResourceRequest
    public var software: [String]

    enum CodingKeys: String, CodingKey {
        case name, outputs, scope, queue, priority, payload, resources, software
        case inputDatasets = "in_ds", outputDataset = "out_ds", filesPerJob = "files_per_job", bytesPerJob = "bytes_per_job"
        case jobCount = "n_jobs", maxAttempts = "max_attempts"
    }

    public init(name: String? = nil, inputDatasets: [String] = [], outputDataset: String? = nil, filesPerJob: Int? = nil,
                bytesPerJob: ByteCount? = nil, jobCount: Int? = nil, outputs: [String]? = nil, scope: String? = nil,
                queue: String? = nil, priority: Int = 0, maxAttempts: Int? = nil, payload: Payload,
                resources: ResourceRequest = ResourceRequest(), software: [String] = []) {
        self.name = name
        self.inputDatasets = inputDatasets
        self.outputDataset = outputDataset
        self.filesPerJob = filesPerJob
        self.bytesPerJob = bytesPerJob
        self.jobCount = jobCount
        self.outputs = outputs
        self.scope = scope
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.payload = payload
        self.resources = resources
        self.software = software
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        inputDatasets = try c.decodeIfPresent([String].self, forKey: .inputDatasets) ?? []
        outputDataset = try c.decodeIfPresent(String.self, forKey: .outputDataset)
        filesPerJob = try c.decodeIfPresent(Int.self, forKey: .filesPerJob)
        bytesPerJob = try c.decodeIfPresent(ByteCount.self, forKey: .bytesPerJob)
        jobCount = try c.decodeIfPresent(Int.self, forKey: .jobCount)
        outputs = try c.decodeIfPresent([String].self, forKey: .outputs)
        scope = try c.decodeIfPresent(String.self, forKey: .scope)
        queue = try c.decodeIfPresent(String.self, forKey: .queue)
        priority = try c.decodeIfPresent(Int.self, forKey: .priority) ?? 0
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts)
        payload = try c.decode(Payload.self, forKey: .payload)
        resources = try c.decodeIfPresent(ResourceRequest.self, forKey: .resources) ?? ResourceRequest()
        software = try c.decodeIfPresent([String].self, forKey: .software) ?? []
    }
}
