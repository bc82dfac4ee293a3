import Foundation
import Logging
import PandaConfig
import PandaStore
import ServiceLifecycle

/// Applies the server's timeouts every `sweep_interval`: jobs whose pilots
/// went quiet fail (and are retried when they may be). With several servers
/// on one database, only the one holding the `sweeper` singleton sweeps.
struct SweeperService: Service {
    let store: any JobStore
    let singletons: SingletonGate
    let timeouts: ServerTimeouts
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let limits = SweepTimeouts(sent: timeouts.sent, heartbeat: timeouts.heartbeat, holding: timeouts.holding)
        // Take the lease at start, so /metrics and the log say at once which server sweeps.
        _ = await singletons.isHeld(.sweeper)
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            guard await singletons.isHeld(.sweeper) else { continue }
            do {
                let report = try await store.sweep(limits, now: Date().timeIntervalSince1970)
                if report != SweepReport() {
                    logger.notice("swept: \(report.failed) failed, \(report.retried) retried, \(report.cancelled) cancelled")
                }
            } catch {
                logger.error("sweep failed: \(error)")
            }
        }
    }
}

