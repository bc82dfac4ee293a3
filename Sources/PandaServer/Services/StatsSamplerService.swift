import Foundation
import Logging
import PandaStore
import ServiceLifecycle

/// Samples the counts per queue every `stats_interval` (a minute by
/// default) for `stats/history`, and folds ended attempts into the error
/// and node counters: charts and error pages read these, never the jobs.
/// Only the server holding the `stats_sampler` singleton samples.
struct StatsSamplerService: Service {
    let store: any JobStore
    let singletons: SingletonGate
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            if await singletons.isHeld(.statsSampler) {
                do {
                    _ = try await store.sampleStats(now: Date().timeIntervalSince1970)
                } catch {
                    logger.error("stats sample failed: \(error)")
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
