import Foundation
import PandaCore

/// The API's calls, typed. Paths are those of docs/api/openapi.yaml.
extension PandaClient {
    // MARK: Users

    public func submit(_ jobs: [JobSpec]) async throws(ClientError) -> SubmitResult {
        try await call("POST", "/api/v1/job/submit", body: SubmitRequest(jobs: jobs))
    }

    public func status(of ids: [Int64]) async throws(ClientError) -> [JobStatus] {
        try await call("POST", "/api/v1/job/get_status", body: JobIDsRequest(jobIDs: ids))
    }

    public func describe(_ id: Int64) async throws(ClientError) -> JobDescription {
        try await call("POST", "/api/v1/job/get_description", body: JobIDRequest(jobID: id))
    }

    public func kill(_ ids: [Int64]) async throws(ClientError) -> [KillResult] {
        try await call("POST", "/api/v1/job/kill", body: JobIDsRequest(jobIDs: ids))
    }

    public func summary() async throws(ClientError) -> StateSummary {
        try await call("GET", "/api/v1/stats/summary")
    }

    // MARK: Pilots

    public func acquire(_ request: AcquireRequest) async throws(ClientError) -> AcquireResult {
        let (message, result) = try await callWithMessage("POST", "/api/v1/pilot/acquire_jobs", body: request, as: AcquireResult.self)
        var reply = result
        // "no job fits" is the plain empty reply; anything else explains it.
        if reply.jobs.isEmpty, !message.isEmpty, message != "no job fits" { reply.unmatched = message }
        return reply
    }

    public func update(_ update: JobUpdate) async throws(ClientError) -> UpdateReply {
        try await call("POST", "/api/v1/pilot/update_job", body: update)
    }

    public func update(_ updates: [JobUpdate]) async throws(ClientError) -> BulkUpdateResult {
        try await call("POST", "/api/v1/pilot/update_jobs_bulk", body: BulkUpdateRequest(updates: updates))
    }

    /// The command the server holds for an attempt, between heartbeats.
    public func pollCommand(_ poll: CommandPoll) async throws(ClientError) -> UpdateReply {
        try await call("POST", "/api/v1/pilot/get_command", body: poll)
    }

    public func queueInfo(_ queue: String) async throws(ClientError) -> QueueInfo {
        try await call("GET", "/api/v1/pilot/queue_info?queue=\(Self.queryEscaped(queue))")
    }

    public func recover(_ request: RecoverRequest) async throws(ClientError) -> RecoverResult {
        try await call("POST", "/api/v1/pilot/recover_job", body: request)
    }

    public func reportNode(_ report: NodeReport) async throws(ClientError) {
        let _: EmptyReply = try await call("POST", "/api/v1/pilot/report_node", body: report)
    }

    // MARK: Factories

    public func queueDemand() async throws(ClientError) -> QueueDemandResult {
        try await call("GET", "/api/v1/factory/queue_demand")
    }

    public func pilotToken(_ request: PilotTokenRequest) async throws(ClientError) -> PilotTokenResult {
        try await call("POST", "/api/v1/factory/pilot_token", body: request)
    }

    public func reportPilots(_ report: PilotReport) async throws(ClientError) {
        let _: EmptyReply = try await call("POST", "/api/v1/factory/report_pilots", body: report)
    }

    /// Every factory's counts, and the newest pilots matching `parameters`
    /// (`queue`, `state`, `factory`, `limit`).
    public func pilotReports(_ parameters: [(String, String)] = []) async throws(ClientError) -> PilotReports {
        try await call("GET", "/api/v1/factory/pilots" + Self.query(parameters))
    }
}

/// `data: {}` or `data: null`.
struct EmptyReply: Decodable, Sendable {}

extension PandaClient {
    /// Percent-encodes a query value.
    static func queryEscaped(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }
}

// MARK: Tasks and the catalogue

extension PandaClient {
    /// Sends the task with one request id for every retry of this call, so a
    /// retry after a lost answer gets the task the first attempt made.
    public func submitTask(_ task: TaskSpec, dryRun: Bool = false) async throws(ClientError) -> TaskSubmitResult {
        try await call("POST", "/api/v1/task/submit",
                       body: TaskSubmitRequest(task: task, dryRun: dryRun, requestID: UUID().uuidString.lowercased()))
    }

    public func taskStatus(_ id: Int64) async throws(ClientError) -> TaskStatus {
        try await call("POST", "/api/v1/task/get_status", body: TaskIDRequest(taskID: id))
    }

    public func killTask(_ id: Int64) async throws(ClientError) -> TaskKillResult {
        try await call("POST", "/api/v1/task/kill", body: TaskIDRequest(taskID: id))
    }

    public func retryTask(_ id: Int64) async throws(ClientError) -> TaskRetryResult {
        try await call("POST", "/api/v1/task/retry", body: TaskIDRequest(taskID: id))
    }

    /// The newest tasks (of `owner` only, when given).
    public func tasks(limit: Int = 50, owner: String? = nil) async throws(ClientError) -> [TaskStatus] {
        try await call("GET", "/api/v1/tasks?limit=\(limit)" + (owner.map { "&owner=\(Self.queryEscaped($0))" } ?? ""))
    }

    /// One page of jobs, newest first; pass the page's `next` as `before` for the next.
    public func jobs(owner: String? = nil, state: JobState? = nil, queue: String? = nil, task: Int64? = nil,
                     before: Int64? = nil, limit: Int = 100) async throws(ClientError) -> JobPage {
        var query = ["limit=\(limit)"]
        if let owner { query.append("owner=\(Self.queryEscaped(owner))") }
        if let state { query.append("state=\(state.rawValue)") }
        if let queue { query.append("queue=\(Self.queryEscaped(queue))") }
        if let task { query.append("task=\(task)") }
        if let before { query.append("before=\(before)") }
        return try await call("GET", "/api/v1/jobs?" + query.joined(separator: "&"))
    }

    public func addFiles(_ files: [DatasetFile], to dataset: String) async throws(ClientError) -> AddFilesResult {
        try await call("POST", "/api/v1/dataset/add_files", body: AddFilesRequest(dataset: dataset, files: files))
    }

    /// Those of `names` the catalogue holds, with their size and checksum.
    public func registeredFiles(_ names: [RegisteredFilesRequest.FileName]) async throws(ClientError) -> [RegisteredFile] {
        guard !names.isEmpty else { return [] }
        return try await call("POST", "/api/v1/dataset/registered_files", body: RegisteredFilesRequest(files: names))
    }

    public func datasets() async throws(ClientError) -> [DatasetSummary] {
        try await call("GET", "/api/v1/datasets")
    }

    public func dataset(_ name: String) async throws(ClientError) -> DatasetContents {
        try await call("GET", "/api/v1/dataset/get_files?name=\(Self.queryEscaped(name))")
    }

    public func storageEndpoints() async throws(ClientError) -> [StorageEndpointInfo] {
        try await call("GET", "/api/v1/storage")
    }
}
