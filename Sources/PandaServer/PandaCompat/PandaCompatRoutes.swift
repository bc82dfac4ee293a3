import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PandaConfig
import PandaCore
import PandaStore

/// PanDA compatibility: the legacy dispatcher calls the unmodified PanDA
/// pilot 3 makes (`/server/panda/getJob`, `/server/panda/updateJob`), and
/// the queue and storage descriptions it would read from CRIC. Jobs go
/// through the same store operations, state table and lease checks as the
/// native pilot API; only the encoding differs. docs/pilot3.md.
extension ServerContext {
    func registerPandaCompatRoutes(on router: Router<PandaRequestContext>) {
        router.post("/server/panda/getJob") { request, context in
            await legacy(context) { try await getJob(request, context: context) }
        }
        router.post("/server/panda/updateJob") { request, context in
            await legacy(context) { try await updateJob(request, context: context) }
        }
        // pilot3 reads these with plain GETs and no token (`info/dataloader.py`);
        // it takes a reply with an `error` key for a failure.
        router.get("/server/panda/queuedata") { request, _ in
            legacyQueue(request) { LegacyQueueData.queue($0, configuration: configuration) }
        }
        router.get("/server/panda/schedconfig") { request, _ in
            legacyQueue(request) { [$0.name: LegacyQueueData.queue($0, configuration: configuration)] }
        }
        router.get("/server/panda/storagedata") { _, _ in
            LegacyReply.json(LegacyQueueData.storage(configuration))
        }
    }

    private func getJob(_ request: Request, context: PandaRequestContext) async throws -> Response {
        let fields = try await LegacyRequestBody(limit: bodyLimit).fields(of: request)
        let claims = try legacyPilot(request)
        guard let name = fields.string("computingElement") ?? fields.string("siteName") else {
            throw LegacyError(.badRequest, "getJob needs computingElement (pilot3's -q, the panda queue)")
        }
        guard let queue = configuration.queue(named: name) else { throw LegacyError(.notFound, "queue \(PathName.quoted(name)) does not exist") }
        guard claims.covers(queue: name) else {
            throw LegacyError(.forbidden, "this pilot token is for \(claims.queues.joined(separator: ", ")), not \(name)")
        }
        guard queue.status.servesPilots else {
            return LegacyReply.json(["StatusCode": LegacyReply.StatusCode.noJobs.rawValue, "errorDialog": "queue \(name) is offline"])
        }
        // pilot3 offers its node's memory and disk in MB, as measured (15875.47;
        // under 1 when it does not know), and no cores or time: the queue's own
        // limits stand in for those. The bounds keep MB to bytes in range.
        let memory = try Self.megabytes(fields.number("mem", in: 0...Double(1 << 30))) ?? queue.maxrss
        let disk = try Self.megabytes(fields.number("diskSpace", in: 0...Double(1 << 40))) ?? queue.maxwdir
        // Stored, logged and echoed to pilot3: the native route's validator for names.
        let node = fields.string("node") ?? "unknown"
        let label = fields.string("prodSourceLabel") ?? "managed"
        try legacyCheck { try NameLikeText.check(node, field: "node") }
        try legacyCheck { try NameLikeText.check(label, field: "prodSourceLabel") }
        return try await shedder.admit {
            let started = ContinuousClock.now
            let claimed = try await store.claim(ClaimRequest(
                queue: name, node: node, pilot: claims.subject, cores: queue.corecount, memory: memory, disk: disk,
                remaining: queue.maxtime, limit: 1), boundTo: claims.id, now: Self.now)
            metrics.recordDispatch(jobs: claimed.count, took: ContinuousClock.now - started)
            guard let job = claimed.first else {
                return LegacyReply.json(["StatusCode": LegacyReply.StatusCode.noJobs.rawValue, "errorDialog": "no jobs in panda queue \(name)"])
            }
            let spec = try JSONDecoder().decode(JobSpec.self, from: Data(job.specJSON.utf8))
            jobLog.dispatched(job.id, attempt: job.attempt, queue: name, node: node, pilot: "pilot3 \(claims.subject)")
            return LegacyReply.json(LegacyJobDictionary(job: job, spec: spec, queue: queue, label: label).fields)
        }
    }

