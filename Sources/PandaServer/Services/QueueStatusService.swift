import Logging
import PandaStore
import ServiceLifecycle

/// Brings the queue statuses operators set (`queue/set_status`) from the
/// store into the live configuration: once before the listener opens, then
/// every `interval`, so that every server of one PostgreSQL database drains
/// a queue when any of them is told to.
///
/// ```swift
/// try await QueueStatusService.load(into: live, from: store)          // at start
/// QueueStatusService(store: store, live: live, logger: logger)        // then, in the service group
/// ```
struct QueueStatusService: Service {
    let store: any JobStore
    let live: LiveConfiguration
    var interval: Duration = .seconds(5)
    let logger: Logger

    static func load(into live: LiveConfiguration, from store: any JobStore) async throws {
        live.apply(try await store.queueStatusSettings())
    }

    func run() async throws {
        while await pauseUnlessStopping(interval) {
            do {
                let settings = try await store.queueStatusSettings()
                if live.apply(settings) {
                    logger.notice("queue statuses: \(settings.map { "\($0.queue) \($0.status.rawValue)" }.joined(separator: ", "))")
                }
            } catch {
                logger.warning("cannot read queue statuses: \(error)")
            }
        }
    }
}
