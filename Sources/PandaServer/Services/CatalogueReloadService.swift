import Logging
import PandaConfig
import PandaSystem
import ServiceLifecycle
import Synchronization

/// The configuration the server's handlers read, swappable while it runs.
///
/// ```swift
/// let live = LiveConfiguration(configuration)
/// live.current.brokerage.choose(...)     // one consistent snapshot
/// live.replace(with: reloaded)           // from the SIGHUP handler
/// ```
/// A handler reads one immutable snapshot under a lock held only for the
/// copy of two references, so a reload never blocks a request for longer
/// than that and a request never sees half of an old and half of a new
/// catalogue. Requests in flight finish with the snapshot they took.
final class LiveConfiguration: Sendable {
    struct Snapshot: Sendable {
        let configuration: PandaConfiguration
        let brokerage: Brokerage
    }

    private let snapshot: Mutex<Snapshot>

    init(_ configuration: PandaConfiguration) {
        snapshot = Mutex(Snapshot(configuration: configuration, brokerage: Brokerage(configuration: configuration)))
    }

    var current: Snapshot { snapshot.withLock { $0 } }

    func replace(with configuration: PandaConfiguration) {
        let next = Snapshot(configuration: configuration, brokerage: Brokerage(configuration: configuration))
        snapshot.withLock { $0 = next }
    }
}

/// Reloads the queue catalogue on SIGHUP (`systemctl reload panda-server`):
/// a valid file replaces the catalogue the handlers see, without touching
/// the listener or any connection; a file with errors is refused, every
/// error goes to the log (the journal under systemd), and the running
/// catalogue stays. With `server.tls`, the certificate and key are read
/// again too (a renewed certificate), under the same rule.
struct CatalogueReloadService: Service {
    let reload: CatalogueReload
    let live: LiveConfiguration
    let certificate: ReloadableCertificate?
    let systemd: SystemdNotifier
    let logger: Logger

    func run() async throws {
        let reloads = ReloadRequest()
        for await _ in reloads.requests.cancelOnGracefulShutdown() {
            _ = reloads.take()
            apply()
        }
    }

    /// One reload; returns whether the new catalogue was applied.
    @discardableResult
    func apply() -> Bool {
        systemd.send("RELOADING=1")
        defer { systemd.ready() }
        certificate?.reload(logger: logger)
        switch reload.reload(keeping: live.current.configuration) {
        case .applied(let configuration, let notes):
            live.replace(with: configuration)
            for note in notes { logger.notice("\(note)") }
            return true
        case .refused(let problems):
            for problem in problems { logger.error("\(problem)") }
            logger.error("reload refused: \(reload.path) has \(problems.count) error(s); the running catalogue is kept")
            return false
        }
    }
}
