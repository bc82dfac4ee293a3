import PandaStore
import ServiceLifecycle

/// Runs the store's writer for the life of the server; on shutdown it commits
/// what was accepted and stops. It is first in the service group, so it stops
/// last, after the HTTP server has drained.
struct StoreService: Service {
    let store: SQLiteJobStore

    func run() async throws {
        await withGracefulShutdownHandler {
            await store.run()
        } onGracefulShutdown: {
            store.close()
        }
    }
}
