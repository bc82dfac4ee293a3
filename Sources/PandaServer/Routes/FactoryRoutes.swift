import Foundation
import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

extension ServerContext {
    func registerFactoryRoutes(on router: Router<PandaRequestContext>) {
        router.get("/api/v1/factory/queue_demand") { _, context in
            let factory = try context.require(.factory, .read)
            let summary = try await store.summary()
            let queues = configuration.queues.filter { factory.queues.isEmpty || factory.queues.contains($0.name) }
            let demand = queues.map { queue in
                QueueDemand(queue: queue.name, status: queue.status,
                            activated: summary.count(queue: queue.name, state: .activated),
                            running: [JobState.sent, .starting, .running, .holding].reduce(0) { $0 + summary.count(queue: queue.name, state: $1) })
            }
            return JSONReply.success(QueueDemandResult(queues: demand))
        }
        router.post("/api/v1/factory/pilot_token") { request, context in
            let factory = try context.require(.factory)
            let ask = try await body.decode(PilotTokenRequest.self, from: request)
            let queue = try queue(named: ask.queue)
            guard factory.covers(queue: queue.name) || factory.scope == .admin else {
                throw APIError.forbidden("this factory token does not cover queue \(queue.name)")
            }
            // Long enough for the pilot's wait in the batch queue and its whole
            // slot, as the factory asks, but never beyond a month.
            let now = Int64(Self.now)
            let asked = ask.validFor.map { $0.milliseconds / 1000 } ?? (Int64(queue.pilots.walltime.seconds) + 3600)
            let lifetime = min(max(asked, 60), 31 * 86_400)
            let claims = TokenClaims(subject: "pilot@\(factory.subject)", scope: .pilot, queues: [queue.name],
                                     issuedAt: now, expiresAt: now + lifetime)
            let token = try signer.sign(claims)
            try await store.recordToken(claims.issued)
            return JSONReply.success(PilotTokenResult(token: token, expiresAt: claims.expiresAt))
        }
        router.post("/api/v1/factory/report_pilots") { request, context in
            let factory = try context.require(.factory)
            var report = try await body.decode(PilotReport.self, from: request)
            for entry in report.queues where !(factory.covers(queue: entry.queue) || factory.scope == .admin) {
                throw APIError.forbidden("this factory token does not cover queue \(entry.queue)")
            }
            // The token says who reports, whatever the body claims.
            report.factory = factory.subject
            try await store.recordPilots(report, now: Self.now)
            for entry in report.queues where configuration.queue(named: entry.queue) != nil {
                metrics.recordBackoff(queue: entry.queue, seconds: max(0, (entry.backoffUntil ?? 0) - Self.now))
            }
            return JSONReply.success(EmptyData())
        }
        router.get("/api/v1/factory/pilots") { _, context in
            _ = try context.require(.read, .factory)
            return JSONReply.success(PilotReports(factories: try await store.pilotReports()))
        }
    }
}
