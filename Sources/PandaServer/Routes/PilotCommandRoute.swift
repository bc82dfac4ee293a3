import Hummingbird
import PandaCore
import PandaStore

/// `pilot/get_command`: the question a pilot asks between heartbeats
/// (every queue's `command_poll`), so `panda kill` reaches a payload within
/// a minute or two without heartbeats — durable writes — that often. It
/// reads one row from the reader pool and writes nothing.
extension ServerContext {
    func registerPilotCommandRoute(on router: Router<PandaRequestContext>) {
        router.post("/api/v1/pilot/get_command") { request, context in
            let pilot = try context.require(.pilot)
            let poll = try await body.decode(CommandPoll.self, from: request)
            return try await shedder.admit {
                let pending: PendingCommand
                do throws(StoreError) {
                    pending = try await store.pendingCommand(poll)
                } catch {
                    throw APIError(error)
                }
                guard pilot.covers(queue: pending.queue) else {
                    throw APIError.forbidden("this pilot token is for \(pilot.queues.joined(separator: ", ")), not \(pending.queue)")
                }
                return JSONReply.success(pending.reply)
            }
        }
    }
}
