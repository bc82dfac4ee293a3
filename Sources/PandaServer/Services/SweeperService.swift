import Foundation
import Logging
import PandaConfig
import PandaStore
import ServiceLifecycle

/// Applies the server's timeouts every `sweep_interval`: jobs whose pilots
/// went quiet fail (and are retried when they may be).
struct SweeperService: Service {
    let store: any JobStore
    let timeouts: ServerTimeouts
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let limits = SweepTimeouts(sent: timeouts.sent, heartbeat: timeouts.heartbeat, holding: timeouts.holding)
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
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

