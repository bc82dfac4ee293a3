import Foundation
import PandaCore

/// The read side's calls, for the monitor and dashboards. Query values are
/// passed as given and checked by the server, which answers 400 for bad ones.
extension PandaClient {
    /// `stats/history`; `parameters` are its query (resolution, queue, by_queue, since, until).
    public func history(_ parameters: [(String, String)]) async throws(ClientError) -> HistoryReply {
        try await call("GET", "/api/v1/stats/history" + Self.query(parameters))
    }

    public func errorStats(_ parameters: [(String, String)]) async throws(ClientError) -> ErrorStats {
        try await call("GET", "/api/v1/stats/errors" + Self.query(parameters))
    }

    public func nodeStats(queue: String, since: String = "24h") async throws(ClientError) -> NodeStats {
        try await call("GET", "/api/v1/stats/nodes" + Self.query([("queue", queue), ("since", since)]))
    }

    public func liveness() async throws(ClientError) -> Liveness {
        try await call("GET", "/api/v1/stats/liveness")
    }

    /// `jobs` with any of its filters (state, queue, site, owner, task, name, error, since, until, sort, before, after, limit, facets).
    public func jobs(_ parameters: [(String, String)]) async throws(ClientError) -> JobPage {
        try await call("GET", "/api/v1/jobs" + Self.query(parameters))
    }

    /// `?a=1&b=2`, each value percent-encoded; empty for no parameters.
    static func query(_ parameters: [(String, String)]) -> String {
        parameters.isEmpty ? "" : "?" + parameters.map { "\($0.0)=\(queryEscaped($0.1))" }.joined(separator: "&")
    }
}
