import Logging
import PandaConfig
import PandaStore
import PandaSystem
import ServiceLifecycle
import Synchronization

/// The configuration the server's handlers read, swappable while it runs:
/// the file's (replaced on reload) with the statuses operators set through
/// the API (`queue/set_status`, kept in the database) laid over its queues.
///
/// ```swift
/// let live = LiveConfiguration(configuration)
/// live.current.brokerage.choose(...)     // one consistent snapshot
/// live.replace(with: reloaded)           // from the SIGHUP handler; the operators' statuses stay
/// live.apply(settings)                   // from the store, at start and as they change
/// ```
/// A handler reads one immutable snapshot under a lock held only for the
/// copy of two references, so a reload never blocks a request for longer
/// than that and a request never sees half of an old and half of a new
/// catalogue. Requests in flight finish with the snapshot they took.
final class LiveConfiguration: Sendable {
    struct Snapshot: Sendable {
        let configuration: PandaConfiguration
        let brokerage: Brokerage
        /// The configuration as its files say, before the operators' statuses.
        let file: PandaConfiguration
        /// The statuses operators set, by queue (also those of queues the file no longer has).
        let settings: [String: QueueStatusSetting]
    }

    private let snapshot: Mutex<Snapshot>

    init(_ configuration: PandaConfiguration) {
        snapshot = Mutex(Self.snapshot(file: configuration, settings: [:]))
    }

    var current: Snapshot { snapshot.withLock { $0 } }

    func replace(with configuration: PandaConfiguration) {
        snapshot.withLock { $0 = Self.snapshot(file: configuration, settings: $0.settings) }
    }

    /// Lays these statuses over the file's; returns whether anything changed.
    @discardableResult
    func apply(_ settings: [QueueStatusSetting]) -> Bool {
        let byQueue = Dictionary(settings.map { ($0.queue, $0) }, uniquingKeysWith: { _, newer in newer })
        return snapshot.withLock { current in
            guard current.settings != byQueue else { return false }
            current = Self.snapshot(file: current.file, settings: byQueue)
            return true
        }
    }

    private static func snapshot(file: PandaConfiguration, settings: [String: QueueStatusSetting]) -> Snapshot {
        var configuration = file
        if !settings.isEmpty {
            var sites = file.sites
            for (name, var site) in sites {
                var changed = false
                for (queue, setting) in settings where site.queues[queue] != nil {
                    site.queues[queue]?.status = setting.status
                    changed = true
                }
                if changed { sites[name] = site }
            }
            configuration.sites = sites
        }
        return Snapshot(configuration: configuration, brokerage: Brokerage(configuration: configuration), file: file, settings: settings)
    }
}

/// Reloads the queue catalogue on SIGHUP (`systemctl reload panda-server`):
/// a valid file replaces the catalogue the handlers see, without touching
/// the listener or any connection; a file with errors is refused, every
/// error goes to the log (the journal under systemd), and the running
/// catalogue stays.
struct CatalogueReloadService: Service {
    let reload: CatalogueReload
    let live: LiveConfiguration
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
        switch reload.reload(keeping: live.current.file) {
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
