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
        try await call("POST", "/api/v1/pilot/acquire_jobs", body: request)
    }

    public func update(_ update: JobUpdate) async throws(ClientError) -> UpdateReply {
        try await call("POST", "/api/v1/pilot/update_job", body: update)
    }

    public func update(_ updates: [JobUpdate]) async throws(ClientError) -> BulkUpdateResult {
        try await call("POST", "/api/v1/pilot/update_jobs_bulk", body: BulkUpdateRequest(updates: updates))
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

    public func pilotReports() async throws(ClientError) -> PilotReports {
        try await call("GET", "/api/v1/factory/pilots")
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
