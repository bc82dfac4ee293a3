import Foundation
import Logging
import PandaConfig
import PandaStore
import ServiceLifecycle

/// Removes ended jobs past `server.retention.jobs`, with their history,
/// attempts and log tarballs: a pass at start and then every
/// `server.retention.interval`. Only the server holding the `retention`
/// singleton prunes, so servers sharing a PostgreSQL database never race to
/// remove the same log tarballs. Not started with `jobs: forever`.
struct RetentionService: Service {
    let pass: RetentionRun
    let age: RetentionAge
    let singletons: SingletonGate
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            if let cutoff = age.cutoff(now: Date().timeIntervalSince1970), await singletons.isHeld(.retention) {
                do {
                    let report = try await pass.run(endedBefore: cutoff, dryRun: false)
                    if report.jobs > 0 || !report.failures.isEmpty {
                        logger.notice("retention: removed \(report.jobs) job(s) ended over \(age) ago, \(report.tasks) task(s), \(report.logs) log tarball(s)")
                    }
                    for failure in report.failures.prefix(20) {
                        logger.error("retention: log tarball kept, its job too, until a later pass removes it: \(failure)")
                    }
                } catch {
                    logger.error("retention pass failed: \(error)")
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
