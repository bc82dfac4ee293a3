import Hummingbird
import PandaConfig
import PandaCore
import PandaStore

/// `queue/set_status` and `queues`: an operator drains a queue (`brokeroff`:
/// no new jobs brokered to it, those it has still run) or puts it back
/// online without editing the configuration. The status is kept in the
/// database, applied at once here and within `QueueStatusService.interval`
/// on every other server of the same database, and kept over reloads and
/// restarts; `queues` shows each queue's status and where it comes from.
extension ServerContext {
    func registerQueueRoutes(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/queue/set_status") { request, context in
            let admin = try context.require(.admin)
            let ask = try await body.decode(QueueStatusRequest.self, from: request)
            // Only a queue the configuration defines (404 otherwise, naming those it has).
            _ = try queue(named: ask.queue)
            try await store.setQueueStatus(QueueStatusSetting(queue: ask.queue, status: ask.status, setBy: admin.subject, setAt: Self.now))
            live.apply(try await store.queueStatusSettings())
            let view = Self.statusViews(live.current).first { $0.queue == ask.queue }
            return JSONReply.success(view, message: "queue \(ask.queue) is \(ask.status.rawValue)")
        }
        router.get("/api/v1/queues") { _, context in
            _ = try context.require(.submit, .read, .factory, .pilot)
            return JSONReply.success(QueueStatusList(queues: Self.statusViews(live.current)))
        }
    }

    static func statusViews(_ snapshot: LiveConfiguration.Snapshot) -> [QueueStatusView] {
        snapshot.file.queues.map { queue in
            let setting = snapshot.settings[queue.name]
            return QueueStatusView(queue: queue.name, status: setting?.status ?? queue.status, configured: queue.status,
                                   setBy: setting?.setBy, setAt: setting?.setAt)
        }
    }
}
