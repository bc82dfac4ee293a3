import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

extension ServerContext {
    func registerTaskRoutes(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/task/submit") { request, context in
            let caller = try context.require(.submit)
            let key = try request.requestKey(route: "task/submit", caller: caller)
            var submission = try await body.decode(TaskSubmitRequest.self, from: request)
            // request_id in the body is this call's idempotency key, as the header is.
            submission.requestID = submission.requestID ?? key?.key
            return JSONReply.success(try await submitTask(submission, caller: caller))
        }
        router.post("/api/v1/task/get_status") { request, context in
            let caller = try context.require(.submit, .read)
            let id = try await body.decode(TaskIDRequest.self, from: request).taskID
            return JSONReply.success(try found(try await store.taskStatus(id, owner: caller.ownerFilter), task: id))
        }
        router.post("/api/v1/task/kill") { request, context in
            let caller = try context.require(.submit)
            let id = try await body.decode(TaskIDRequest.self, from: request).taskID
            return JSONReply.success(try found(try await store.killTask(id, owner: caller.ownerFilter, now: Self.now), task: id))
        }
        router.post("/api/v1/task/retry") { request, context in
            let caller = try context.require(.submit)
            let id = try await body.decode(TaskIDRequest.self, from: request).taskID
            let load = try await store.summary()
            let brokerage = brokerage
            let result = try await store.retryTask(id, owner: caller.ownerFilter, now: Self.now) { spec in
                var generator = SystemRandomNumberGenerator()
                return try? brokerage.choose(for: spec, load: load, using: &generator).name
            }
            return JSONReply.success(try found(result, task: id))
        }
        router.get("/api/v1/tasks") { request, context in
            let caller = try context.require(.submit, .read)
            let limit = request.uri.queryParameters["limit"].map { Int($0) } ?? 50
            guard let limit, (1...1000).contains(limit) else { throw APIError(.badRequest, "limit must be 1 to 1000") }
            // A reader may narrow to one owner; a submit token sees only its own whatever it asks.
            let owner = caller.ownerFilter ?? request.uri.queryParameters["owner"].map(String.init)
            return JSONReply.success(try await store.tasks(owner: owner, limit: limit))
        }
    }

    /// Why a task over `dataset` now would see only part of it: jobs that
    /// have not ended still add their outputs. Nil when nothing writes to it.
    static func stillFilled(_ dataset: String, by writers: [DatasetWriters]) -> String? {
        guard !writers.isEmpty else { return nil }
        let who = writers.prefix(5).map { writer in
            let jobs = "\(writer.jobs) job\(writer.jobs == 1 ? "" : "s") not ended"
            return writer.taskID.map { "task \($0) (\(jobs))" } ?? "\(jobs) outside a task"
        }.joined(separator: ", ") + (writers.count > 5 ? " and \(writers.count - 5) more" : "")
        let wait = writers.first { $0.taskID != nil }?.taskID.map { "; `panda watch \($0)` follows it" } ?? ""
        return "input dataset \(dataset) is still being filled by \(who): a task over it now would see only the files so far. "
            + "Submit it again once they have ended\(wait)"
    }

    private func found<T>(_ value: T?, task id: Int64) throws -> T {
        guard let value else { throw APIError(.notFound, "task \(id) does not exist or is not yours") }
        return value
    }

    /// Splits the task over its input datasets' files, brokers every job,
    /// and stores task and jobs in one durable step (or, on a dry run,
    /// shows the first jobs and stores nothing).
    func submitTask(_ submission: TaskSubmitRequest, caller: TokenClaims) async throws -> TaskSubmitResult {
        let task = submission.task
        let owner = caller.subject
        if let request = submission.requestID, !submission.dryRun,
           let earlier = try await store.task(owner: owner, requestID: request) {
            return TaskSubmitResult(taskID: earlier.id, jobs: earlier.queues.values.reduce(0, +), queues: earlier.queues)
        }
        let splitter = TaskSplitter(task: task, owner: owner, limits: specLimits)
        // n_jobs is measured before anything is made for it.
        if let error = splitter.sizeError() { throw APIError(.contentTooLarge, error.description) }
        let problems = splitter.problems()
        guard problems.isEmpty else { throw APIError(.badRequest, problems.prefix(20).joined(separator: "; ")) }
        try requireWritable(splitter.scope, by: caller, at: "scope")
        if let name = task.outputDataset { try requireDatasetWritable(name, by: caller, at: "out_ds") }
        // Checked again when storing; here it saves splitting a task that cannot be stored.
        if let name = task.outputDataset, try await store.owner(ofDataset: name) != nil {
            throw APIError(.conflict, "dataset \(name) already exists; give the task a new output dataset")
        }
        var inputs: [DatasetFile] = []
        for name in task.inputDatasets {
            guard let dataset = try await store.dataset(named: name) else {
                throw APIError(.notFound, "input dataset \(name) does not exist")
            }
            if let filling = Self.stillFilled(name, by: try await store.unendedWriters(ofDataset: name)) {
                throw APIError(.conflict, filling)
            }
            inputs += dataset.files.filter { !$0.isLog }
        }
        // Held while the jobs exist in memory only: the estimate is the
        // task's n_jobs, or one job per input file at most.
        let requestLimits = configuration.server.limits
        let expected = min(splitter.jobLimit, task.jobCount ?? max(1, inputs.count))
        return try await creation.making(expected, limits: requestLimits) {
            try await makeTask(submission, splitter: splitter, inputs: inputs, caller: caller, limits: requestLimits)
        }
    }

    private func makeTask(_ submission: TaskSubmitRequest, splitter: TaskSplitter, inputs: [DatasetFile], caller: TokenClaims,
                          limits requestLimits: RequestLimits) async throws -> TaskSubmitResult {
        let task = submission.task
        let owner = caller.subject
        let specs: [JobSpec]
        do {
            specs = try splitter.jobs(inputs: inputs)
        } catch .invalid(let problems) {
            throw APIError(.badRequest, problems.prefix(20).joined(separator: "; "))
        } catch {
            throw APIError(.contentTooLarge, error.description)
        }
        if let first = specs.first {
            let problems = first.problems(within: specLimits)
            guard problems.isEmpty else { throw APIError(.badRequest, problems.joined(separator: "; ")) }
        }

        let load = try await store.summary()
        var generator = SystemRandomNumberGenerator()
        var jobs: [NewJob] = []
        jobs.reserveCapacity(specs.count)
        var refused: (count: Int, first: String?) = (0, nil)
        var queues: [String: Int] = [:]
        for spec in specs {
            do {
                let job = try brokered(spec, owner: owner, load: load, using: &generator)
                queues[job.queue, default: 0] += 1
                jobs.append(job)
            } catch .noQueue(let reason) {
                refused.count += 1
                if refused.first == nil { refused.first = "\(spec.name ?? "job"): \(reason)" }
            }
        }
        if let reason = refused.first {
            throw APIError(.badRequest, "\(refused.count) of \(specs.count) jobs have nowhere to run; the first, \(reason)")
        }
        if submission.dryRun {
            return TaskSubmitResult(taskID: nil, jobs: jobs.count, queues: queues,
                                    preview: jobs.prefix(20).map { PlannedJob(queue: $0.queue, spec: $0.spec) })
        }
        try creation.charge(jobs.count, to: owner, limits: requestLimits)
        let id: Int64
        do {
            id = try await store.submitTask(NewTask(spec: task, owner: owner, requestID: submission.requestID), jobs: jobs, now: Self.now)
        } catch {
            creation.refund(jobs.count, to: owner, limits: requestLimits)
            throw error
        }
        jobLog.submittedTask(id, jobs: jobs.count, queues: queues, owner: owner)
        return TaskSubmitResult(taskID: id, jobs: jobs.count, queues: queues)
    }
}
