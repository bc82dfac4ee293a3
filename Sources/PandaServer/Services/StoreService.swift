import PandaStore
import ServiceLifecycle

/// Runs the store's writer (and, on PostgreSQL, its connections) for the life
/// of the server; on shutdown it commits what was accepted and stops. It is
/// first in the service group, so it stops last, after the HTTP server has
/// drained. When the group is cancelled instead (another service failed, say
/// the listener's port is taken) it closes the store the same way, or the
/// server would wait for it forever.
struct StoreService: Service {
    let store: any ServedJobStore

    func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await store.run()
            } onGracefulShutdown: {
                store.close()
            }
        } onCancel: {
            store.close()
        }
    }
}
