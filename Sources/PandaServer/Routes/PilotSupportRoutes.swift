import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

/// The pilot's calls around its jobs: learning its queue, recovering a job
/// another pilot left in the recovery area, and reporting a node it refused.
extension ServerContext {
    func registerPilotSupportRoutes(on router: Router<PandaRequestContext>) {
        router.get("/api/v1/pilot/queue_info") { request, context in
            let pilot = try context.require(.pilot)
            guard let name = request.uri.queryParameters.get("queue") else {
                throw APIError(.badRequest, "queue_info needs ?queue=NAME")
            }
            guard pilot.covers(queue: name) else {
                throw APIError.forbidden("this pilot token is for \(pilot.queues.joined(separator: ", ")), not \(name)")
            }
            let queue = try queue(named: name)
            return JSONReply.success(QueueInfo(
                name: queue.name, status: queue.status, corecount: queue.corecount, maxrss: queue.maxrss,
                maxwdir: queue.maxwdir, maxtime: queue.maxtime, pilotWalltime: queue.pilots.walltime))
        }
        router.post("/api/v1/pilot/recover_job") { request, context in
            let pilot = try context.require(.pilot)
            let ask = try await body.decode(RecoverRequest.self, from: request)
            guard pilot.covers(queue: ask.queue) else {
                throw APIError.forbidden("this pilot token is for \(pilot.queues.joined(separator: ", ")), not \(ask.queue)")
            }
            try NameLikeText.check(ask.node, field: "node")
            if let id = ask.pilot { try NameLikeText.check(id, field: "pilot") }
            do throws(StoreError) {
                let recovered = try await store.recover(ask, now: Self.now)
                context.logger.info("job \(ask.jobID) attempt \(ask.attempt) recovered by pilot on \(ask.node)")
                return JSONReply.success(recovered)
            } catch {
                throw APIError(error)
            }
        }
        router.post("/api/v1/pilot/report_node") { request, context in
            let pilot = try context.require(.pilot)
            let report = try await body.decode(NodeReport.self, from: request)
            guard pilot.covers(queue: report.queue) else {
                throw APIError.forbidden("this pilot token is for \(pilot.queues.joined(separator: ", ")), not \(report.queue)")
            }
            try NameLikeText.check(report.node, field: "node")
            if let id = report.pilot { try NameLikeText.check(id, field: "pilot") }
            let queue = try queue(named: report.queue)
            let code = ErrorCode.lookup(report.errorCode)
            metrics.countNodeRefusal(queue: queue.name, code: code.number)
            context.logger.warning("pilot refused node \(report.node) of \(queue.name): \(code.name) \(report.diagnostic)")
            return JSONReply.success(EmptyData())
        }
    }
}
