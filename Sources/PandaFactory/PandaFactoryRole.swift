import Foundation
import Logging
import PandaClient
import PandaConfig
import PandaCore
import PandaSystem

/// `panda factory`: keeps each queue's pilots topped up, one cycle every
/// `factory.cycle`, until SIGTERM or SIGINT. Under systemd it sends READY=1
/// after its first cycle, STATUS= with the pilots it keeps, and WATCHDOG=1
/// after each cycle that completed.
///
/// ```swift
/// try await PandaFactoryRole(settings: settings, logger: logger).run()
/// ```
public struct PandaFactoryRole: Sendable {
    let settings: FactorySettings
    let logger: Logger
    /// Builds the settings again on SIGHUP; nil: SIGHUP is ignored.
    public var reload: FactoryReload?

    public init(settings: FactorySettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Runs cycles until told to stop; `once` runs a single cycle.
    public func run(once: Bool = false) async throws {
        let ledger = try PilotLedger(path: settings.factory.state)
        let runner = CommandRunner(timeout: settings.factory.commandTimeout)
        let local = LocalAdapter(pilotsSwitchUser: settings.pilotsSwitchUser)
        let adapters: [BatchSystem: any BatchAdapter] = [
            .slurm: SlurmAdapter(runner: runner), .condor: CondorAdapter(runner: runner),
            .pbs: PBSAdapter(runner: runner), .local: local,
        ]
        var settings = self.settings
        // Kept across reloads: a reloaded catalogue does not forgive a failing queue.
        let backoff = QueueBackoff()
        func makeCycle() -> FactoryCycle {
            let client = PandaClient(servers: settings.servers, token: settings.token, settings: settings.api)
            return FactoryCycle(settings: settings, client: client, ledger: ledger, adapters: adapters, logger: logger,
                                backoff: backoff)
        }
        var cycle = makeCycle()
        let systemd = SystemdNotifier()
        let stop = TerminationRequest()
        let reloads = ReloadRequest()
        logger.info("factory serving \(settings.queues.map(\.name).joined(separator: ", ")) every \(settings.factory.cycle)")
        var first = true
        while !stop.requested {
            if reloads.take(), let reload {
                settings = reload.apply(to: settings, systemd: systemd, logger: logger)
                cycle = makeCycle()
            }
            let started = ContinuousClock.now
            let summary = await cycle.run()
            if first {
                systemd.ready()
                first = false
            }
            let queued = summary.queues.reduce(0) { $0 + $1.queued }, running = summary.queues.reduce(0) { $0 + $1.running }
            let held = summary.backoffs.keys.sorted()
            systemd.status("\(running) pilots running, \(queued) queued in \(summary.queues.count) queue(s); "
                           + "\(summary.submitted) submitted last cycle" + (summary.problems.isEmpty ? "" : "; \(summary.problems.count) problem(s)")
                           + (held.isEmpty ? "" : "; backing off \(held.joined(separator: ", ")): \(summary.backoffs[held[0]] ?? "")"))
            systemd.watchdog()
            var pinged = ContinuousClock.now
            if once { break }
            // Between cycles the watchdog is fed at its own pace: the loop is
            // alive. A cycle itself is bounded by command_timeout per command;
            // WatchdogSec= should exceed the longest cycle.
            let next = started + settings.factory.cycle.duration
            while !stop.requested && !reloads.pending && ContinuousClock.now < next {
                try? await Task.sleep(for: min(.milliseconds(200), next - ContinuousClock.now))
                if let interval = systemd.watchdogInterval, ContinuousClock.now - pinged >= interval {
                    systemd.watchdog()
                    pinged = ContinuousClock.now
                }
            }
        }
        systemd.stopping()
        if stop.requested {
            // Pilots in a batch system carry on; those this process started
            // are asked to stop, so nothing is left behind on this host.
            let locals = try ledger.all().filter { $0.system == .local && $0.state.isActive }.map(\.batchID)
            try? await local.cancel(locals)
            // Wait for them: a pilot reporting its last job should still find
            // the server up, which `panda up` stops only after the factory.
            let left = await local.waitForExit(locals, within: .seconds(30))
            let killed = left.isEmpty ? "" : ", \(left.count) killed after 30 s"
            logger.info("factory stopped; \(locals.count) local pilot(s) stopped\(killed)")
        }
    }
}
