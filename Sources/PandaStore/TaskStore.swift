import Foundation
import PandaCore

/// Tasks: many jobs made from one template, stored and answered for together.
public protocol TaskStore: Sendable {
    /// Stores the task and all its jobs (`activated`) in one durable step,
    /// and creates its output dataset, which must not exist yet. A task
    /// with the request id of one already stored (its owner's) is not stored
    /// again: that task's id comes back.
    func submitTask(_ task: NewTask, jobs: [NewJob], now: Double) async throws(StoreError) -> Int64
    /// The task an earlier submission with this request id made, with its jobs by queue.
    func task(owner: String, requestID: String) async throws -> (id: Int64, queues: [String: Int])?
    /// The task as its jobs make it; nil when it does not exist or `owner`
    /// (when given) does not own it.
    func taskStatus(_ id: Int64, owner: String?) async throws -> TaskStatus?
    /// The newest tasks first.
    func tasks(owner: String?, limit: Int) async throws -> [TaskStatus]
    /// Kills every job of the task that has not ended.
    func killTask(_ id: Int64, owner: String?, now: Double) async throws -> TaskKillResult?
    /// The jobs that have not ended and register their outputs in the
    /// dataset, by task (nil: jobs outside a task): while there are any,
    /// the dataset is still being filled and a task over it would see only
    /// part of it.
    func unendedWriters(ofDataset name: String) async throws -> [DatasetWriters]
    /// Gives each failed or cancelled job of the task one more attempt, at
    /// the queue `queueFor` chooses for its spec (its old queue when nil).
    func retryTask(_ id: Int64, owner: String?, now: Double,
                   queueFor: @escaping @Sendable (JobSpec) -> String?) async throws -> TaskRetryResult?
}

/// The file catalogue: datasets of files, and the replicas of each file.
public protocol CatalogueStore: Sendable {
    /// Registers files in a dataset, made (owned by `owner`) when missing.
    /// A file already known under its scope and lfn must match in size and
    /// checksum; its new replicas are added.
    func addFiles(_ request: AddFilesRequest, owner: String, now: Double) async throws(StoreError) -> AddFilesResult
    func datasets() async throws -> [DatasetSummary]
    func dataset(named name: String) async throws -> DatasetContents?
    /// Who owns the dataset, or nil when it does not exist.
    func owner(ofDataset name: String) async throws -> String?
    /// Those of `names` the catalogue already holds, with the size and
    /// checksum each keeps for ever.
    func registeredFiles(among names: [CatalogueFileName]) async throws -> [RegisteredFile]
}

/// Jobs still filling a dataset: those of one task (or outside any task).
public struct DatasetWriters: Sendable, Equatable {
    public var taskID: Int64?
    /// Its jobs that have not ended.
    public var jobs: Int

    public init(taskID: Int64?, jobs: Int) {
        self.taskID = taskID
        self.jobs = jobs
    }

    /// The states of a job that may still add files, for `state IN (…)`.
    static let unendedStates = JobState.allCases.filter { !$0.isFinal }.map(\.rawValue)
}

/// A file as the catalogue names it: `scope:lfn`.
public struct CatalogueFileName: Sendable, Hashable, CustomStringConvertible {
    public var scope: String
    public var lfn: String

    public init(scope: String, lfn: String) {
        self.scope = scope
        self.lfn = lfn
    }

    public var description: String { "\(scope):\(lfn)" }
}

/// A task ready to store, its jobs brokered.
public struct NewTask: Sendable {
    public var spec: TaskSpec
    public var owner: String
    public var requestID: String?

    public init(spec: TaskSpec, owner: String, requestID: String? = nil) {
        self.spec = spec
        self.owner = owner
        self.requestID = requestID
    }

    /// The task's and its jobs' specs as the JSON both stores keep, made
    /// before the write, outside the transaction only one request is in at a time.
    func encodedSpecs(jobs: [NewJob]) throws(StoreError) -> (task: String, jobs: [String]) {
        do {
            let encoder = JSONEncoder()
            return (String(decoding: try encoder.encode(spec), as: UTF8.self),
                    try jobs.map { String(decoding: try encoder.encode($0.spec), as: UTF8.self) })
        } catch {
            throw .invalid("cannot encode the task: \(error)")
        }
    }
}
