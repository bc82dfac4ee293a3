import Hummingbird
import PandaCore
import PandaStore

extension ServerContext {
    func registerStatsRoutes(on router: Router<PandaRequestContext>) {
        router.get("/api/v1/stats/summary") { _, context in
            _ = try context.require(.submit, .read, .factory, .pilot)
            return JSONReply.success(try await store.summary())
        }
        router.get("/api/v1/stats/history") { request, context in
            _ = try context.require(.submit, .read)
            let query = ReadQuery(request)
            let now = Self.now
            let since = try query.time("since", now: now) ?? now - 86_400
            let until = try query.time("until", now: now) ?? now
            guard since <= until else { throw APIError(.badRequest, "since is after until") }
            // Minute samples are kept 2 days; longer spans read the hourly ones.
            let resolution = try query.oneOf("resolution", HistoryResolution.self) ?? (until - since > 2 * 86_400 ? .hour : .minute)
            let steps = (until - since) / Double(resolution.seconds)
            guard steps <= 10_000 else { throw APIError(.badRequest, "\(Int(steps)) \(resolution.rawValue) samples asked; at most 10000 (use resolution=hour)") }
            return JSONReply.success(try await store.history(HistoryQuery(
                resolution: resolution, queue: try query.text("queue"), everyQueue: try query.flag("by_queue"),
                summed: try query.flag("sum"), since: since, until: until)))
        }
        router.get("/api/v1/stats/errors") { request, context in
            let caller = try context.require(.submit, .read)
            let query = ReadQuery(request)
            let now = Self.now
            var filter = ErrorFilter(since: try query.time("since", now: now) ?? now - 86_400, until: try query.time("until", now: now) ?? now,
                                     queue: try query.text("queue"), owner: try query.text("owner"), taskID: try query.integer("task", in: 1...Int64.max))
            if let own = caller.ownerFilter {
                guard filter.owner == nil || filter.owner == own else { throw APIError.forbidden("a submit token sees only its own errors") }
                filter.owner = own
            }
            guard filter.since <= filter.until else { throw APIError(.badRequest, "since is after until") }
            return JSONReply.success(try await store.errorStats(filter))
        }
        router.get("/api/v1/stats/nodes") { request, context in
            _ = try context.require(.submit, .read)
            let query = ReadQuery(request)
            let now = Self.now
            guard let queue = try query.text("queue") else { throw APIError(.badRequest, "queue is required") }
            let since = try query.time("since", now: now) ?? now - 86_400
            return JSONReply.success(try await store.nodeStats(queue: queue, since: since, until: try query.time("until", now: now) ?? now))
        }
        router.get("/api/v1/stats/liveness") { _, context in
            _ = try context.require(.submit, .read)
            return JSONReply.success(try await store.liveness(now: Self.now))
        }
        router.get("/healthz") { _, _ in
            let healthy = health.isHealthy
            return JSONReply.envelope(Envelope(success: healthy, message: healthy ? "ok" : health.publicProblem, data: EmptyData()),
                                      status: healthy ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
