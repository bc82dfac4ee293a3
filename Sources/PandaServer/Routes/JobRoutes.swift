import Foundation
import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

extension ServerContext {
    func registerJobRoutes(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/job/submit") { request, context in
            let caller = try context.require(.submit)
            let key = try request.requestKey(route: "job/submit", caller: caller)
            let submission = try await body.decode(SubmitRequest.self, from: request)
            return JSONReply.success(try await submit(submission, caller: caller, key: key))
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
            guard var description = try await store.describe(id, owner: caller.ownerFilter) else {
                throw APIError(.notFound, "job \(id) does not exist or is not yours")
            }
            if description.status.state == .activated, let name = description.status.queue, let queue = configuration.queue(named: name) {
                description.waiting = unmatchedBook.waiting(for: description, queue: queue, reports: (try? await store.pilotReports()) ?? [],
                                                            now: Self.now)
            }
            try await addBatchIDs(&description)
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

    /// Each attempt's pilot's batch id, from the factories' pilot records
    /// (one indexed lookup for all of them).
    func addBatchIDs(_ description: inout JobDescription) async throws {
        let names = Set(([description.pilot] + description.attempts.map(\.pilot)).compactMap { $0 })
        guard !names.isEmpty else { return }
        let pilots = try await store.pilots(PilotFilter(names: Array(names), limit: names.count))
        let batchIDs = Dictionary(pilots.map { ($0.name, $0.batchID) }, uniquingKeysWith: { first, _ in first })
        description.batchID = description.pilot.flatMap { batchIDs[$0] }
        for index in description.attempts.indices {
            description.attempts[index].batchID = description.attempts[index].pilot.flatMap { batchIDs[$0] }
        }
    }

    /// Checks every job before anything is stored: its counts and lengths
    /// against the limits, its names, its replicas' places, that it writes
    /// only in the caller's scopes and only files not yet registered; then
    /// brokers and stores them all. The store checks that a job's `task_id`
    /// is a task of its submitter, in the transaction that adds it.
    /// `key` makes a retried request return the jobs its first attempt
    /// stored instead of storing them again.
    func submit(_ submission: SubmitRequest, caller: TokenClaims, key: RequestKey? = nil) async throws -> SubmitResult {
        let owner = caller.subject
        let limit = configuration.server.limits.jobsPerRequest
        guard !submission.jobs.isEmpty else { throw APIError(.badRequest, "jobs is empty") }
        guard submission.jobs.count <= limit else {
            throw APIError(.contentTooLarge, "\(submission.jobs.count) jobs in one request; at most \(limit) (server.limits.jobs_per_request)")
        }
        let limits = specLimits
        var sizes: [String] = []
        for (index, job) in submission.jobs.enumerated() where sizes.count < 20 {
            sizes += job.sizeProblems(within: limits).map { "jobs[\(index)].\($0)" }
        }
        guard sizes.isEmpty else { throw APIError(.contentTooLarge, sizes.prefix(20).joined(separator: "; ")) }
        var problems: [String] = []
        for (index, job) in submission.jobs.enumerated() where problems.count < 20 {
            let jobProblems = job.problems(within: limits)
            problems += jobProblems.map { "jobs[\(index)].\($0)" }
            guard jobProblems.isEmpty else { continue }
            for (i, input) in job.inputs.enumerated() where problems.count < 20 {
                problems += replicaProblems(input.replicas, at: "jobs[\(index)].inputs[\(i)]")
            }
        }
        guard problems.isEmpty else { throw APIError(.badRequest, problems.prefix(20).joined(separator: "; ")) }
        let specs = try submission.jobs.enumerated().map { index, job in try owned(job, by: caller, at: "jobs[\(index)].") }

        // A stored file is never overwritten: outputs name new files, each once.
        var written: [CatalogueFileName] = []
        var seen: Set<CatalogueFileName> = []
        for spec in specs {
            for file in spec.writtenFiles {
                let name = CatalogueFileName(scope: file.scope ?? ScopeGrants.personal(owner), lfn: file.lfn)
                guard seen.insert(name).inserted else { throw APIError(.badRequest, "two jobs write \(name)") }
                written.append(name)
            }
        }
        if let taken = try await store.registeredFiles(among: written).first {
            throw APIError(.conflict, "\(taken.name) is already registered; a stored file never changes, so give the output a new name")
        }

        for name in Set(specs.compactMap(\.outputDataset)) {
            if let holder = try await store.owner(ofDataset: name), holder != owner {
                throw APIError.forbidden("dataset \(name) belongs to \(holder); outputs cannot be registered in it")
            }
        }

        let load = try await store.summary()
        let requestLimits = configuration.server.limits
        return try await creation.making(specs.count, limits: requestLimits) {
            var generator = SystemRandomNumberGenerator()
            var jobs: [NewJob] = []
            jobs.reserveCapacity(specs.count)
            for (index, spec) in specs.enumerated() {
                do {
                    jobs.append(try brokered(spec, owner: owner, load: load, using: &generator))
                } catch BrokerageError.noQueue(let reason) {
                    throw APIError(.badRequest, "jobs[\(index)]: \(reason)")
                }
            }
            try creation.charge(jobs.count, to: owner, limits: requestLimits)
            do {
                let stored = try await store.submit(jobs, key: key, now: Self.now)
                jobLog.submitted(stored, owner: owner)
                return SubmitResult(jobs: stored)
            } catch {
                creation.refund(jobs.count, to: owner, limits: requestLimits)
                throw error
            }
        }
    }

    /// The job at the queue brokerage chose, with the resources it will be matched on.
    func brokered(_ spec: JobSpec, owner: String, load: StateSummary,
                  using generator: inout some RandomNumberGenerator) throws(BrokerageError) -> NewJob {
        let queue = try brokerage.choose(for: spec, load: load, using: &generator)
        return NewJob(
            spec: spec, owner: owner, queue: queue.name,
            maxAttempts: spec.maxAttempts ?? configuration.server.maxAttempts,
            cores: spec.resources.cores, memory: spec.resources.memory ?? queue.maxrss,
            disk: spec.resources.disk ?? queue.maxwdir, walltime: spec.resources.walltime ?? queue.longestJob)
    }
}

extension TokenClaims {
    /// Users see their own jobs; readers, operators see all.
    var ownerFilter: String? { scope == .submit ? subject : nil }
}
