import Foundation
import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

extension ServerContext {
    func registerPilotRoutes(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/pilot/acquire_jobs") { request, context in
            let pilot = try context.require(.pilot)
            let key = try request.requestKey(route: RequestKey.claimRoute, caller: pilot)
            let ask = try await body.decode(AcquireRequest.self, from: request)
            guard pilot.covers(queue: ask.queue) else {
                throw APIError.forbidden("this pilot token is for \(pilot.queues.joined(separator: ", ")), not \(ask.queue)")
            }
            guard (1...100).contains(ask.nJobs) else { throw APIError(.badRequest, "n_jobs must be 1 to 100") }
            try NameLikeText.check(ask.node, field: "node")
            if let id = ask.pilot { try NameLikeText.check(id, field: "pilot") }
            let queue = try queue(named: ask.queue)
            guard queue.status.servesPilots else {
                return JSONReply.success(AcquireResult(jobs: []), message: "queue \(queue.name) is offline")
            }
            return try await shedder.admit {
                let started = ContinuousClock.now
                let claim = ClaimRequest(
                    queue: ask.queue, node: ask.node, pilot: ask.pilot ?? pilot.subject, cores: ask.cores,
                    memory: ask.memory, disk: ask.disk, remaining: ask.remaining, limit: ask.nJobs)
                let claimed = try await store.claim(claim, key: key, now: Self.now)
                metrics.recordDispatch(jobs: claimed.count, took: ContinuousClock.now - started)
                for job in claimed {
                    jobLog.dispatched(job.id, attempt: job.attempt, queue: ask.queue, node: ask.node, pilot: ask.pilot ?? pilot.subject)
                }
                // Explained only when nothing matched: the hot path is unchanged.
                let why = claimed.isEmpty ? await explainEmptyClaim(claim, at: Self.now) : nil
                let body = dispatchReply.body(for: claimed, queue: queue, limits: limits(of:), message: why?.message)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
            }
        }
        router.post("/api/v1/pilot/update_job") { request, context in
            let pilot = try context.require(.pilot)
            let update = try await body.decode(JobUpdate.self, from: request)
            try checkStoredFiles(update)
            return try await shedder.admit {
                do throws(StoreError) {
                    let reply = try await store.update(update, queues: pilot.pilotQueues, now: Self.now)
                    jobLog.reported(update, outcome: reply.state, queues: pilot.pilotQueues)
                    return JSONReply.success(reply)
                } catch {
                    throw APIError(error)
                }
            }
        }
        router.post("/api/v1/pilot/update_jobs_bulk") { request, context in
            let pilot = try context.require(.pilot)
            let updates = try await body.decode(BulkUpdateRequest.self, from: request).updates
            guard updates.count <= 1000 else { throw APIError(.contentTooLarge, "at most 1000 updates per request") }
            for update in updates { try checkStoredFiles(update) }
            return try await shedder.admit {
                let results = try await store.updateMany(updates, queues: pilot.pilotQueues, now: Self.now)
                let items = zip(updates, results).map { update, result in
                    switch result {
                    case .success(let reply):
                        jobLog.reported(update, outcome: reply.state, queues: pilot.pilotQueues)
                        return BulkUpdateItem(jobID: update.jobID, success: true, status: 200, message: "", reply: reply)
                    case .failure(let error):
                        let api = APIError(error)
                        return BulkUpdateItem(jobID: update.jobID, success: false, status: api.status.code, message: api.message, reply: nil)
                    }
                }
                return JSONReply.success(BulkUpdateResult(results: items))
            }
        }
    }

    /// What a pilot needs to know of the queue to run a job there.
    func limits(of queue: QueueConfig) -> JobLimits {
        var writeTo: [String: String] = [:]
        for endpoint in configuration.storageEndpoints where !endpoint.readOnly {
            writeTo[endpoint.name] = endpoint.url.string
        }
        return JobLimits(
            cores: queue.corecount, memory: queue.maxrss, disk: queue.maxwdir, walltime: queue.maxtime,
            heartbeat: queue.heartbeat, loopingLimit: queue.loopingLimit, stdoutLimit: queue.stdoutLimit,
            containerCommand: queue.containerCommand, writeTo: writeTo, copytools: queue.copytools,
            defaultDestination: queue.writeTo,
            readFrom: Dictionary(queue.readFrom.compactMap { name in configuration.storage(named: name).map { (name, $0.url.string) } },
                                 uniquingKeysWith: { first, _ in first }),
            commandPoll: queue.commandPoll)
    }
}

extension TokenClaims {
    /// The queues whose jobs this token may report on: a pilot token's one
    /// queue; nil (every queue) for an operator. The store checks each job
    /// against it in the same transaction that reads the job.
    var pilotQueues: [String]? { scope == .admin ? nil : queues }
}
