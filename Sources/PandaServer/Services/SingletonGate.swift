import Logging
import PandaConfig
import PandaStore
import ServiceLifecycle
import Synchronization

/// Asks the store's singleton lease before each run of periodic work that
/// must happen on one server only, and says so when this server takes or
/// loses one: in the log and as `panda_singleton_held{name=...}`.
///
/// ```swift
/// guard await singletons.isHeld(.sweeper) else { continue }   // another server sweeps
/// ```
final class SingletonGate: Sendable {
    private let lock: any SingletonLock
    private let metrics: ServerMetrics
    private let logger: Logger
    private let held = Mutex<Set<SingletonName>>([])

    init(lock: any SingletonLock, metrics: ServerMetrics, logger: Logger) {
        self.lock = lock
        self.metrics = metrics
        self.logger = logger
        for name in SingletonName.allCases { metrics.recordSingleton(name.rawValue, held: false) }
    }

    func isHeld(_ name: SingletonName) async -> Bool {
        let now = await lock.hold(name)
        let was = held.withLock { held in
            now ? held.insert(name).inserted == false : held.remove(name) != nil
        }
        if now != was {
            metrics.recordSingleton(name.rawValue, held: now)
            if now {
                logger.notice("singleton \(name.rawValue) taken: this server runs it now")
            } else {
                logger.warning("singleton \(name.rawValue) lost: another server runs it now")
            }
        }
        return now
    }

    /// Lets go of every singleton, so another server takes them on its next try.
    func releaseAll() async {
        await lock.releaseAll()
        let released = held.withLock { held in
            defer { held.removeAll() }
            return held
        }
        for name in released.sorted(by: { $0.rawValue < $1.rawValue }) {
            metrics.recordSingleton(name.rawValue, held: false)
            logger.notice("singleton \(name.rawValue) released at shutdown")
        }
    }
}

/// Holds the singleton lease for the life of the server and releases it on
/// shutdown. It comes before the sweeper and sampler in the service group,
/// so it stops after them: they never run on a released lease.
struct SingletonLeaseService: Service {
    let gate: SingletonGate

    func run() async throws {
        try? await gracefulShutdown()
        await gate.releaseAll()
    }
}

extension SingletonGate {
    /// The singleton lease for `server.database`: an flock beside the SQLite
    /// file, or advisory locks on a connection of its own to PostgreSQL
    /// (one connection beyond `server.database_pool`).
    static func lock(for server: ServerConfig, logger: Logger) throws(ServerStartError) -> any SingletonLock {
        switch server.database {
        case .sqlite(let path):
            return FileSingletonLock(path: FileSingletonLock.path(forDatabase: path))
        case .postgres:
            return PostgresSingletonLock(settings: try ServerDatabase.postgresSettings(server), logger: logger)
        }
    }
}
