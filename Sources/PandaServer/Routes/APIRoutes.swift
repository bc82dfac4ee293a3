import Foundation
import HTTPTypes
import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

/// Every route of the API: the one list the router, the metrics and the
/// OpenAPI contract test are built from.
public enum APIRoutes {
    public struct Route: Sendable, Hashable {
        public let method: String
        public let path: String

        public init(method: String, path: String) {
            self.method = method
            self.path = path
        }
    }

    public static let all: [Route] = [
        Route(method: "POST", path: "/api/v1/job/submit"),
        Route(method: "POST", path: "/api/v1/job/get_status"),
        Route(method: "POST", path: "/api/v1/job/get_description"),
        Route(method: "POST", path: "/api/v1/job/kill"),
        Route(method: "GET", path: "/api/v1/jobs"),
        Route(method: "POST", path: "/api/v1/task/submit"),
        Route(method: "POST", path: "/api/v1/task/get_status"),
        Route(method: "POST", path: "/api/v1/task/kill"),
        Route(method: "POST", path: "/api/v1/task/retry"),
        Route(method: "GET", path: "/api/v1/tasks"),
        Route(method: "POST", path: "/api/v1/dataset/add_files"),
        Route(method: "POST", path: "/api/v1/dataset/registered_files"),
        Route(method: "GET", path: "/api/v1/datasets"),
        Route(method: "GET", path: "/api/v1/dataset/get_files"),
        Route(method: "GET", path: "/api/v1/storage"),
        Route(method: "POST", path: "/api/v1/pilot/acquire_jobs"),
        Route(method: "POST", path: "/api/v1/pilot/update_job"),
        Route(method: "POST", path: "/api/v1/pilot/update_jobs_bulk"),
        Route(method: "GET", path: "/api/v1/pilot/queue_info"),
        Route(method: "POST", path: "/api/v1/pilot/recover_job"),
        Route(method: "POST", path: "/api/v1/pilot/report_node"),
        Route(method: "POST", path: "/api/v1/pilot/get_command"),
        Route(method: "GET", path: "/api/v1/factory/queue_demand"),
        Route(method: "POST", path: "/api/v1/factory/pilot_token"),
        Route(method: "POST", path: "/api/v1/factory/report_pilots"),
        Route(method: "GET", path: "/api/v1/factory/pilots"),
        Route(method: "GET", path: "/api/v1/stats/summary"),
        Route(method: "GET", path: "/api/v1/stats/history"),
        Route(method: "GET", path: "/api/v1/stats/errors"),
        Route(method: "GET", path: "/api/v1/stats/nodes"),
        Route(method: "GET", path: "/api/v1/stats/liveness"),
        Route(method: "POST", path: "/api/v1/queue/set_status"),
        Route(method: "GET", path: "/api/v1/queues"),
        Route(method: "POST", path: "/server/panda/getJob"),
        Route(method: "POST", path: "/server/panda/updateJob"),
        Route(method: "GET", path: "/server/panda/queuedata"),
        Route(method: "GET", path: "/server/panda/schedconfig"),
        Route(method: "GET", path: "/server/panda/storagedata"),
        Route(method: "GET", path: "/healthz"),
        Route(method: "GET", path: "/metrics"),
    ]
}

/// What every handler needs: the store, the configuration, the signer.
struct ServerContext: Sendable {
    let store: any JobStore
    /// Swapped on reload (SIGHUP); each read is one consistent snapshot.
    let live: LiveConfiguration
    var configuration: PandaConfiguration { live.current.configuration }
    let signer: TokenSigner
    let metrics: ServerMetrics
    var brokerage: Brokerage { live.current.brokerage }
    let shedder: LoadShedder
    let health: HealthState
    /// The bearer token verifier the auth middleware uses, for routes outside /api/.
    let tokens: VerifiedTokens
    /// Per-user rate and server-wide budget of job creation.
    let creation = JobCreationLimit()
    let dispatchReply = DispatchReply()
    /// A record per job event, with PANDA_JOB_ID and PANDA_QUEUE under systemd.
    let jobLog = JobLog()
    let unmatchedBook = UnmatchedBook()
    var body: JSONBody { JSONBody(limit: Int(configuration.server.limits.requestBody.bytes)) }

    static var now: Double { Date().timeIntervalSince1970 }

    func queue(named name: String) throws -> QueueConfig {
        guard let queue = configuration.queue(named: name) else {
            let names = configuration.queues.map(\.name)
            throw APIError(.notFound, "queue \(name) does not exist" + (names.isEmpty ? "" : " (queues: \(names.joined(separator: ", ")))"))
        }
        return queue
    }

    /// Registers every route on the router.
    func register(on router: Router<PandaRequestContext>) {
        registerJobRoutes(on: router)
        registerTaskRoutes(on: router)
        registerCatalogueRoutes(on: router)
        registerPilotRoutes(on: router)
        registerPilotSupportRoutes(on: router)
        registerPilotCommandRoute(on: router)
        registerFactoryRoutes(on: router)
        registerStatsRoutes(on: router)
        registerQueueRoutes(on: router)
        registerPandaCompatRoutes(on: router)
    }
}
