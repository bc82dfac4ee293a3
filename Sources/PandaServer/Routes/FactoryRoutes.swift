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
            // It names the factory token that asked, so revoking that one revokes it.
            let claims = TokenClaims(subject: "pilot@\(factory.subject)", scope: .pilot, queues: [queue.name],
                                     issuedAt: now, expiresAt: now + lifetime, mintedBy: factory.id)
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
            try checkPilotRecords(report.pilots ?? [], factory: factory)
            // The token says who reports, whatever the body claims.
            report.factory = factory.subject
            try await store.recordPilots(report, now: Self.now)
            for entry in report.queues where configuration.queue(named: entry.queue) != nil {
                metrics.recordBackoff(queue: entry.queue, seconds: max(0, (entry.backoffUntil ?? 0) - Self.now))
            }
            return JSONReply.success(EmptyData())
        }
        router.get("/api/v1/factory/pilots") { request, context in
            _ = try context.require(.read, .factory)
            let query = ReadQuery(request)
            let filter = PilotFilter(queue: try query.text("queue"), state: try query.text("state"), factory: try query.text("factory"),
                                     limit: try query.integer("limit", in: 1...1000) ?? 100)
            if let state = filter.state, !FactoryPilot.states.contains(state) {
                throw APIError(.badRequest, "state must be one of \(FactoryPilot.states.joined(separator: ", "))")
            }
            return JSONReply.success(PilotReports(factories: try await store.pilotReports(), pilots: try await store.pilots(filter)))
        }
    }

    /// A report's pilot list: bounded before it is stored, each pilot of a
    /// queue the factory serves, in a known state, with names of sane length.
    func checkPilotRecords(_ pilots: [FactoryPilot], factory: TokenClaims) throws {
        let limits = configuration.server.limits
        guard pilots.count <= limits.pilotsPerReport else {
            throw APIError(.contentTooLarge, "\(pilots.count) pilots in one report; at most \(limits.pilotsPerReport) (server.limits.pilots_per_report)")
        }
        let textBytes = Int(limits.textBytes.bytes)
        for (index, pilot) in pilots.enumerated() {
            guard factory.covers(queue: pilot.queue) || factory.scope == .admin else {
                throw APIError.forbidden("pilots[\(index)]: this factory token does not cover queue \(pilot.queue)")
            }
            guard FactoryPilot.states.contains(pilot.state) else {
                throw APIError(.badRequest, "pilots[\(index)].state must be one of \(FactoryPilot.states.joined(separator: ", "))")
            }
            for (field, text) in [("batch_id", pilot.batchID), ("name", pilot.name), ("reason", pilot.reason ?? "")]
            where text.utf8.count > textBytes || (field != "reason" && text.isEmpty) {
                throw APIError(.badRequest, "pilots[\(index)].\(field) must be 1 to \(textBytes) bytes (server.limits.text_bytes)")
            }
        }
    }
}
