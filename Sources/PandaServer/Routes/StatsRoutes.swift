import Hummingbird
import PandaCore

extension ServerContext {
    func registerStatsRoutes(on router: Router<PandaRequestContext>) {
        router.get("/api/v1/stats/summary") { _, context in
            _ = try context.require(.submit, .read, .factory, .pilot)
            return JSONReply.success(try await store.summary())
        }
        router.get("/healthz") { _, _ in
            let healthy = health.isHealthy
            return JSONReply.envelope(Envelope(success: healthy, message: healthy ? "ok" : health.problem, data: EmptyData()),
                                      status: healthy ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
