import Foundation
import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

extension ServerContext {
    func registerJobRoutes(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/job/submit") { request, context in
            let caller = try context.require(.submit)
            let submission = try await body.decode(SubmitRequest.self, from: request)
            return JSONReply.success(try await submit(submission, owner: caller.subject))
        }
        router.post("/api/v1/job/get_status") { request, context in
            let caller = try context.require(.submit, .read)
            let ids = try await body.decode(JobIDsRequest.self, from: request).jobIDs
            guard ids.count <= 10_000 else { throw APIError(.contentTooLarge, "at most 10000 job ids per request") }
            return JSONReply.success(try await store.status(of: ids, owner: caller.ownerFilter))
        }
        router.post("/api/v1/job/get_description") { request, context in
            let caller = try context.require(.submit, .read)
            let id = try await body.decode(JobIDRequest.self, from: request).jobID
            guard let description = try await store.describe(id, owner: caller.ownerFilter) else {
                throw APIError(.notFound, "job \(id) does not exist or is not yours")
            }
            return JSONReply.success(description)
        }
        router.post("/api/v1/job/kill") { request, context in
            let caller = try context.require(.submit)
            let ids = try await body.decode(JobIDsRequest.self, from: request).jobIDs
            guard ids.count <= 10_000 else { throw APIError(.contentTooLarge, "at most 10000 job ids per request") }
            return JSONReply.success(try await store.kill(ids, owner: caller.ownerFilter, now: Self.now))
        }
        router.get("/api/v1/jobs") { request, context in
            let caller = try context.require(.submit, .read)
            let query = ReadQuery(request)
            return JSONReply.success(try await store.list(try jobFilter(query, caller: caller), facets: try query.flag("facets")))
        }
    }

    func submit(_ submission: SubmitRequest, owner: String) async throws -> SubmitResult {
        let limit = configuration.server.limits.jobsPerRequest
        guard !submission.jobs.isEmpty else { throw APIError(.badRequest, "jobs is empty") }
        guard submission.jobs.count <= limit else {
            throw APIError(.contentTooLarge, "\(submission.jobs.count) jobs in one request; at most \(limit) (server.limits.jobs_per_request)")
        }
        var problems: [String] = []
        for (index, job) in submission.jobs.enumerated() {
            problems += job.problems().map { "jobs[\(index)].\($0)" }
        }
        guard problems.isEmpty else { throw APIError(.badRequest, problems.prefix(20).joined(separator: "; ")) }

        for name in Set(submission.jobs.compactMap(\.outputDataset)) {
            if let problem = CatalogueName.problem(name, what: "output_dataset") { throw APIError(.badRequest, problem) }
            if let holder = try await store.owner(ofDataset: name), holder != owner {
                throw APIError.forbidden("dataset \(name) belongs to \(holder); outputs cannot be registered in it")
            }
        }

        let load = try await store.summary()
        var generator = SystemRandomNumberGenerator()
        var jobs: [NewJob] = []
        jobs.reserveCapacity(submission.jobs.count)
        for (index, spec) in submission.jobs.enumerated() {
            do {
                jobs.append(try brokered(spec, owner: owner, load: load, using: &generator))
            } catch .noQueue(let reason) {
                throw APIError(.badRequest, "jobs[\(index)]: \(reason)")
            }
        }
        return SubmitResult(jobs: try await store.submit(jobs, now: Self.now))
    }

    /// The job at the queue brokerage chose, with the resources it will be matched on.
    func brokered(_ spec: JobSpec, owner: String, load: StateSummary,
                  using generator: inout some RandomNumberGenerator) throws(BrokerageError) -> NewJob {
        let queue = try brokerage.choose(for: spec, load: load, using: &generator)
        return NewJob(
            spec: spec, owner: owner, queue: queue.name,
            maxAttempts: spec.maxAttempts ?? configuration.server.maxAttempts,
            cores: spec.resources.cores, memory: spec.resources.memory ?? queue.maxrss,
            disk: spec.resources.disk ?? queue.maxwdir, walltime: spec.resources.walltime ?? queue.maxtime)
    }
}

extension TokenClaims {
    /// Users see their own jobs; readers, operators see all.
    var ownerFilter: String? { scope == .submit ? subject : nil }
}