    private func updateJob(_ request: Request, context: PandaRequestContext) async throws -> Response {
        let fields = try await LegacyRequestBody(limit: bodyLimit).fields(of: request)
        let claims = try legacyPilot(request)
        let report = try LegacyJobReport(fields)
        return try await shedder.admit {
            guard let lease = try await store.boundLease(job: report.jobID, attempt: report.attempt, tokenID: claims.id) else {
                throw LegacyError(.conflict, "job \(report.jobID) attempt \(report.attempt) was not handed to this pilot token")
            }
            // Only a report with files needs the spec, to check them against it.
            var spec = JobSpec(payload: Payload(executable: ""))
            var writeTo: String?
            if fields.string("xml") != nil, let description = try await store.describe(report.jobID, owner: nil) {
                spec = description.spec
                writeTo = description.status.queue.flatMap { configuration.queue(named: $0) }?.writeTo
            }
            let update = try report.update(lease: lease, spec: spec, writeTo: writeTo, configuration: configuration)
            // The same check of stored files as the native pilot/update_job.
            try legacyCheck { try checkStoredFiles(update) }
            // A store refusal reaches `legacy` as it is, which logs a database failure's text.
            let reply = try await store.update(update, now: Self.now)
            jobLog.reported(update, outcome: reply.state, queues: claims.queues)
            return LegacyReply.json(["StatusCode": LegacyReply.StatusCode.success.rawValue,
                                     "command": reply.command == .kill ? "tobekilled" : "NULL"])
        }
    }

    /// The claims of the request's `Authorization: Bearer` pilot token,
    /// checked by the same verifier as the native API's.
    private func legacyPilot(_ request: Request) throws(LegacyError) -> TokenClaims {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw LegacyError(.unauthorized, "missing 'Authorization: Bearer TOKEN' header (pilot3 sends it when OIDC_AUTH_TOKEN and OIDC_AUTH_ORIGIN are set)")
        }
        let claims: TokenClaims
        do {
            claims = try tokens.claims(for: String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces))
        } catch {
            throw LegacyError(.unauthorized, error.description)
        }
        guard claims.scope == .pilot else {
            throw LegacyError(.forbidden, "this needs a token with scope pilot; yours has \(claims.scope.rawValue)")
        }
        // Leases are bound to the token's id; a token without one cannot hold them.
        guard !claims.id.isEmpty else { throw LegacyError(.forbidden, "this pilot token has no id (jti); issue a new one") }
        return claims
    }

    private func legacyQueue(_ request: Request, _ document: (QueueConfig) -> [String: Any]) -> Response {
        guard let name = request.uri.queryParameters.get("queue"), !name.isEmpty else {
            return LegacyReply.json(["error": "this needs ?queue=NAME"], status: .badRequest)
        }
        guard let queue = configuration.queue(named: name) else {
            return LegacyReply.json(["error": "queue \(name) does not exist"], status: .notFound)
        }
        return LegacyReply.json(document(queue))
    }

    /// Whole MiB of a bounded measurement; nil when absent or under one.
    private static func megabytes(_ value: Double?) -> ByteCount? {
        guard let value, value >= 1 else { return nil }
        return ByteCount.mebibytes(Int64(value.rounded(.down)))
    }

    private var bodyLimit: Int { Int(configuration.server.limits.requestBody.bytes) }

    /// Runs a legacy handler; every refusal is answered with a `StatusCode`, never the native envelope.
    private func legacy(_ context: PandaRequestContext, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as LegacyError {
            return LegacyReply.error(error)
        } catch let error as StoreError {
            return refusal(APIError(error), context: context)
        } catch let error as APIError {
            return refusal(error, context: context)
        } catch {
            return refusal(APIError.internalFailure(.internalServerError, "internal error", detail: "pilot3 request failed: \(error)"),
                           context: context)
        }
    }

    /// A native refusal in pilot3's shape. A failure of the server's own
    /// keeps its text for the log, under the request id the pilot is given.
    private func refusal(_ error: APIError, context: PandaRequestContext) -> Response {
        if let id = error.requestID, let detail = error.internalDetail {
            context.logger.error("\(detail)", metadata: ["request_id": "\(id)"])
        }
        var response = LegacyReply.error(LegacyError(error.status, error.message))
        response.headers.append(contentsOf: error.headers)
        if let id = error.requestID { response.headers[.requestID] = id }
        return response
    }

    /// Runs a check of the native API's, its 400 as the legacy route's.
    private func legacyCheck(_ check: () throws -> Void) throws(LegacyError) {
        do {
            try check()
        } catch let error as APIError {
            throw LegacyError(error.status, error.message)
        } catch {
            throw LegacyError(.badRequest, "request refused")
        }
    }
}
